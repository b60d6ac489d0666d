package parser

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadFiles writes files (name -> IDL) into a fresh directory, makes it the
// working directory so that positions read "name:line:col", and loads the
// roots (the first file when none are named).
func loadFiles(t *testing.T, files map[string]string, roots ...string) (*Program, error) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	if len(roots) == 0 {
		roots = []string{"a.thrift"}
	}
	return Load(roots, Options{})
}

// errLines splits an error from Load into its lines, checking its type.
func errLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want ErrorList: %v", err, err)
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Error())
	}
	return out
}

// TestModel loads a representative pair of files and compares a dump of
// every model field with testdata/model/want.txt (go test -update rewrites).
func TestModel(t *testing.T) {
	t.Chdir("testdata/model")
	p, err := Load([]string{"main.thrift"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := dump(p)
	if *update {
		if err := os.WriteFile("want.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("want.txt")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("model mismatch (-want +got):\n%s", diff)
	}
}

func TestPathsAndOrder(t *testing.T) {
	files := map[string]string{
		"a.thrift":         "include \"sub/c.thrift\"\ninclude \"b.thrift\"\n",
		"b.thrift":         "include \"sub/c.thrift\"\nstruct B { 1: c.C c }\n",
		"sub/c.thrift":     "include \"d.thrift\"\nstruct C { 1: d.D d }\n",
		"sub/d.thrift":     "struct D {}\n",
		"inc/e.thrift":     "typedef i32 E\n",
		"z.thrift":         "include \"e.thrift\"\nconst e.E X = 1\n",
		"other/q.thrift":   "",
		"other/e.thrift":   "typedef string E\n",
		"sub/unused.thift": "",
	}
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(src), 0o644)
	}
	t.Chdir(dir)
	// IncludeDirs are searched in order after the includer's directory.
	p, err := Load([]string{"z.thrift", "a.thrift", "./a.thrift"}, Options{IncludeDirs: []string{"inc", "other"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Files {
		got = append(got, f.Path)
	}
	want := []string{"inc/e.thrift", "sub/d.thrift", "sub/c.thrift", "b.thrift", "a.thrift", "z.thrift"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	var roots []string
	for _, f := range p.Roots {
		roots = append(roots, f.Path)
	}
	if diff := cmp.Diff([]string{"z.thrift", "a.thrift"}, roots); diff != "" {
		t.Errorf("Roots (-want +got):\n%s", diff)
	}
	if k := p.Roots[0].Constants[0]; k.Type.Resolve().Kind != KindI32 {
		t.Errorf("X resolves to %v, want i32 (inc/ before other/)", k.Type.Resolve())
	}

	// A file outside the working directory keeps its absolute path.
	sub := filepath.Join(dir, "sub")
	t.Chdir(sub)
	p, err = Load([]string{"../a.thrift"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	last := p.Files[len(p.Files)-1]
	if last.Path != filepath.Join(dir, "a.thrift") || last.AbsPath != last.Path {
		t.Errorf("Path = %q, AbsPath = %q, want both absolute", last.Path, last.AbsPath)
	}
	if p.Files[0].Path != "d.thrift" {
		t.Errorf("Files[0].Path = %q, want d.thrift", p.Files[0].Path)
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "missing",
			files: map[string]string{"a.thrift": "include \"nope.thrift\"\n"},
			want:  []string{`a.thrift:1:9: include "nope.thrift" not found (searched: .)`},
		},
		{
			name: "cycle",
			files: map[string]string{
				"a.thrift": "include \"b.thrift\"\n",
				"b.thrift": "\ninclude \"a.thrift\"\n",
			},
			want: []string{`b.thrift:2:9: include cycle: a.thrift -> b.thrift -> a.thrift`},
		},
		{
			name:  "self",
			files: map[string]string{"a.thrift": "include \"a.thrift\"\n"},
			want:  []string{`a.thrift:1:9: include cycle: a.thrift -> a.thrift`},
		},
		{
			name: "not visible without include",
			files: map[string]string{
				"a.thrift": "include \"b.thrift\"\nstruct A { 1: c.C x }\n",
				"b.thrift": "include \"c.thrift\"\n",
				"c.thrift": "struct C {}\n",
			},
			want: []string{`a.thrift:2:15: undefined type "c.C"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadFiles(t, tt.files)
			if diff := cmp.Diff(tt.want, errLines(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("missing root", func(t *testing.T) {
		_, err := loadFiles(t, map[string]string{}, "x.thrift")
		if got := errLines(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "x.thrift: cannot read x.thrift") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("searched dirs", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "a.thrift"), []byte(`include "x.thrift"`), 0o644)
		os.Mkdir(filepath.Join(dir, "i1"), 0o755)
		t.Chdir(dir)
		_, err := Load([]string{"a.thrift"}, Options{IncludeDirs: []string{"i1", "/nonexistent"}})
		want := []string{`a.thrift:1:9: include "x.thrift" not found (searched: ., i1, /nonexistent)`}
		if diff := cmp.Diff(want, errLines(t, err)); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
	})
}
