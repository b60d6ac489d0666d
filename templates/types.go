package templates

import (
	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// rt refers to a name in the runtime package.
func rt(name string) *jen.Statement { return jen.Qual(RuntimePath, name) }

// baseGoTypes are the Go types of Thrift base types, before any typedef.
var baseGoTypes = map[parser.Kind]string{
	parser.KindBool:   "bool",
	parser.KindI8:     "int8",
	parser.KindI16:    "int16",
	parser.KindI32:    "int32",
	parser.KindI64:    "int64",
	parser.KindDouble: "float64",
	parser.KindString: "string",
}

// wireTypes are the runtime constants naming each kind's wire type.
var wireTypes = map[parser.Kind]string{
	parser.KindBool:   "TypeBool",
	parser.KindI8:     "TypeI8",
	parser.KindI16:    "TypeI16",
	parser.KindI32:    "TypeI32",
	parser.KindI64:    "TypeI64",
	parser.KindDouble: "TypeDouble",
	parser.KindString: "TypeString",
	parser.KindBinary: "TypeString",
	parser.KindUUID:   "TypeUUID",
	parser.KindList:   "TypeList",
	parser.KindSet:    "TypeSet",
	parser.KindMap:    "TypeMap",
	parser.KindEnum:   "TypeI32",
	parser.KindStruct: "TypeStruct",
}

// codecSuffix names the Encoder/Decoder method for each scalar kind:
// Write<suffix> and Read<suffix>.
var codecSuffix = map[parser.Kind]string{
	parser.KindBool:   "Bool",
	parser.KindI8:     "I8",
	parser.KindI16:    "I16",
	parser.KindI32:    "I32",
	parser.KindI64:    "I64",
	parser.KindDouble: "Double",
	parser.KindString: "String",
	parser.KindBinary: "Binary",
	parser.KindUUID:   "UUID",
	parser.KindEnum:   "I32",
}

// WireType renders the runtime constant of t's wire type.
func WireType(t *parser.Type) *jen.Statement { return rt(wireTypes[t.Resolve().Kind]) }

// isScalar reports whether values of t are Go scalars (numbers, bools,
// strings, enums, UUIDs): the kinds an optional field holds through a pointer.
func isScalar(t *parser.Type) bool {
	switch t.Resolve().Kind {
	case parser.KindBinary, parser.KindList, parser.KindSet, parser.KindMap, parser.KindStruct:
		return false
	}
	return true
}

// KeyIsComparable reports whether a map with key type t can be a Go map.
// Other maps (keys that are containers, structs or binary) are generated as
// a slice of runtime.Pair in wire order, which keeps every Thrift map
// representable; Apache's Go generator cannot express them at all.
func KeyIsComparable(t *parser.Type) bool {
	switch t.Resolve().Kind {
	case parser.KindBinary, parser.KindList, parser.KindSet, parser.KindMap, parser.KindStruct:
		return false
	}
	return true
}

// GoType renders the Go type that holds a value of Thrift type t:
//
//	i32 → int32, binary → []byte, uuid → runtime.UUID, list<T>/set<T> → []T,
//	map<K,V> → map[K]V (or []runtime.Pair[K, V]), enum E → E,
//	struct S → *S, typedef T → T (*T when T names a struct).
func (n *Names) GoType(t *parser.Type) *jen.Statement {
	switch t.Kind {
	case parser.KindTypedef:
		id := n.Ident(t.Typedef).Qual()
		if t.Resolve().Kind == parser.KindStruct {
			return jen.Op("*").Add(id)
		}
		return id
	case parser.KindBinary:
		return jen.Index().Byte()
	case parser.KindUUID:
		return rt("UUID")
	case parser.KindList, parser.KindSet:
		return jen.Index().Add(n.GoType(t.Elem))
	case parser.KindMap:
		if KeyIsComparable(t.Key) {
			return jen.Map(n.GoType(t.Key)).Add(n.GoType(t.Elem))
		}
		return jen.Index().Add(rt("Pair").Types(n.GoType(t.Key), n.GoType(t.Elem)))
	case parser.KindEnum:
		return n.Ident(t.Enum).Qual()
	case parser.KindStruct:
		return jen.Op("*").Add(n.Ident(t.Struct).Qual())
	}
	return jen.Id(baseGoTypes[t.Kind])
}

// valueType renders the type of a composite literal for t: like GoType but
// without the pointer of struct types (&S{...}).
func (n *Names) valueType(t *parser.Type) *jen.Statement {
	if t.Resolve().Kind == parser.KindStruct {
		if t.Kind == parser.KindTypedef {
			return n.Ident(t.Typedef).Qual()
		}
		return n.Ident(t.Struct).Qual()
	}
	return n.GoType(t)
}

// isNamed reports whether t's Go type is a defined type (typedef or enum)
// that needs a conversion to or from the codec's base Go type.
func isNamed(t *parser.Type) bool {
	return t.Kind == parser.KindTypedef || t.Kind == parser.KindEnum
}

// rawGoType renders the Go type the codec reads and writes for scalar t.
func rawGoType(t *parser.Type) *jen.Statement {
	switch r := t.Resolve(); r.Kind {
	case parser.KindEnum:
		return jen.Int32()
	case parser.KindBinary:
		return jen.Index().Byte()
	case parser.KindUUID:
		return rt("UUID")
	default:
		return jen.Id(baseGoTypes[r.Kind])
	}
}

// FieldShape tells how a field is held in its Go struct and when it is
// written.
type FieldShape struct {
	// Pointer: an optional scalar held as *T so that unset is representable.
	Pointer bool
	// Nilable: the Go value can be nil (pointer, slice, map, struct pointer),
	// and nil means "not set" for writing purposes.
	Nilable bool
	// Conditional: written only when set (optional fields and every
	// union member).
	Conditional bool
}

// Shape computes the field shape. Unions hold every member as optional.
func Shape(s *parser.Struct, f *parser.Field) FieldShape {
	optional := f.Requiredness == parser.RequirednessOptional || s.Kind == parser.StructKindUnion
	var sh FieldShape
	if optional && isScalar(f.Type) {
		sh.Pointer = true
	}
	sh.Nilable = sh.Pointer || !isScalar(f.Type)
	// Default requiredness is "opt-in, req-out": always written. A nil
	// struct is then written as an empty struct, as Apache does, except a
	// nil union: an empty union is invalid, so it is left out instead.
	r := f.Type.Resolve()
	nilUnion := r.Kind == parser.KindStruct && r.Struct.Kind == parser.StructKindUnion &&
		f.Requiredness != parser.RequirednessRequired
	sh.Conditional = optional || nilUnion
	return sh
}

// FieldGoType renders the Go type of a field in its struct.
func (n *Names) FieldGoType(s *parser.Struct, f *parser.Field) *jen.Statement {
	if Shape(s, f).Pointer {
		return jen.Op("*").Add(n.GoType(f.Type))
	}
	return n.GoType(f.Type)
}
