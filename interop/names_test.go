package interop

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goNames is what a user of generated code calls things by, read from one
// generated package with go/ast: every name derived from an IDL name.
type goNames struct {
	Structs map[string][]string // struct type -> its fields, in order
	Enums   map[string][]string // enum type -> its value constants
	Consts  []string            // IDL constants
	Methods map[string][]string // service interface -> "Method(arg, arg)"
}

// loadGoNames reads one generated package. A struct is a type with a
// serializer method (Apache: Write, ours: Encode), an enum a named integer
// type with a String method and constants of its type, a service an
// interface with a <Name>Client struct.
func loadGoNames(t *testing.T, dir, serializer string) goNames {
	t.Helper()
	n := goNames{Structs: map[string][]string{}, Enums: map[string][]string{}, Methods: map[string][]string{}}
	fset := token.NewFileSet()
	var files []*ast.File
	paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	methods := map[string]map[string]bool{}
	types := map[string]*ast.TypeSpec{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && len(d.Recv.List) == 1 {
					typ := d.Recv.List[0].Type
					if st, ok := typ.(*ast.StarExpr); ok {
						typ = st.X
					}
					if id, ok := typ.(*ast.Ident); ok {
						if methods[id.Name] == nil {
							methods[id.Name] = map[string]bool{}
						}
						methods[id.Name][d.Name.Name] = true
					}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						types[ts.Name.Name] = ts
					}
				}
			}
		}
	}
	for name, ts := range types {
		switch typ := ts.Type.(type) {
		case *ast.StructType:
			if !methods[name][serializer] {
				continue
			}
			var fields []string
			for _, f := range typ.Fields.List {
				for _, id := range f.Names {
					if id.IsExported() {
						fields = append(fields, id.Name)
					}
				}
			}
			slices.Sort(fields) // Apache writes them in id order, we in source order
			n.Structs[name] = fields
		case *ast.InterfaceType:
			if types[name+"Client"] == nil {
				continue
			}
			var ms []string
			for _, m := range typ.Methods.List {
				ft, ok := m.Type.(*ast.FuncType)
				if !ok || len(m.Names) == 0 {
					continue // an embedded parent service
				}
				var args []string
				for _, p := range ft.Params.List[1:] { // after ctx
					for _, id := range p.Names {
						args = append(args, id.Name)
					}
				}
				ms = append(ms, m.Names[0].Name+"("+strings.Join(args, ", ")+")")
			}
			slices.Sort(ms)
			n.Methods[name] = ms
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || (gd.Tok != token.CONST && gd.Tok != token.VAR) {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				var typ string
				if id, ok := vs.Type.(*ast.Ident); ok {
					typ = id.Name
				}
				for _, id := range vs.Names {
					switch {
					case !id.IsExported() || strings.HasPrefix(id.Name, "GoUnusedProtection"):
					case isFieldDefault(id.Name, n.Structs):
						// Apache's <Struct>_<Field>_DEFAULT: not an IDL name.
					case typ != "" && types[typ] != nil && methods[typ]["String"] && gd.Tok == token.CONST && strings.HasPrefix(id.Name, typ+"_"):
						n.Enums[typ] = append(n.Enums[typ], id.Name)
					default:
						n.Consts = append(n.Consts, id.Name)
					}
				}
			}
		}
	}
	slices.Sort(n.Consts)
	return n
}

// isFieldDefault reports whether name is Apache's <Struct>_<Field>_DEFAULT.
func isFieldDefault(name string, structs map[string][]string) bool {
	rest, ok := strings.CutSuffix(name, "_DEFAULT")
	if !ok {
		return false
	}
	for s, fields := range structs {
		if f, ok := strings.CutPrefix(rest, s+"_"); ok && slices.Contains(fields, f) {
			return true
		}
	}
	return false
}

// ourOnlyStructs are structs thriftsec-gen makes that Apache does not
// (none today); Apache's extra exported types (processors, clients'
// factories) are not IDL names and are not compared.
var ourOnlyStructs = map[string]bool{}

// TestApacheNames compares, package by package, every name a user of the
// generated code types — structs and their fields, enums and their
// values, constants, service interfaces, their methods and argument
// names — between Apache's `thrift --gen go` 0.17 and thriftsec-gen, for
// all the IDL of the wire suite. The bytes on the wire are the wire
// suite's business; this is the API a team moving from Apache keeps.
func TestApacheNames(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("gen", "ours", "*"))
	sub, _ := filepath.Glob(filepath.Join("gen", "ours", "*", "*"))
	dirs = append(dirs, sub...)
	compared := 0
	for _, ours := range dirs {
		if st, err := os.Stat(ours); err != nil || !st.IsDir() {
			continue
		}
		rel, _ := filepath.Rel(filepath.Join("gen", "ours"), ours)
		apache := filepath.Join("gen", "apache", rel)
		if m, _ := filepath.Glob(filepath.Join(ours, "*.go")); len(m) == 0 {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			a := loadGoNames(t, apache, "Write")
			o := loadGoNames(t, ours, "Encode")
			if len(a.Structs)+len(a.Enums)+len(a.Consts)+len(a.Methods) == 0 {
				t.Fatalf("no Apache names in %s", apache)
			}
			for name := range ourOnlyStructs {
				delete(o.Structs, name)
			}
			// Apache's union and exception types have the same names;
			// Apache's args/result structs are unexported-free too, so
			// everything is compared.
			if diff := cmp.Diff(a, o); diff != "" {
				t.Errorf("names differ (-apache +thriftsec):\n%s", diff)
			}
			compared++
		})
	}
	if compared < 5 {
		t.Errorf("only %d packages compared", compared)
	}
}
