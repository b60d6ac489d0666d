package parser

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEnumValueAsInteger pins that an enum value written where an integer
// is wanted is its number, as Apache Thrift 0.17 reads it (its
// lib/go/test/IncludesTest.thrift writes const i32 TWO =
// NamespacedTest.Stuff.TWO; thrift --gen go emits TWO = 2).
func TestEnumValueAsInteger(t *testing.T) {
	files := map[string]string{
		"a.thrift": `include "b.thrift"
enum Stuff { ONE = 1, TWO = 2 }
const i32 TWO = Stuff.TWO
const i64 BW = b.E.W
const i8 Q = Stuff.ONE
const list<i32> L = [Stuff.ONE, b.E.V]
const map<string,i16> M = {"a": Stuff.TWO}
const map<i32,string> K = {Stuff.TWO: "two"}
struct S { 1: i32 x = Stuff.TWO, 2: list<i64> l = [b.E.W] }
`,
		"b.thrift": "enum E { V = 1, W = 2 }\n",
	}
	p, err := loadFiles(t, files)
	if err != nil {
		t.Fatal(err)
	}
	a := p.Roots[0]
	var got []int64
	for _, k := range a.Constants {
		v := k.Value
		switch {
		case v.Elems != nil:
			for _, e := range v.Elems {
				got = append(got, e.Int)
			}
		case v.Entries != nil:
			for _, e := range v.Entries {
				got = append(got, e.Key.Int, e.Value.Int)
			}
		default:
			got = append(got, v.Int)
		}
	}
	got = append(got, a.Structs[0].Fields[0].Default.Int, a.Structs[0].Fields[1].Default.Elems[0].Int)
	// Map entries give key then value; a string's Int is 0.
	want := []int64{2, 2, 1, 1, 1, 0, 2, 2, 0, 2, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %v", p.Warnings)
	}
}

// TestEnumPrefixWithoutInclude pins Apache's Thrift5382.thrift case: the
// default of a field of included enum type b.E written E.V.
func TestEnumPrefixWithoutInclude(t *testing.T) {
	p, err := loadFiles(t, map[string]string{
		"a.thrift": "include \"b.thrift\"\nstruct S {\n  1: optional b.E e = E.V\n  2: b.E f = Zork.W\n}\n",
		"b.thrift": "enum E { V = 1, W = 2 }\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	fs := p.Roots[0].Structs[0].Fields
	if v := fs[0].Default; v.Int != 1 || v.EnumValue == nil || v.EnumValue.Name != "V" {
		t.Errorf("e = %d (%v), want 1 (E.V)", v.Int, v.EnumValue)
	}
	if v := fs[1].Default; v.Int != 2 {
		t.Errorf("f = %d, want 2", v.Int)
	}
	want := []string{`a.thrift:4:14: Zork.W: "Zork" names no enum; Apache Thrift uses E.W (2) of the declared type`}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	_, err = loadFiles(t, map[string]string{
		"a.thrift": "include \"b.thrift\"\nstruct S { 1: b.E e = E.X }\n",
		"b.thrift": "enum E { V = 1 }\n",
	})
	if diff := cmp.Diff([]string{`a.thrift:2:23: enum "E" has no value "X"`}, errLines(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestByteOrderMark pins that a UTF-8 byte-order mark at the start of a
// file is skipped, as Apache's lexer does, and positions are unchanged.
func TestByteOrderMark(t *testing.T) {
	p, err := loadFiles(t, map[string]string{"a.thrift": "\ufeffstruct S { 1: i32 x }\n"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Roots[0].Structs[0].Pos.String(); got != "a.thrift:1:8" {
		t.Errorf("position %s, want a.thrift:1:8", got)
	}
	_, err = loadFiles(t, map[string]string{"a.thrift": "struct S {}\n\ufeffstruct T {}\n"})
	if err == nil {
		t.Errorf("a byte-order mark inside a file is accepted")
	}
}

// TestDocCommentBadBytes pins that a doc comment holding bytes Go source
// cannot hold (Latin-1, NUL) is kept with those bytes replaced by U+FFFD
// and a warning at the first of them.
func TestDocCommentBadBytes(t *testing.T) {
	p, err := loadFiles(t, map[string]string{"a.thrift": "/** caf\xe9\n * b\x00d \xff */\nstruct S { 1: i32 x }\n/** \ufeffzero\x00 */\nconst i32 Z = 0\n"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Roots[0].Structs[0].Doc, "caf\ufffd\nb\ufffdd \ufffd"; got != want {
		t.Errorf("doc %q, want %q", got, want)
	}
	if got, want := p.Roots[0].Constants[0].Doc, "\ufffdzero\ufffd"; got != want {
		t.Errorf("doc %q, want %q", got, want)
	}
	want := []string{
		`a.thrift:1:8: doc comment: byte 0xe9 is not UTF-8; replaced with U+FFFD in generated code`,
		`a.thrift:4:5: doc comment: byte-order mark; replaced with U+FFFD in generated code`,
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
