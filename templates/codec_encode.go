package templates

import (
	"fmt"
	"sort"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// vars hands out variable names unique within one generated function, so
// that nested containers never shadow each other (v1, k2, l3, ...), and
// carries the codec that function belongs to.
type vars struct {
	n     int
	codec codecNames
}

// codecNames are the names of one protocol's generated methods and the
// runtime types they take. Compact has its own methods, made by the same
// emitters (runtime/protocol.go says why); the runtime's CompactEncoder and
// CompactDecoder have the method set the emitted code calls on Encoder and
// Decoder, plus WriteStructBegin, which binary does not need.
type codecNames struct {
	Encode, Decode, Encoder, Decoder string
	compact                          bool
}

var (
	binaryCodec  = codecNames{"Encode", "Decode", "Encoder", "Decoder", false}
	compactCodec = codecNames{"EncodeCompact", "DecodeCompact", "CompactEncoder", "CompactDecoder", true}
)

func (v *vars) next(prefix string) string {
	v.n++
	return fmt.Sprintf("%s%d", prefix, v.n)
}

// returnErr builds the statement that leaves the function with err.
type returnErr func(err jen.Code) jen.Code

// encodeValue emits the statements that write the value of expression v,
// whose Go type is n.GoType(t). For example, for list<map<string,i64>>:
//
//	e.WriteListBegin(runtime.TypeMap, len(v))
//	for _, v1 := range v {
//		e.WriteMapBegin(runtime.TypeString, runtime.TypeI64, len(v1))
//		for k2, v3 := range v1 {
//			e.WriteString(k2)
//			e.WriteI64(v3)
//		}
//	}
func (n *Names) encodeValue(g *jen.Group, v jen.Code, t *parser.Type, vs *vars, ret returnErr) {
	r := t.Resolve()
	switch r.Kind {
	case parser.KindStruct:
		g.If(jen.Err().Op(":=").Add(v).Dot(vs.codec.Encode).Call(jen.Id("e")), jen.Err().Op("!=").Nil()).Block(ret(jen.Err()))
	case parser.KindList, parser.KindSet:
		begin := "WriteListBegin"
		if r.Kind == parser.KindSet {
			begin = "WriteSetBegin"
		}
		g.Id("e").Dot(begin).Call(WireType(r.Elem), jen.Len(v))
		elem := vs.next("v")
		if bulk, ok := bulkWrites[r.Elem.Kind]; ok {
			// One call for the whole list (runtime/lists.go); the
			// element's name is used up as the loop used it.
			g.Id("e").Dot(bulk).Call(v)
			return
		}
		g.For(jen.List(jen.Id("_"), jen.Id(elem)).Op(":=").Range().Add(v)).BlockFunc(func(g *jen.Group) {
			n.encodeValue(g, jen.Id(elem), r.Elem, vs, ret)
		})
	case parser.KindMap:
		g.Id("e").Dot("WriteMapBegin").Call(WireType(r.Key), WireType(r.Elem), jen.Len(v))
		if KeyIsComparable(r.Key) {
			k, val := vs.next("k"), vs.next("v")
			g.For(jen.List(jen.Id(k), jen.Id(val)).Op(":=").Range().Add(v)).BlockFunc(func(g *jen.Group) {
				n.encodeValue(g, jen.Id(k), r.Key, vs, ret)
				n.encodeValue(g, jen.Id(val), r.Elem, vs, ret)
			})
			return
		}
		kv := vs.next("kv")
		g.For(jen.List(jen.Id("_"), jen.Id(kv)).Op(":=").Range().Add(v)).BlockFunc(func(g *jen.Group) {
			n.encodeValue(g, jen.Id(kv).Dot("Key"), r.Key, vs, ret)
			n.encodeValue(g, jen.Id(kv).Dot("Value"), r.Elem, vs, ret)
		})
	default:
		arg := jen.Add(v)
		if isNamed(t) {
			arg = rawGoType(t).Call(v)
		}
		g.Id("e").Dot("Write" + codecSuffix[r.Kind]).Call(arg)
	}
}

// bulkWrites names the Encoder and CompactEncoder method that writes the
// elements of a list or set of a base type in one call, as bulkReads does
// for decoding (unnamed element types only). Both codecs have it, so that
// the compact methods stay the binary ones' text (codec_compact.go).
var bulkWrites = map[parser.Kind]string{
	parser.KindI64: "WriteI64s",
}

// fieldWrites are the kinds whose fields are written with one call for
// header and value, Encoder.Write<suffix>Field (runtime/fields.go):
// every base type but uuid, and enums (as i32).
var fieldWrites = map[parser.Kind]bool{
	parser.KindBool: true, parser.KindI8: true, parser.KindI16: true, parser.KindI32: true,
	parser.KindI64: true, parser.KindDouble: true, parser.KindString: true, parser.KindBinary: true,
	parser.KindEnum: true,
}

// Encode emits the Encode method of a struct, union or exception:
//
//	// Encode writes p in the Thrift binary protocol.
//	func (p *Point) Encode(e *runtime.Encoder) error {
//		if p == nil {
//			e.WriteFieldStop()
//			return nil
//		}
//		e.WriteI32Field(1, p.X)
//		if p.Label != nil {
//			e.WriteStringField(2, *p.Label)
//		}
//		e.WriteFieldStop()
//		return nil
//	}
//
// Fields are written in ascending id order, as every Apache Thrift library
// writes them, so that the bytes are identical. A union first checks that
// exactly one member is set; a required struct field that is nil is an
// error rather than a silently missing field.
//
// EncodeCompact is the same for TCompactProtocol, beginning with
// e.WriteStructBegin() (field ids are deltas within a struct).
func (n *Names) Encode(s *parser.Struct) jen.Code {
	return n.encodeMethod(s, binaryCodec)
}

// EncodeCompact emits the EncodeCompact method (see Encode).
func (n *Names) EncodeCompact(s *parser.Struct) jen.Code {
	return n.encodeMethod(s, compactCodec)
}

func (n *Names) encodeMethod(s *parser.Struct, c codecNames) jen.Code {
	id := n.Ident(s)
	doc := "Encode writes p in the Thrift binary protocol."
	if c.compact {
		doc = "EncodeCompact writes p in the Thrift compact protocol."
	}
	return jen.Comment(doc).Line().
		Func().Params(jen.Id("p").Op("*").Id(id.Name)).Id(c.Encode).Params(jen.Id("e").Op("*").Add(rt(c.Encoder))).Error().BlockFunc(func(g *jen.Group) {
		if c.compact {
			g.Id("e").Dot("WriteStructBegin").Call()
		}
		if s.Kind != parser.StructKindUnion {
			// A nil struct is written as an empty one, as Apache Thrift
			// writes a nil struct field or list element: the peer reads it
			// back as a struct with no fields set.
			g.If(jen.Id("p").Op("==").Nil()).Block(jen.Id("e").Dot("WriteFieldStop").Call(), jen.Return(jen.Nil()))
		} else {
			g.If(jen.Id("p").Op("==").Nil()).Block(jen.Return(rt("UnionFieldCountError").Call(jen.Lit(s.Name), jen.Lit(0))))
			g.If(jen.Id("c").Op(":=").Id("p").Dot("countSetFields").Call(), jen.Id("c").Op("!=").Lit(1)).Block(
				jen.Return(rt("UnionFieldCountError").Call(jen.Lit(s.Name), jen.Id("c"))))
		}
		vs := &vars{codec: c}
		for _, f := range byID(s.Fields) {
			fn := n.Field(f)
			sh := Shape(s, f)
			field := jen.Id("p").Dot(fn.Name)
			ret := func(err jen.Code) jen.Code {
				return jen.Return(rt("NewFieldError").Call(jen.Lit(s.Name), jen.Lit(f.Name), err))
			}
			write := func(g *jen.Group) {
				v := field.Clone()
				if sh.Pointer {
					v = jen.Op("*").Add(field.Clone())
				}
				if kind := f.Type.Resolve().Kind; fieldWrites[kind] {
					// Header and value in one call (runtime/fields.go).
					if isNamed(f.Type) {
						v = rawGoType(f.Type).Call(v)
					}
					g.Id("e").Dot("Write"+codecSuffix[kind]+"Field").Call(jen.Lit(int(f.ID)), v)
					return
				}
				g.Id("e").Dot("WriteFieldBegin").Call(WireType(f.Type), jen.Lit(int(f.ID)))
				n.encodeValue(g, v, f.Type, vs, ret)
			}
			switch {
			case sh.Conditional:
				g.If(field.Clone().Op("!=").Nil()).BlockFunc(write)
			case f.Requiredness == parser.RequirednessRequired && f.Type.Resolve().Kind == parser.KindStruct:
				// Required struct field: refuse to write a message the peer must reject.
				g.If(field.Clone().Op("==").Nil()).Block(
					jen.Return(rt("NewFieldError").Call(jen.Lit(s.Name), jen.Lit(f.Name), rt("ErrRequiredFieldUnset"))))
				write(g)
			default:
				write(g)
			}
		}
		g.Id("e").Dot("WriteFieldStop").Call()
		g.Return(jen.Nil())
	})
}

// byID returns fields sorted by id, the order Apache Thrift writes them in.
func byID(fields []*parser.Field) []*parser.Field {
	sorted := append([]*parser.Field(nil), fields...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	return sorted
}
