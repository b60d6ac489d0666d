package golden

import (
	"bytes"
	"flag"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/thriftsec/thriftsec/generator"
	"github.com/thriftsec/thriftsec/parser"
)

var update = flag.Bool("update", false, "rewrite the golden files instead of comparing")

// cases lists the case directories: those with .thrift files directly inside.
func cases(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && len(thriftFiles(t, filepath.Join(root, e.Name()))) > 0 {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("no cases in %s", root)
	}
	return dirs
}

func thriftFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.thrift"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// includeDirs returns the -I directories of a case.
func includeDirs(dir string) []string {
	if st, err := os.Stat(filepath.Join(dir, "inc")); err == nil && st.IsDir() {
		return []string{filepath.Join(dir, "inc")}
	}
	return nil
}

// TestGolden regenerates every case and compares it with the checked-in files.
func TestGolden(t *testing.T) {
	for _, dir := range cases(t, ".") {
		t.Run(dir, func(t *testing.T) {
			prog, err := parser.Load(thriftFiles(t, dir), parser.Options{IncludeDirs: includeDirs(dir)})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			files, err := generator.Generate(prog, generator.Options{OutDir: dir})
			if err != nil {
				t.Fatalf("generate: %v", err)
			}
			got := map[string]string{}
			for _, f := range files {
				got[filepath.Join(dir, filepath.FromSlash(f.Path))] = string(f.Content)
			}
			want := map[string]string{}
			err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(path, ".thrift.go") {
					b, err := os.ReadFile(path)
					want[path] = string(b)
					return err
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				for path := range want {
					if _, ok := got[path]; !ok {
						if err := os.Remove(path); err != nil {
							t.Fatal(err)
						}
					}
				}
				for path, content := range got {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("generated code differs from the golden files (-want +got); run `go test ./golden -update` if the change is intended:\n%s", diff)
			}
		})
	}
}

// TestDeterministic generates every case twice and requires identical bytes:
// map iteration or pointer order must never leak into the output.
func TestDeterministic(t *testing.T) {
	for _, dir := range cases(t, ".") {
		gen := func() []generator.OutputFile {
			prog, err := parser.Load(thriftFiles(t, dir), parser.Options{IncludeDirs: includeDirs(dir)})
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			files, err := generator.Generate(prog, generator.Options{OutDir: dir})
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			return files
		}
		if diff := cmp.Diff(gen(), gen()); diff != "" {
			t.Errorf("%s: two runs differ (-first +second):\n%s", dir, diff)
		}
	}
}

// TestErrors runs the real command on every error case: exit status 1 and
// exactly the expected messages, never a panic.
func TestErrors(t *testing.T) {
	bin := buildTool(t)
	for _, dir := range cases(t, "errors") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var args []string
			for _, inc := range includeDirs(dir) {
				args = append(args, "-I", filepath.Base(inc))
			}
			args = append(args, "-out", t.TempDir(), "-import-prefix", "example.com/out")
			for _, f := range thriftFiles(t, dir) {
				args = append(args, filepath.Base(f))
			}
			cmd := exec.Command(bin, args...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			got := stderr.String()
			abs, _ := filepath.Abs(dir)
			got = strings.ReplaceAll(got, abs, "$DIR")
			wantFile := filepath.Join(dir, "stderr.txt")
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if code != 1 {
				t.Errorf("exit status %d, want 1; stderr:\n%s", code, got)
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("stderr differs (-want +got):\n%s", diff)
			}
			if strings.Contains(got, "goroutine ") || strings.Contains(got, "panic") {
				t.Errorf("the tool panicked:\n%s", got)
			}
		})
	}
}

// buildTool builds thriftsec-gen once for the error cases.
func buildTool(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "thriftsec-gen")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/thriftsec/thriftsec/cmd/thriftsec-gen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building thriftsec-gen: %v\n%s", err, out)
	}
	return bin
}

// TestOutputIsGofmt requires every generated file to be exactly what gofmt
// leaves: files are formatted in chunks and joined, and the join must not
// show.
func TestOutputIsGofmt(t *testing.T) {
	for _, dir := range cases(t, ".") {
		prog, err := parser.Load(thriftFiles(t, dir), parser.Options{IncludeDirs: includeDirs(dir)})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		files, err := generator.Generate(prog, generator.Options{OutDir: dir})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, f := range files {
			formatted, err := format.Source(f.Content)
			if err != nil {
				t.Errorf("%s: %v", f.Path, err)
				continue
			}
			if diff := cmp.Diff(string(formatted), string(f.Content)); diff != "" {
				t.Errorf("%s is not gofmt'd (-gofmt +generated):\n%s", f.Path, diff)
			}
		}
	}
}
