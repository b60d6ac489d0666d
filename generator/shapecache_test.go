package generator

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/thriftsec/thriftsec/parser"
)

// shapeCases are chunks as jennifer writes them (blanks around tokens,
// doc comments indented by one space), each with the number of
// declarations the cache must leave to go/format: gofmt rewrites their
// comments or numbers, or they fall outside what a placeholder may stand
// for.
var shapeCases = []struct {
	name   string
	src    string
	direct int64
}{
	{"plain", "// F is f. \n func F (a int,b string) (int,error) {\nreturn a + 1,nil\n} \n \n // G is g. \n func G () {\nF (2,\"x\")\n}\n", 0},
	{"struct tags", "// S is s. \n type S struct{\nA int `json:\"a\"`\nLongName * string `json:\"long_name,omitempty\"`\n}\n", 0},
	{"column one doc", "// Fails to compile. \n const _ = runtime.V1\n// T is t.\ntype T int32\n", 0},
	{"list", "// L is l.\n//\n// - one\n// - two\nfunc L () {}\n", 1},
	{"heading", "// H is h.\n//\n// Heading\n//\n// Text.\nfunc H () {}\n", 1},
	{"code block", "// C is c.\n//\n//   indented\nfunc C () {}\n", 1},
	{"hex", "func X () int {\nreturn 0X1F\n}\n", 0},
	{"exponent", "func E () float64 {\nreturn 1e+5\n}\n", 1},
	{"unicode string", "func U () string {\nreturn \"é\"\n}\n", 0},
	{"raw string lines", "func R () string {\nreturn `a\nb`\n}\n", 0},
	{"block comment", "/* b */\nfunc B () {}\n", 1},
	{"backquote doc", "// Q uses `code`.\nfunc Q () {}\n", 1},
	{"aligned", "type A struct{\nX int // x\nLonger string // longer\n}\n", 0},
	{"alike", "\n // N1 is n. \n func N1 () int {\nreturn 1\n} \n \n // N2 is n. \n func N2 () int {\nreturn 2\n}\n", 0},
}

// TestShapeCacheMatchesGofmt formats each case through the cache (twice,
// so that the second pass fills cached templates) and with go/format alone.
func TestShapeCacheMatchesGofmt(t *testing.T) {
	for _, tc := range shapeCases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := formatWhole([]byte(tc.src))
			if err != nil {
				t.Fatalf("go/format: %v", err)
			}
			c := newShapeCache()
			for pass := 0; pass < 2; pass++ {
				got, err := c.formatDecls(&scratch{}, []byte(tc.src))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("pass %d (-gofmt +cache):\n%s", pass, diff)
				}
			}
			if got := c.direct.Load(); got != 2*tc.direct {
				t.Errorf("%d declarations formatted by go/format in two passes, want %d", got, 2*tc.direct)
			}
		})
	}
	// Two declarations of one shape share a template.
	c := newShapeCache()
	if _, err := c.formatDecls(&scratch{}, []byte(shapeCases[len(shapeCases)-1].src)); err != nil {
		t.Fatal(err)
	}
	if c.hits.Load() != 1 || c.misses.Load() != 1 {
		t.Errorf("hits %d misses %d, want 1 and 1", c.hits.Load(), c.misses.Load())
	}
}

// TestFastPathsOnIDL generates every golden case, Apache's test IDL and a
// synthetic IDL with the generator's two shortcuts — the shape cache and
// compact methods copied from the binary ones (templates/codec_compact.go)
// — and without either (go/format on every chunk, every method through
// jennifer), and wants the same bytes.
func TestFastPathsOnIDL(t *testing.T) {
	var roots [][]string // file sets loaded together
	golden, _ := filepath.Glob("../golden/*/*.thrift")
	for _, f := range golden {
		roots = append(roots, []string{f})
	}
	if dir := apacheDir(t); dir != "" {
		for _, pat := range []string{"test/*.thrift", "lib/*/test/*.thrift", "lib/*/test/*/*.thrift"} {
			files, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, f := range files {
				roots = append(roots, []string{f})
			}
		}
	}
	var checked, hits, copies int64
	testHookPlan = func(p *plan) { hits += p.shapes.hits.Load(); copies += p.compactCopies.Load() }
	defer func() { testHookPlan = nil }()
	for _, files := range roots {
		inc := []string{filepath.Join(filepath.Dir(files[0]), "inc")}
		prog, err := parser.Load(files, parser.Options{IncludeDirs: inc})
		if err != nil {
			continue // rejected IDL: nothing to format
		}
		withCache, err := Generate(prog, Options{ImportPrefix: "example.com/x"})
		if err != nil {
			continue
		}
		hook := testHookPlan
		noShapeCache, noCompactFromBinary, testHookPlan = true, true, nil
		plain, err := Generate(prog, Options{ImportPrefix: "example.com/x"})
		noShapeCache, noCompactFromBinary, testHookPlan = false, false, hook
		if err != nil {
			t.Fatalf("%s: %v", files[0], err)
		}
		if len(plain) != len(withCache) {
			t.Fatalf("%s: %d files with the cache, %d without", files[0], len(withCache), len(plain))
		}
		for i := range plain {
			if diff := cmp.Diff(string(plain[i].Content), string(withCache[i].Content)); diff != "" {
				t.Errorf("%s: %s (-reference +fast paths):\n%s", files[0], plain[i].Path, diff)
			}
		}
		checked++
	}
	if checked < int64(len(golden))/2 {
		t.Fatalf("only %d IDL sets generated", checked)
	}
	if hits == 0 {
		t.Fatal("the cache never served a declaration")
	}
	if copies == 0 {
		t.Fatal("no compact methods were copied")
	}
	t.Logf("%d IDL sets, %d declarations from the cache, compact methods of %d structs copied", checked, hits, copies)
}

// apacheDir is Apache Thrift 0.17's source tree in the module cache, or ""
// (outside CI) when it cannot be had.
func apacheDir(t *testing.T) string {
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/apache/thrift@v0.17.0").Output()
	var mod struct{ Dir string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("apache thrift module not available: %v", err)
		}
		t.Logf("apache thrift module not available (%v): golden cases only", err)
		return ""
	}
	return mod.Dir
}

// FuzzShapeCache wants the cache and go/format to agree on any source
// go/format accepts.
func FuzzShapeCache(f *testing.F) {
	for _, tc := range shapeCases {
		f.Add(tc.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		want, err := formatWhole([]byte(src))
		if err != nil || bytes.Contains([]byte(src), []byte("package")) || strings.Contains(src, "import") {
			return
		}
		c := newShapeCache()
		for pass := 0; pass < 2; pass++ {
			got, err := c.formatDecls(&scratch{}, []byte(src))
			if err != nil {
				t.Fatalf("go/format accepts %q, the cache says %v", src, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%q: go/format gives\n%s\nthe cache gives\n%s", src, want, got)
			}
		}
	})
}

// BenchmarkGenerate generates Apache's ThriftTest.thrift, an IDL written
// by hand (few repeated shapes), through the shape cache and with
// go/format on every chunk; compare the two with -bench as a ratio.
func BenchmarkGenerate(b *testing.B) {
	t := &testing.T{}
	dir := apacheDir(t)
	if dir == "" {
		b.Skip("apache thrift module not available")
	}
	prog, err := parser.Load([]string{filepath.Join(dir, "test", "ThriftTest.thrift")}, parser.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name  string
		plain bool
	}{{"gofmt", true}, {"shapes", false}} {
		b.Run(mode.name, func(b *testing.B) {
			noShapeCache = mode.plain
			defer func() { noShapeCache = false }()
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				out, err := Generate(prog, Options{ImportPrefix: "example.com/x"})
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for _, f := range out {
					n += int64(len(f.Content))
				}
			}
			b.SetBytes(n)
		})
	}
}
