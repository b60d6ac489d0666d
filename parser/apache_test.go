package parser

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	tg "github.com/cloudwego/thriftgo/parser"
	"github.com/google/go-cmp/cmp"
)

// apacheTestDir locates Apache Thrift 0.17's test IDL in the module cache.
// Outside CI a missing module skips the test; in CI it fails it.
func apacheTestDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/apache/thrift@v0.17.0").Output()
	var mod struct{ Dir string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err == nil && mod.Dir == "" {
		err = fmt.Errorf("no Dir in %s", out)
	}
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("apache thrift module not available: %v", err)
		}
		t.Fatalf("apache thrift module not available: %v", err)
	}
	return filepath.Join(mod.Dir, "test")
}

// apacheRejects lists the test IDL files Apache's compiler rejects (checked
// with thrift 0.17 --gen json; the test asks the compiler again when it is
// installed).
var apacheRejects = map[string]bool{
	"BrokenConstants.thrift": true, // an integer beyond int64
}

// TestApacheTestIDL loads every IDL file of Apache Thrift's own test suite
// and accepts exactly those Apache's compiler accepts.
func TestApacheTestIDL(t *testing.T) {
	dir := apacheTestDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.thrift"))
	if len(files) == 0 {
		t.Fatalf("no .thrift files in %s", dir)
	}
	compiler, _ := exec.LookPath("thrift")
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			wantOK := !apacheRejects[name]
			if compiler != "" {
				out := t.TempDir()
				err := exec.Command(compiler, "--gen", "json", "-I", dir, "-out", out, path).Run()
				if (err == nil) != wantOK {
					t.Errorf("apacheRejects is stale: thrift %s: err = %v", name, err)
				}
				wantOK = err == nil
			}
			_, err := Load([]string{path}, Options{IncludeDirs: []string{dir}})
			if wantOK && err != nil {
				t.Errorf("Apache accepts %s, Load rejects it:\n%v", name, err)
			}
			if !wantOK && err == nil {
				t.Errorf("Apache rejects %s, Load accepts it", name)
			}
		})
	}
}

// TestAgreesWithThriftgo compares our model with thriftgo's AST on every
// Apache test file thriftgo can parse: definition names, field names and
// explicit decimal ids, enum values, functions and arguments. It guards our
// parser against misreading the structure.
func TestAgreesWithThriftgo(t *testing.T) {
	dir := apacheTestDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.thrift"))
	compared := 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ast, err := tg.ParseString(path, string(src))
		if err != nil || apacheRejects[filepath.Base(path)] {
			continue // outside thriftgo's narrower grammar
		}
		p, err := Load([]string{path}, Options{IncludeDirs: []string{dir}})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		compared++
		if diff := cmp.Diff(outlineThriftgo(ast), outlineModel(p.Roots[0])); diff != "" {
			t.Errorf("%s: thriftgo and Load disagree (-thriftgo +Load):\n%s", filepath.Base(path), diff)
		}
	}
	if compared < 15 {
		t.Errorf("only %d files compared", compared)
	}
}

// The outlines show a field's id only when positive: thriftgo invents
// previous+1 for a field without one, where we follow Apache's -1, -2, ...
// (TestThriftgoGaps covers that difference).

func outlineThriftgo(a *tg.Thrift) []string {
	var out []string
	fields := func(prefix string, fs []*tg.Field) {
		for i, f := range fs {
			out = append(out, fmt.Sprintf("%s %d:%s", prefix, i, f.Name))
			out = append(out, fmt.Sprintf("%s %s id %d", prefix, f.Name, f.ID))
		}
	}
	for _, x := range a.Typedefs {
		out = append(out, "typedef "+x.Alias)
	}
	for _, x := range a.Enums {
		out = append(out, "enum "+x.Name)
		for _, v := range x.Values {
			out = append(out, fmt.Sprintf("  %s=%d", v.Name, v.Value))
		}
	}
	for _, x := range a.Constants {
		out = append(out, "const "+x.Name)
	}
	var structs []*tg.StructLike
	structs = append(structs, a.Structs...)
	structs = append(structs, a.Unions...)
	structs = append(structs, a.Exceptions...)
	for _, x := range structs {
		out = append(out, x.Category+" "+x.Name)
		fields(" ", x.Fields)
	}
	for _, x := range a.Services {
		out = append(out, "service "+x.Name+" extends "+x.Extends)
		for _, fn := range x.Functions {
			out = append(out, fmt.Sprintf("  func %s oneway=%t", fn.Name, fn.Oneway))
			fields("   arg", fn.Arguments)
			fields("   throws", fn.Throws)
		}
	}
	sort.Strings(out)
	return out
}

// thriftgoID is the id thriftgo gives the i-th field when it has none:
// the previous field's plus one, 1 for the first (in a function's
// argument list, 1 as well).
func thriftgoID(fs []*Field, i int) int {
	if i == 0 {
		return 1
	}
	prev := int(fs[i-1].ID)
	if !fs[i-1].ExplicitID {
		prev = thriftgoID(fs, i-1)
	}
	return prev + 1
}

func outlineModel(f *File) []string {
	var out []string
	fields := func(prefix string, fs []*Field) {
		for i, x := range fs {
			out = append(out, fmt.Sprintf("%s %d:%s", prefix, i, x.Name))
			id := int(x.ID)
			if !x.ExplicitID {
				id = thriftgoID(fs, i)
			}
			out = append(out, fmt.Sprintf("%s %s id %d", prefix, x.Name, id))
		}
	}
	for _, x := range f.Typedefs {
		out = append(out, "typedef "+x.Name)
	}
	for _, x := range f.Enums {
		out = append(out, "enum "+x.Name)
		for _, v := range x.Values {
			out = append(out, fmt.Sprintf("  %s=%d", v.Name, v.Value))
		}
	}
	for _, x := range f.Constants {
		out = append(out, "const "+x.Name)
	}
	for _, x := range f.Structs {
		out = append(out, x.Kind.String()+" "+x.Name)
		fields(" ", x.Fields)
	}
	for _, x := range f.Services {
		ext := ""
		if d := x.Extends; d != nil {
			ext = d.Name
			if d.File != f {
				ext = d.File.Name + "." + d.Name
			}
		}
		out = append(out, "service "+x.Name+" extends "+ext)
		for _, fn := range x.Functions {
			out = append(out, fmt.Sprintf("  func %s oneway=%t", fn.Name, fn.Oneway))
			fields("   arg", fn.Args)
			fields("   throws", fn.Throws)
		}
	}
	sort.Strings(out)
	return out
}
