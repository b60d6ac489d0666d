package parser

import (
	"fmt"
	"strings"
)

// Pos is a position in a .thrift source file. Line and Col are 1-based; Col
// counts bytes, as Go's own tools do.
type Pos struct {
	File string // the path as it should appear in messages
	Line int
	Col  int
}

// String formats the position as "file:line:col", the form editors jump to.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is one problem found in the IDL, at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in one Load, sorted by position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Program is a checked set of Thrift files: every type reference resolved,
// every constant checked against its declared type.
type Program struct {
	// Files holds every loaded file, includes before the files that include
	// them, ties broken by path, so that walking it is deterministic.
	Files []*File
	// Roots are the files named by the caller, in the order given.
	Roots []*File
	// Warnings are problems that do not stop generation (for example a field
	// without an explicit ID, which Apache Thrift accepts with a warning).
	Warnings ErrorList
}

// File is one .thrift file.
type File struct {
	Path    string // as it appears in messages (relative where possible)
	AbsPath string // absolute, cleaned
	// Name is the base name without ".thrift": the prefix other files use
	// to refer to this file's definitions ("shared.Point").
	Name       string
	Namespaces []*Namespace // in source order
	Includes   []*Include   // in source order
	Doc        string       // the file's leading doc comment, if any

	// Definitions by kind, each in source order.
	Typedefs  []*Typedef
	Enums     []*Enum
	Constants []*Const
	Structs   []*Struct // structs, unions and exceptions
	Services  []*Service
}

// Namespace returns the namespace declared for lang ("go", "py", "*"), or ""
// when there is none. A "*" namespace applies to every language.
func (f *File) Namespace(lang string) string {
	star := ""
	for _, ns := range f.Namespaces {
		if ns.Lang == lang {
			return ns.Name
		}
		if ns.Lang == "*" {
			star = ns.Name
		}
	}
	return star
}

// Namespace is a `namespace lang name` line.
type Namespace struct {
	Lang string
	Name string
	Pos  Pos
}

// Include is an `include "path"` line, resolved to the file it names.
type Include struct {
	Path string // as written in the IDL
	File *File
	Pos  Pos
}

// Annotation is one `(key = "value")` annotation entry.
type Annotation struct {
	Key    string
	Values []string
}

// Annotations is a list of annotations in source order.
type Annotations []*Annotation

// Get returns the first value of key and whether the key is present.
func (a Annotations) Get(key string) (string, bool) {
	for _, an := range a {
		if an.Key == key {
			if len(an.Values) == 0 {
				return "", true
			}
			return an.Values[0], true
		}
	}
	return "", false
}

// Kind is the kind of a Thrift type.
type Kind int

// The kinds of Thrift types. KindTypedef is a reference to a typedef; its
// Typedef field leads to the aliased type.
const (
	KindBool Kind = iota + 1
	KindI8        // also written "byte"
	KindI16
	KindI32
	KindI64
	KindDouble
	KindString
	KindBinary
	KindUUID
	KindList
	KindSet
	KindMap
	KindEnum
	KindStruct // struct, union or exception
	KindTypedef
)

var kindNames = [...]string{
	KindBool: "bool", KindI8: "i8", KindI16: "i16", KindI32: "i32", KindI64: "i64",
	KindDouble: "double", KindString: "string", KindBinary: "binary", KindUUID: "uuid",
	KindList: "list", KindSet: "set", KindMap: "map", KindEnum: "enum",
	KindStruct: "struct", KindTypedef: "typedef",
}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// IsBase reports whether k is a base type (bool through uuid).
func (k Kind) IsBase() bool { return k >= KindBool && k <= KindUUID }

// IsContainer reports whether k is list, set or map.
func (k Kind) IsContainer() bool { return k == KindList || k == KindSet || k == KindMap }

// Type is a resolved Thrift type.
type Type struct {
	Kind    Kind
	Elem    *Type    // list and set element; map value
	Key     *Type    // map key
	Enum    *Enum    // KindEnum
	Struct  *Struct  // KindStruct
	Typedef *Typedef // KindTypedef
	// Annotations written on the type itself, e.g. list<i32> (cpp.type="...").
	Annotations Annotations
}

// Resolve follows typedefs to the underlying type (which is never KindTypedef).
func (t *Type) Resolve() *Type {
	for t.Kind == KindTypedef {
		t = t.Typedef.Type
	}
	return t
}

// String renders the type as IDL would write it ("map<string,list<i32>>",
// "shared.Point").
func (t *Type) String() string {
	switch t.Kind {
	case KindList:
		return "list<" + t.Elem.String() + ">"
	case KindSet:
		return "set<" + t.Elem.String() + ">"
	case KindMap:
		return "map<" + t.Key.String() + "," + t.Elem.String() + ">"
	case KindEnum:
		return t.Enum.File.Name + "." + t.Enum.Name
	case KindStruct:
		return t.Struct.File.Name + "." + t.Struct.Name
	case KindTypedef:
		return t.Typedef.File.Name + "." + t.Typedef.Name
	}
	return t.Kind.String()
}

// Typedef is `typedef Type Name`.
type Typedef struct {
	Name        string
	Type        *Type // may itself be a KindTypedef (chains)
	File        *File
	Pos         Pos
	Doc         string
	Annotations Annotations
}

// Enum is an enum definition.
type Enum struct {
	Name        string
	Values      []*EnumValue // in source order; implicit values filled in
	File        *File
	Pos         Pos
	Doc         string
	Annotations Annotations
}

// EnumValue is one named value of an enum.
type EnumValue struct {
	Name        string
	Value       int32
	Pos         Pos
	Doc         string
	Annotations Annotations
}

// Const is `const Type Name = value`.
type Const struct {
	Name  string
	Type  *Type
	Value *Value // checked against Type
	File  *File
	Pos   Pos
	Doc   string
}

// StructKind tells a struct, a union and an exception apart.
type StructKind int

// The struct-like kinds.
const (
	StructKindStruct StructKind = iota + 1
	StructKindUnion
	StructKindException
)

func (k StructKind) String() string {
	switch k {
	case StructKindStruct:
		return "struct"
	case StructKindUnion:
		return "union"
	case StructKindException:
		return "exception"
	}
	return fmt.Sprintf("StructKind(%d)", int(k))
}

// Struct is a struct, union or exception.
type Struct struct {
	Name        string
	Kind        StructKind
	Fields      []*Field // in source order
	File        *File
	Pos         Pos
	Doc         string
	Annotations Annotations
}

// Requiredness is a field's requiredness keyword.
type Requiredness int

// The requiredness of a field. RequirednessDefault is "neither required nor
// optional" ("opt-in, req-out" in Apache's words).
const (
	RequirednessDefault Requiredness = iota
	RequirednessRequired
	RequirednessOptional
)

func (r Requiredness) String() string {
	switch r {
	case RequirednessRequired:
		return "required"
	case RequirednessOptional:
		return "optional"
	}
	return "default"
}

// Field is a field of a struct, union or exception, or an argument or
// `throws` entry of a function.
type Field struct {
	// ID is the field id on the wire. A field written without an explicit id
	// gets a negative id the way Apache Thrift assigns them (-1, -2, ... in
	// declaration order) and a warning; ExplicitID is then false.
	ID           int16
	ExplicitID   bool
	Name         string
	Type         *Type
	Requiredness Requiredness
	Default      *Value // nil when the IDL gives none; checked against Type
	Pos          Pos
	Doc          string
	Annotations  Annotations
}

// Service is a service definition.
type Service struct {
	Name        string
	Extends     *Service // nil when the service extends nothing; may be in another file
	Functions   []*Function
	File        *File
	Pos         Pos
	Doc         string
	Annotations Annotations
}

// Function is one method of a service.
type Function struct {
	Name        string
	Oneway      bool
	Result      *Type    // nil for void
	Args        []*Field // the argument list, as fields of the args struct
	Throws      []*Field // each of KindStruct with Struct.Kind == StructKindException (possibly through a typedef)
	Pos         Pos
	Doc         string
	Annotations Annotations
}

// Value is a constant value checked against a type: a const's value, a
// field's default, or a part of either.
type Value struct {
	// Type is the declared type the value was checked against (possibly a
	// KindTypedef; use Type.Resolve() to dispatch).
	Type *Type

	// Exactly one group below is meaningful, chosen by Type.Resolve().Kind.
	Bool   bool     // KindBool
	Int    int64    // KindI8..KindI64 and KindEnum, range-checked
	Double float64  // KindDouble (integers written for a double are converted)
	String string   // KindString, KindBinary (the bytes, escapes decoded)
	UUID   [16]byte // KindUUID, parsed from its canonical text form
	Elems  []*Value // KindList, KindSet, in literal order
	// Entries is KindMap, in literal order (duplicate keys are an error).
	Entries []*MapEntry
	// Fields is KindStruct: the fields the literal sets, in literal order.
	Fields []*FieldValue

	// EnumValue is set for a KindEnum value written as, or equal to, a named
	// enum value; nil for an integer that names no value.
	EnumValue *EnumValue
	// Ref is set when the value was written as a reference to another
	// constant; the value itself is still filled in.
	Ref *Const

	Pos Pos
}

// MapEntry is one key/value pair of a map literal.
type MapEntry struct {
	Key   *Value
	Value *Value
}

// FieldValue is one field set by a struct literal.
type FieldValue struct {
	Field *Field
	Value *Value
}

// isInteger reports whether k is one of the integer kinds.
func (k Kind) isInteger() bool { return k == KindI8 || k == KindI16 || k == KindI32 || k == KindI64 }
