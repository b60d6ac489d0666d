package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// apacheRefusesForGo lists the IDL files of Apache Thrift 0.17's test trees
// that `thrift --gen go` refuses and thriftsec-gen deliberately accepts. Any
// other difference between the two in TestApacheAcceptSet is a bug.
var apacheRefusesForGo = map[string]string{
	// Apache's Go generator cannot make a Go map key of a list, set or
	// map ("Cannot produce a valid type for a Go map key"); thriftsec
	// generates []runtime.Pair[K, V] in wire order for such maps.
	"lib/delphi/test/skip/idl/skiptest_version_2.thrift": "map key list/set/map",
	"lib/rs/test/thrifts/Midlayer.thrift":                "map key list/set/map",
	"test/DebugProtoTest.thrift":                         "map key list/set/map",
	"test/EnumTest.thrift":                               "map key list/set/map",
	"test/ThriftTest.thrift":                             "map key list/set/map",
	// Apache's compiler reserves the keywords of every target language
	// ("Cannot use reserved language keyword: \"from\""); a name is
	// refused only where it would break the Go code thriftsec writes,
	// and Go names such a struct From.
	"test/py/explicit_module/test3.thrift": "other languages' keywords",
}

// apacheModuleDir is the directory of github.com/apache/thrift@v0.17.0 in
// the module cache. It is never skipped: `make deps` downloads it.
func apacheModuleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/apache/thrift@v0.17.0").Output()
	var mod struct{ Dir string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		t.Fatalf("apache thrift 0.17 module not available (make deps): %v %s", err, out)
	}
	return mod.Dir
}

// TestApacheAcceptSet runs thriftsec-gen and Apache's compiler (`thrift
// --gen go`, Debian's 0.17) over every .thrift file under Apache's test/
// and lib/*/test, with the file's directory and test/ as include
// directories (as Apache's own build does), and requires both to accept
// or both to reject each file, apart from the deliberate differences of
// apacheRefusesForGo.
func TestApacheAcceptSet(t *testing.T) {
	compiler, err := exec.LookPath("thrift")
	if err != nil {
		t.Fatalf("Apache's thrift compiler is not installed (make deps): %v", err)
	}
	root := apacheModuleDir(t)
	var files []string
	for _, top := range append([]string{filepath.Join(root, "test")}, glob(t, filepath.Join(root, "lib", "*", "test"))...) {
		filepath.WalkDir(top, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".thrift") {
				files = append(files, path)
			}
			return nil
		})
	}
	sort.Strings(files)
	if len(files) < 100 {
		t.Fatalf("only %d .thrift files under %s", len(files), root)
	}
	seen := map[string]bool{}
	for _, path := range files {
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			incs := []string{"-I", filepath.Dir(path), "-I", filepath.Join(root, "test")}
			apacheOut, err := exec.Command(compiler, append(append(incs, "-o", t.TempDir(), "--gen", "go"), path)...).CombinedOutput()
			apacheOK := err == nil
			code, _, stderr := runCmd(append(append(incs, "-out", t.TempDir(), "-import-prefix", "example.com/gen"), path)...)
			oursOK := code == exitOK
			if looksGenerated(stderr) {
				t.Errorf("stderr looks like generated code:\n%.400s", stderr)
			}
			reason, deliberate := apacheRefusesForGo[rel]
			switch {
			case deliberate && (apacheOK || !oursOK):
				t.Errorf("apacheRefusesForGo is stale (%s): Apache ok=%t, thriftsec-gen ok=%t\n%s", reason, apacheOK, oursOK, stderr)
			case !deliberate && apacheOK && !oursOK:
				t.Errorf("Apache accepts it, thriftsec-gen refuses it:\n%s", stderr)
			case !deliberate && !apacheOK && oursOK:
				t.Errorf("Apache refuses it, thriftsec-gen accepts it:\n%s", lastLines(string(apacheOut), 3))
			}
		})
		seen[rel] = true
	}
	for rel := range apacheRefusesForGo {
		if !seen[rel] {
			t.Errorf("apacheRefusesForGo names %s, which is not in Apache's test trees", rel)
		}
	}
}

func glob(t *testing.T, pattern string) []string {
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// looksGenerated reports whether s holds Go code, which no message of
// thriftsec-gen may.
func looksGenerated(s string) bool {
	return strings.Contains(s, "DO NOT EDIT") || strings.Contains(s, "\nfunc ") || strings.Contains(s, "\npackage ")
}

// TestLatin1DocComment is the case of issue 9: Apache's ThriftTest.thrift
// with one Latin-1 byte in a doc comment used to fail with no position and
// the whole generated file on stderr. Now it generates, with a positioned
// warning, and the generated file holds U+FFFD.
func TestLatin1DocComment(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(apacheModuleDir(t), "test", "ThriftTest.thrift"))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(src), "/**")
	if i < 0 {
		t.Fatal("no doc comment in ThriftTest.thrift")
	}
	bad := append(append(append([]byte{}, src[:i+3]...), " caf\xe9"...), src[i+3:]...)
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("ThriftTest.thrift", bad, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd("-out", "gen", "-import-prefix", "example.com/gen", "ThriftTest.thrift")
	if code != exitOK {
		t.Fatalf("exit %d:\n%.2000s", code, stderr)
	}
	line := strings.Count(string(bad[:i]), "\n") + 1
	col := i - strings.LastIndexByte(string(bad[:i]), '\n') + 7
	want := fmt.Sprintf("thriftsec-gen: warning: ThriftTest.thrift:%d:%d: doc comment: byte 0xe9 is not UTF-8; replaced with U+FFFD in generated code\n", line, col)
	if !strings.Contains(stderr, want) || looksGenerated(stderr) || len(stderr) > 4000 {
		t.Errorf("stderr:\n%.2000s\nwant it to hold:\n%s", stderr, want)
	}
	out, err := os.ReadFile(filepath.Join("gen", "thrifttest", "ThriftTest.thrift.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "caf\ufffd") {
		t.Errorf("generated code does not hold the replaced doc")
	}
}
