package parser

import (
	"testing"

	tg "github.com/cloudwego/thriftgo/parser"
	"github.com/google/go-cmp/cmp"
)

// TestThriftgoGaps pins each gap of thriftgo v0.4.5 this package closes:
// for the same IDL, thriftgo's AST (logged, to show the gap) and our model
// (checked).
func TestThriftgoGaps(t *testing.T) {
	src := `const double D1 = 1.5e3
const double D2 = -2E-2
const double D3 = 1e10
const string S1 = "tab\there \"q\" \\ 'single' nl\n"
const string S2 = 'it\'s'
struct S {
  0x10: i32 hex
  i32 implicit1
  3: uuid id
  i32 implicit2
}
`
	ast, err := tg.ParseString("a.thrift", src)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("thriftgo: D1=%v D2=%v D3=%v S1=%q S2=%q ids=%d,%d,%d,%d uuid type=%q category=%v",
		*ast.Constants[0].Value.TypedValue.Double, *ast.Constants[1].Value.TypedValue.Double,
		*ast.Constants[2].Value.TypedValue.Double, *ast.Constants[3].Value.TypedValue.Literal,
		*ast.Constants[4].Value.TypedValue.Literal,
		ast.Structs[0].Fields[0].ID, ast.Structs[0].Fields[1].ID, ast.Structs[0].Fields[2].ID,
		ast.Structs[0].Fields[3].ID, ast.Structs[0].Fields[2].Type.Name, ast.Structs[0].Fields[2].Type.Category)

	p, err := loadFiles(t, map[string]string{"a.thrift": src})
	if err != nil {
		t.Fatal(err)
	}
	f := p.Files[0]
	type got struct {
		D1, D2, D3 float64
		S1, S2     string
		IDs        []int16
		Explicit   []bool
		UUID       Kind
	}
	g := got{
		D1: f.Constants[0].Value.Double, D2: f.Constants[1].Value.Double, D3: f.Constants[2].Value.Double,
		S1: f.Constants[3].Value.String, S2: f.Constants[4].Value.String,
		UUID: f.Structs[0].Fields[2].Type.Kind,
	}
	for _, fd := range f.Structs[0].Fields {
		g.IDs = append(g.IDs, fd.ID)
		g.Explicit = append(g.Explicit, fd.ExplicitID)
	}
	want := got{
		D1: 1500, D2: -0.02, D3: 1e10,
		S1: "tab\there \"q\" \\ 'single' nl\n", S2: "it's",
		// thriftgo: 0 (0x10 read base 10), then previous+1.
		// Apache: 16, then -1, -2 for the fields without ids.
		IDs:      []int16{16, -1, 3, -2},
		Explicit: []bool{true, false, true, false},
		UUID:     KindUUID,
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("model (-want +got):\n%s", diff)
	}
}

// TestThriftgoAccepts shows the checks thriftgo skips: each IDL here is
// accepted by thriftgo's parser and rejected by Load (the messages
// themselves are pinned in TestErrors).
func TestThriftgoAccepts(t *testing.T) {
	for _, src := range []string{
		"const i8 x = 300",
		"service S { void f(1: i32 a, 1: i32 b) }",
		"struct X {}\nservice S { void f() throws (1: X x) }",
		"struct S { 40000: i32 a }",
		"struct S { 1: i32 a, 1: i32 b }",
		"enum E { A = 1, A = 2 }",
		"service S { oneway i32 f() }",
		"struct S { 1: Undefined u }",
		"const map<i32,i32> m = {1: 2, 1: 3}",
		"struct A {}\nstruct A {}",
	} {
		if _, err := tg.ParseString("a.thrift", src); err != nil {
			t.Errorf("thriftgo rejects %q: %v", src, err)
		}
		if _, err := loadFiles(t, map[string]string{"a.thrift": src}); err == nil {
			t.Errorf("Load accepts %q", src)
		}
	}
}
