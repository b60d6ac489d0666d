package parser

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestErrors pins every check: its message and the exact position it
// points at. Each case is one file, a.thrift (plus b.thrift when given).
func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		b    string // b.thrift, for cross-file cases
		want []string
	}{
		// Syntax and lexical errors.
		{"syntax unexpected", "struct S {\n  1: i32 a\n  }}\n", "", []string{`a.thrift:3:4: syntax error: unexpected "}", expected definition`}},
		{"syntax eof", "struct S {\n  1: i32", "", []string{`a.thrift:2:9: syntax error: unexpected end of file, expected name`}},
		{"syntax keyword as name", "struct list {}", "", []string{`a.thrift:1:8: syntax error: unexpected "list", expected name`}},
		{"header after definition", "struct S {}\nnamespace go x\n", "", []string{`a.thrift:2:1: syntax error: namespace must come before all definitions`}},
		{"unterminated string", "const string s = \"abc\n", "", []string{`a.thrift:1:18: newline in string literal`}},
		{"unterminated comment", "/* abc", "", []string{`a.thrift:1:1: unterminated comment`}},
		{"bad character", "struct S { 1: i32 a @ }", "", []string{`a.thrift:1:21: unexpected character '@'`}},
		{"bad escape", "const string s = \"a\\qb\\/\"", "", []string{`a.thrift:1:20: unknown escape sequence "\q"`, `a.thrift:1:23: unknown escape sequence "\/"`}},
		{"bad unicode escape", "const string s = 'x\\u00e9'", "", []string{`a.thrift:1:20: unknown escape sequence "\u"`}},
		{"int too big", "const i64 x = 9223372036854775808", "", []string{`a.thrift:1:15: integer 9223372036854775808 out of range for i64`}},

		// Names and types.
		{"undefined type", "struct S {\n  1: Foo a\n}\n", "", []string{`a.thrift:2:6: undefined type "Foo"`}},
		{"undefined type in container", "typedef map<string, list<Bar>> M", "", []string{`a.thrift:1:26: undefined type "Bar"`}},
		{"not a type", "const i32 K = 1\nstruct S { 1: K k }", "", []string{`a.thrift:2:15: "K" is not a type`}},
		{"duplicate definition", "struct A {}\nenum A { X }\n", "", []string{`a.thrift:2:6: duplicate definition "A" (first defined at a.thrift:1:8)`}},
		{"typedef cycle", "typedef B A\ntypedef A B\n", "", []string{`a.thrift:1:11: typedef cycle: A -> B -> A`, `a.thrift:2:11: typedef cycle: B -> A -> B`}},
		{"unknown-typed default", "struct S { 1: Nope n = 5 }", "", []string{`a.thrift:1:15: undefined type "Nope"`}},

		// Enums.
		{"duplicate enum value", "enum E {\n  A,\n  B,\n  A = 5\n}\n", "", []string{`a.thrift:4:3: duplicate enum value "A" in enum "E" (first at a.thrift:2:3)`}},
		{"enum value out of int32", "enum E { A = 2147483648 }", "", []string{`a.thrift:1:14: enum value A = 2147483648 out of range for i32`}},
		{"implicit enum value out of int32", "enum E { A = 2147483647, B }", "", []string{`a.thrift:1:26: enum value B = 2147483648 out of range for i32`}},

		// Fields.
		{"duplicate field id", "struct S {\n  1: i32 a\n  2: i32 b\n  2: i32 c\n}\n", "", []string{`a.thrift:4:3: duplicate field id 2 in struct "S" (first used by "b" at a.thrift:3:3)`}},
		{"duplicate field name", "union U {\n  1: i32 a\n  2: string a\n}\n", "", []string{`a.thrift:3:13: duplicate field name "a" in union "U" (first at a.thrift:2:10)`}},
		{"field id out of int16", "exception X { 32768: i32 a }", "", []string{`a.thrift:1:15: field id 32768 out of range for i16`}},

		// Services.
		{"duplicate arg id", "service S { void f(1: i32 a, 1: i32 b) }", "", []string{`a.thrift:1:30: duplicate field id 1 in arguments of function "S.f" (first used by "a" at a.thrift:1:20)`}},
		{"duplicate arg name", "service S { void f(1: i32 a, 2: i32 a) }", "", []string{`a.thrift:1:37: duplicate field name "a" in arguments of function "S.f" (first at a.thrift:1:27)`}},
		{"duplicate throws id", "exception X {}\nservice S { void f() throws (1: X a, 1: X b) }", "", []string{`a.thrift:2:38: duplicate field id 1 in throws of function "S.f" (first used by "a" at a.thrift:2:30)`}},
		{"throws non-exception", "struct X {}\ntypedef X TX\nservice S { void f() throws (1: TX x) }", "", []string{`a.thrift:3:33: throws type "TX" is not an exception`}},
		{"oneway result", "service S {\n  oneway i32 f()\n}", "", []string{`a.thrift:2:10: oneway function "f" must return void`}},
		{"oneway throws", "exception X {}\nservice S {\n  oneway void f() throws (1: X x)\n}", "", []string{`a.thrift:3:32: oneway function "f" cannot throw exceptions`}},
		{"duplicate function", "service S {\n  void f()\n  i32 f()\n}", "", []string{`a.thrift:3:7: duplicate function "f" in service "S" (first at a.thrift:2:8)`}},
		{"inherited across files", "include \"b.thrift\"\nservice S extends b.B {\n  void f()\n}", "service B { void f() }", []string{`a.thrift:3:8: function "f" in service "S" is already defined in inherited service "B" (at b.thrift:1:18)`}},
		{"extends undefined", "service S extends Nope {}", "", []string{`a.thrift:1:19: undefined service "Nope"`}},
		{"extends non-service", "struct T {}\nservice S extends T {}", "", []string{`a.thrift:2:19: "T" is not a service`}},
		{"extends cycle", "service A extends B {}\nservice B extends A {}", "", []string{`a.thrift:1:19: service inheritance cycle: A -> B -> A`}},

		// Values.
		{"i8 range", "const i8 x = 300", "", []string{`a.thrift:1:14: value 300 out of range for i8`}},
		{"i16 range", "struct S { 1: i16 x = -32769 }", "", []string{`a.thrift:1:23: value -32769 out of range for i16`}},
		{"i32 range", "const list<i32> x = [1, 0x80000000]", "", []string{`a.thrift:1:25: value 0x80000000 out of range for i32`}},
		{"bool int", "const bool b = 2", "", []string{`a.thrift:1:16: value 2 out of range for bool (0 or 1)`}},
		{"bool string", "const bool b = \"yes\"", "", []string{`a.thrift:1:16: cannot use string "yes" as bool`}},
		{"int from double", "const i32 x = 1.5", "", []string{`a.thrift:1:15: cannot use double 1.5 as i32`}},
		{"string from int", "const string s = 1", "", []string{`a.thrift:1:18: cannot use integer 1 as string`}},
		{"bad uuid", "const uuid u = \"0011\"", "", []string{`a.thrift:1:16: invalid uuid "0011": want the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`}},
		{"enum int names no value", "enum E { A = 1 }\nconst E e = 7", "", []string{`a.thrift:2:13: enum "E" has no value 7`}},
		{"enum unknown name", "enum E { A = 1 }\nconst E e = E.B", "", []string{`a.thrift:2:13: enum "E" has no value "B"`}},
		{"enum unqualified", "enum E { A = 1 }\nconst E e = A", "", []string{`a.thrift:2:13: enum value "A" must be qualified: E.A`}},
		{"list elem", "const list<string> l = [\"a\", 2]", "", []string{`a.thrift:1:30: cannot use integer 2 as string`}},
		{"map shape", "const map<i32,i32> m = [1]", "", []string{`a.thrift:1:24: cannot use list literal as map<i32,i32>`}},
		{"duplicate map key", "const map<string,i32> m = {\n  \"a\": 1,\n  \"a\": 2\n}", "", []string{`a.thrift:3:3: duplicate map key "a" (first at a.thrift:2:3)`}},
		{"duplicate enum map key", "enum E { A = 1 }\nconst map<E,i32> m = {E.A: 1, 1: 2}", "", []string{`a.thrift:2:31: duplicate map key 1 (first at a.thrift:2:23)`}},
		{"unknown struct field", "struct P { 1: i32 x }\nconst P p = {\"x\": 1, \"z\": 2}", "", []string{`a.thrift:2:22: unknown field "z" in struct "P"`}},
		{"duplicate struct field", "struct P { 1: i32 x }\nconst P p = {\"x\": 1, \"x\": 2}", "", []string{`a.thrift:2:22: duplicate field "x" in struct literal (first at a.thrift:2:14)`}},
		{"struct field value", "struct P { 1: i32 x }\nconst P p = {\"x\": \"one\"}", "", []string{`a.thrift:2:19: cannot use string "one" as i32`}},
		{"struct key not string", "struct P { 1: i32 x }\nconst P p = {1: 2}", "", []string{`a.thrift:2:14: struct literal key 1 is not a field name string`}},
		{"undefined constant", "const i32 x = Y", "", []string{`a.thrift:1:15: undefined constant "Y"`}},
		{"not a constant", "struct Y {}\nconst i32 x = Y", "", []string{`a.thrift:2:15: "Y" is not a constant`}},
		{"constant type mismatch", "const i32 A = 5\nconst string B = A", "", []string{`a.thrift:2:18: cannot use constant "A" (i32) as string`}},
		{"constant range", "const i32 A = 500\nconst i8 B = A", "", []string{`a.thrift:2:14: cannot use constant "A" (i32) as i8`}},
		{"constant other enum", "enum E { A }\nenum F { A }\nconst E X = E.A\nconst F Y = X", "", []string{`a.thrift:4:13: cannot use constant "X" (a.E) as a.F`}},
		{"constant cycle", "const i32 A = B\nconst i32 B = A", "", []string{`a.thrift:1:11: constant "A" refers to itself`}},
		{"default type", "struct S { 1: string s = 5 }", "", []string{`a.thrift:1:26: cannot use integer 5 as string`}},
		{"default through typedef", "typedef i8 Small\nstruct S { 1: Small s = 128 }", "", []string{`a.thrift:2:25: value 128 out of range for i8`}},
		{"cross-file constant", "include \"b.thrift\"\nconst string S = b.N", "const i32 N = 1", []string{`a.thrift:2:18: cannot use constant "b.N" (i32) as string`}},

		// Several problems at once, sorted by position.
		{"many", "struct S {\n  1: Foo a\n  1: i32 b = \"x\"\n}\nconst i8 k = 1000\n", "", []string{
			`a.thrift:2:6: undefined type "Foo"`,
			`a.thrift:3:3: duplicate field id 1 in struct "S" (first used by "a" at a.thrift:2:3)`,
			`a.thrift:3:14: cannot use string "x" as i32`,
			`a.thrift:5:14: value 1000 out of range for i8`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"a.thrift": tt.src}
			if tt.b != "" {
				files["b.thrift"] = tt.b
			}
			p, err := loadFiles(t, files)
			got := errLines(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if err != nil && p != nil {
				t.Errorf("Load returned a Program with errors")
			}
		})
	}
}

// TestWarnings pins what Apache Thrift accepts with a warning, and what
// the model then holds.
func TestWarnings(t *testing.T) {
	src := `struct S {
  i32 a
  2: i32 b
  0: i32 c
  -5: i32 d
}
union U { 1: required i32 r }
enum E1 { X = 1, Y = 2 }
enum E2 { Y = 7 }
const E2 Z = E1.Y
service Svc { void f(i32 x, 1: i32 y, i32 z) throws (Ex e) }
exception Ex {}
`
	p, err := loadFiles(t, map[string]string{"a.thrift": src})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Error())
	}
	want := []string{
		`a.thrift:2:7: field "a" in struct "S" has no id: Apache Thrift assigns implicit id -1; give it an explicit id`,
		`a.thrift:4:3: field id 0 of "c" in struct "S" is not positive: Apache Thrift ignores it and assigns implicit id -2`,
		`a.thrift:5:3: field id -5 of "d" in struct "S" is not positive: Apache Thrift ignores it and assigns implicit id -3`,
		`a.thrift:7:14: field "r" of union "U" is required: Apache Thrift ignores this and makes union fields optional`,
		`a.thrift:10:14: E1.Y names enum "E1" but the type is "E2": Apache Thrift uses E2.Y (7)`,
		`a.thrift:11:26: field "x" in arguments of function "Svc.f" has no id: Apache Thrift assigns implicit id -1; give it an explicit id`,
		`a.thrift:11:43: field "z" in arguments of function "Svc.f" has no id: Apache Thrift assigns implicit id -2; give it an explicit id`,
		`a.thrift:11:57: field "e" in throws of function "Svc.f" has no id: Apache Thrift assigns implicit id -1; give it an explicit id`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	// The ids Apache's compiler writes on the wire for the same IDL
	// (checked with thrift 0.17 --gen go): a=-1 b=2 c=-2 d=-3; x=-1 y=1 z=-2.
	type idf struct {
		ID       int16
		Explicit bool
	}
	var ids []idf
	for _, f := range p.Files[0].Structs[0].Fields {
		ids = append(ids, idf{f.ID, f.ExplicitID})
	}
	for _, f := range p.Files[0].Services[0].Functions[0].Args {
		ids = append(ids, idf{f.ID, f.ExplicitID})
	}
	wantIDs := []idf{{-1, false}, {2, true}, {-2, false}, {-3, false}, {-1, false}, {1, true}, {-2, false}}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if r := p.Files[0].Structs[1].Fields[0].Requiredness; r != RequirednessOptional {
		t.Errorf("union field requiredness = %v, want optional", r)
	}
	if v := p.Files[0].Constants[0].Value; v.Int != 7 || v.EnumValue.Name != "Y" {
		t.Errorf("Z = %d (%v), want 7 (E2.Y)", v.Int, v.EnumValue)
	}
}
