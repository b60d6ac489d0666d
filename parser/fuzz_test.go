package parser

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary text to Load as one file: it must return a
// Program or an ErrorList, never panic, and every error must have a
// position in that file.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"",
		"struct S { 1: i32 a = 1, 2: optional list<string> b = [\"x\"] }",
		"enum E { A, B = 0x10, C } (x)",
		"const map<string, E> m = {\"a\": E.A}\nenum E { A }",
		"typedef A B\ntypedef B A",
		"service S extends S { oneway i32 f(i32 a) throws (1: X x) }",
		"const string s = \"\\u00e9\\n\"",
		"const double d = -1.5e+3",
		"include \"a.thrift\"",
		"/** doc */ struct S { /** f */ 1: uuid u = \"00112233-4455-6677-8899-aabbccddeeff\" }",
		"namespace * x\nunion U { 1: required i32 a }",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.thrift")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Load([]string{path}, Options{})
		if err == nil {
			if p == nil || len(p.Files) != 1 {
				t.Fatalf("no error and no program")
			}
			return
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
		}
		for _, e := range list {
			if e.Pos.File == "" {
				t.Errorf("error without file: %v", e)
			}
		}
	})
}
