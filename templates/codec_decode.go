package templates

import (
	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// decodeValue emits the statements that read one value of type t and hand
// it, always as a plain variable, to store. The decoder has already checked
// a container's declared size against the bytes that can still arrive, so
// preallocating it is safe. For map<string,list<i32>>:
//
//	_, _, n1, err := d.ReadMapBegin()
//	... element types checked ...
//	m2 := make(map[string][]int32, n1)
//	for i3 := 0; i3 < n1; i3++ {
//		k4, err := d.ReadString()
//		...
//		m2[k4] = l6
//	}
//	d.ReadMapEnd()
func (n *Names) decodeValue(g *jen.Group, t *parser.Type, vs *vars, ret returnErr, store func(v jen.Code) jen.Code) {
	r := t.Resolve()
	checkErr := jen.If(jen.Err().Op("!=").Nil()).Block(ret(jen.Err()))
	switch r.Kind {
	case parser.KindStruct:
		v := vs.next("s")
		g.Id(v).Op(":=").Add(n.Constructor(r.Struct).Qual()).Call()
		g.If(jen.Err().Op(":=").Id(v).Dot(vs.codec.Decode).Call(jen.Id("d")), jen.Err().Op("!=").Nil()).Block(ret(jen.Err()))
		g.Add(store(jen.Id(v)))
	case parser.KindList, parser.KindSet:
		kind := "List"
		if r.Kind == parser.KindSet {
			kind = "Set"
		}
		et, size, l, i := vs.next("et"), vs.next("n"), vs.next("l"), vs.next("i")
		g.List(jen.Id(et), jen.Id(size), jen.Err()).Op(":=").Id("d").Dot("Read" + kind + "Begin").Call()
		g.Add(checkErr)
		g.If(jen.Id(size).Op(">").Lit(0).Op("&&").Id(et).Op("!=").Add(WireType(r.Elem))).Block(
			ret(rt("ElementTypeError").Call(WireType(r.Elem), jen.Id(et))))
		if bulk, ok := bulkReads[r.Elem.Kind]; ok {
			// One call for the whole list (runtime/lists.go). The
			// element's variable name is used up as the loop used it,
			// so that the names after it stay as they were.
			vs.next("v")
			g.List(jen.Id(l), jen.Err()).Op(":=").Id("d").Dot(bulk).Call(jen.Id(size))
			g.Add(checkErr)
			g.Id("d").Dot("Read" + kind + "End").Call()
			g.Add(store(jen.Id(l)))
			return
		}
		if r.Elem.Resolve().Kind == parser.KindStruct {
			n.decodeStructElems(g, r.Elem, vs, ret, l, i, size)
		} else {
			g.Id(l).Op(":=").Make(n.GoType(t), jen.Id(size))
			g.For(jen.Id(i).Op(":=").Range().Id(l)).BlockFunc(func(g *jen.Group) {
				n.decodeValue(g, r.Elem, vs, ret, func(v jen.Code) jen.Code {
					return jen.Id(l).Index(jen.Id(i)).Op("=").Add(v)
				})
			})
		}
		g.Id("d").Dot("Read" + kind + "End").Call()
		if t.Kind == parser.KindTypedef && r.Elem.Resolve().Kind == parser.KindStruct {
			// MakeList gives the unnamed []*S.
			g.Add(store(n.GoType(t).Call(jen.Id(l))))
			return
		}
		g.Add(store(jen.Id(l)))
	case parser.KindMap:
		kt, vt, size, m, i := vs.next("kt"), vs.next("vt"), vs.next("n"), vs.next("m"), vs.next("i")
		g.List(jen.Id(kt), jen.Id(vt), jen.Id(size), jen.Err()).Op(":=").Id("d").Dot("ReadMapBegin").Call()
		g.Add(checkErr)
		g.If(jen.Id(size).Op(">").Lit(0).Op("&&").Parens(
			jen.Id(kt).Op("!=").Add(WireType(r.Key)).Op("||").Id(vt).Op("!=").Add(WireType(r.Elem)))).Block(
			ret(rt("MapTypeError").Call(WireType(r.Key), WireType(r.Elem), jen.Id(kt), jen.Id(vt))))
		g.Id(m).Op(":=").Make(n.GoType(t), jen.Id(size))
		if KeyIsComparable(r.Key) {
			g.For(jen.Id(i).Op(":=").Lit(0), jen.Id(i).Op("<").Id(size), jen.Id(i).Op("++")).BlockFunc(func(g *jen.Group) {
				k := vs.next("k")
				g.Var().Id(k).Add(n.GoType(r.Key))
				n.decodeValue(g, r.Key, vs, ret, func(v jen.Code) jen.Code { return jen.Id(k).Op("=").Add(v) })
				n.decodeValue(g, r.Elem, vs, ret, func(v jen.Code) jen.Code {
					return jen.Id(m).Index(jen.Id(k)).Op("=").Add(v)
				})
			})
		} else {
			g.For(jen.Id(i).Op(":=").Range().Id(m)).BlockFunc(func(g *jen.Group) {
				n.decodeValue(g, r.Key, vs, ret, func(v jen.Code) jen.Code {
					return jen.Id(m).Index(jen.Id(i)).Dot("Key").Op("=").Add(v)
				})
				n.decodeValue(g, r.Elem, vs, ret, func(v jen.Code) jen.Code {
					return jen.Id(m).Index(jen.Id(i)).Dot("Value").Op("=").Add(v)
				})
			})
		}
		g.Id("d").Dot("ReadMapEnd").Call()
		g.Add(store(jen.Id(m)))
	default:
		suffix := codecSuffix[r.Kind]
		read := jen.Id("d").Dot("Read" + suffix).Call()
		v := vs.next("v")
		if !isNamed(t) {
			n.readScalar(g, suffix, v, ret)
			g.Add(store(jen.Id(v)))
			return
		}
		raw := vs.next("r")
		if tryReads[suffix] {
			n.readScalar(g, suffix, raw, ret)
		} else {
			g.List(jen.Id(raw), jen.Err()).Op(":=").Add(read)
			g.Add(checkErr)
		}
		g.Id(v).Op(":=").Add(n.GoType(t)).Call(jen.Id(raw))
		g.Add(store(jen.Id(v)))
	}
}

// tryReads are the suffixes of the reads that have an inlinable Try form
// (runtime/fastread.go): a call-free fast path, so that the common case
// costs no function call; the Read method runs only when it reports that the
// value is not whole in the buffer.
var tryReads = map[string]bool{"Bool": true, "I8": true, "I16": true, "I32": true, "I64": true, "Double": true}

// readScalar emits the read of one base-type value into a new variable v.
// With a Try form, for i32:
//
//	v1, ok := d.TryI32()
//	if !ok {
//		var err error
//		if v1, err = d.ReadI32(); err != nil {
//			return ...
//		}
//	}
func (n *Names) readScalar(g *jen.Group, suffix, v string, ret returnErr) {
	read := jen.Id("d").Dot("Read" + suffix).Call()
	if !tryReads[suffix] {
		g.List(jen.Id(v), jen.Err()).Op(":=").Add(read)
		g.If(jen.Err().Op("!=").Nil()).Block(ret(jen.Err()))
		return
	}
	g.List(jen.Id(v), jen.Id("ok")).Op(":=").Id("d").Dot("Try" + suffix).Call()
	g.If(jen.Op("!").Id("ok")).Block(
		jen.Var().Err().Error(),
		jen.If(jen.List(jen.Id(v), jen.Err()).Op("=").Add(read), jen.Err().Op("!=").Nil()).Block(ret(jen.Err())))
}

// bulkReads names the Decoder method that reads a whole list or set of a
// base type in one call. Only unnamed element types: a typedef or enum
// element's Go type is not the method's []int32/[]int64/[]float64.
var bulkReads = map[parser.Kind]string{
	parser.KindI32:    "ReadI32s",
	parser.KindI64:    "ReadI64s",
	parser.KindDouble: "ReadDoubles",
}

// decodeStructElems emits the loop that fills the []*S list l of size n:
// the elements live in backing arrays instead of one allocation per
// element, and a short list's pointers share one allocation with its
// elements (runtime.MakeList); the Go API stays []*S. For list<Point>:
//
//	l2, b4 := runtime.MakeList[Point](n1)
//	for i3 := range l2 {
//		if len(b4) == 0 {
//			b4 = runtime.MakeBatch[Point](n1 - i3)
//		}
//		s4 := &b4[0]
//		b4 = b4[1:]
//		*s4 = *NewPoint() // only when Point has IDL defaults
//		if err := s4.Decode(d); err != nil {
//			return ...
//		}
//		l2[i3] = s4
//	}
//
// MakeBatch caps each array's bytes, so a declared count whose elements
// have not arrived yet cannot make the decoder allocate more up front than
// the []*S itself; a caller keeping one element keeps its whole array alive.
func (n *Names) decodeStructElems(g *jen.Group, elem *parser.Type, vs *vars, ret returnErr, l, i, size string) {
	st := elem.Resolve().Struct
	// One counter value for both names, as the per-element form used one.
	s := vs.next("s")
	b := "b" + s[1:]
	g.List(jen.Id(l), jen.Id(b)).Op(":=").Add(rt("MakeList")).Types(n.valueType(elem)).Call(jen.Id(size))
	g.For(jen.Id(i).Op(":=").Range().Id(l)).BlockFunc(func(g *jen.Group) {
		g.If(jen.Len(jen.Id(b)).Op("==").Lit(0)).Block(
			jen.Id(b).Op("=").Add(rt("MakeBatch")).Types(n.valueType(elem)).Call(jen.Id(size).Op("-").Id(i)))
		g.Id(s).Op(":=").Op("&").Id(b).Index(jen.Lit(0))
		g.Id(b).Op("=").Id(b).Index(jen.Lit(1), jen.Empty())
		if n.hasCtorDefaults(st) {
			g.Op("*").Id(s).Op("=").Op("*").Add(n.Constructor(st).Qual()).Call()
		}
		g.If(jen.Err().Op(":=").Id(s).Dot(vs.codec.Decode).Call(jen.Id("d")), jen.Err().Op("!=").Nil()).Block(ret(jen.Err()))
		g.Id(l).Index(jen.Id(i)).Op("=").Id(s)
	})
}

// hasCtorDefaults reports whether NewS sets any field (see structDefaults),
// so that a zeroed element of a batch is not yet what NewS returns.
func (n *Names) hasCtorDefaults(s *parser.Struct) bool {
	for _, f := range s.Fields {
		if f.Default != nil && !Shape(s, f).Conditional {
			return true
		}
	}
	return false
}

// Decode emits the Decode method of a struct, union or exception:
//
//	// Decode reads p from the Thrift binary protocol. Fields absent from the
//	// input keep their current values.
//	func (p *Point) Decode(d *runtime.Decoder) error {
//		if err := d.ReadStructBegin(); err != nil {
//			return err
//		}
//		var isSetX bool
//		for {
//			t, id, ok := d.TryFieldBegin()
//			if !ok {
//				var err error
//				if t, id, err = d.ReadFieldBegin(); err != nil {
//					return runtime.NewFieldError("Point", "", err)
//				}
//			}
//			if t == runtime.TypeStop {
//				break
//			}
//			switch id {
//			case 1:
//				if t == runtime.TypeI32 {
//					v1, ok := d.TryI32()
//					if !ok {
//						var err error
//						if v1, err = d.ReadI32(); err != nil {
//							return runtime.NewFieldError("Point", "x", err)
//						}
//					}
//					p.X = v1
//					isSetX = true
//					continue
//				}
//			}
//			if err := d.Skip(t); err != nil {
//				return err
//			}
//		}
//		d.ReadStructEnd()
//		if !isSetX {
//			return runtime.NewFieldError("Point", "x", runtime.ErrRequiredFieldMissing)
//		}
//		return nil
//	}
//
// A field whose wire type differs from the IDL is skipped, as Apache does;
// unknown fields are skipped; a union must end up with exactly one member.
// The Try reads are inlinable fast paths (runtime/fastread.go says why).
//
// DecodeCompact is the same for TCompactProtocol.
func (n *Names) Decode(s *parser.Struct) jen.Code {
	return n.decodeMethod(s, binaryCodec)
}

// DecodeCompact emits the DecodeCompact method (see Decode).
func (n *Names) DecodeCompact(s *parser.Struct) jen.Code {
	return n.decodeMethod(s, compactCodec)
}

func (n *Names) decodeMethod(s *parser.Struct, c codecNames) jen.Code {
	id := n.Ident(s)
	var required []*parser.Field
	for _, f := range s.Fields {
		if f.Requiredness == parser.RequirednessRequired && s.Kind != parser.StructKindUnion {
			required = append(required, f)
		}
	}
	isSet := func(f *parser.Field) string { return "isSet" + n.Field(f).Name }
	doc := "Decode reads p from the Thrift binary protocol. Fields absent from the"
	if c.compact {
		doc = "DecodeCompact reads p from the Thrift compact protocol. Fields absent from the"
	}
	return jen.Comment(doc).Line().
		Comment("input keep their current values.").Line().
		Func().Params(jen.Id("p").Op("*").Id(id.Name)).Id(c.Decode).Params(jen.Id("d").Op("*").Add(rt(c.Decoder))).Error().BlockFunc(func(g *jen.Group) {
		g.If(jen.Err().Op(":=").Id("d").Dot("ReadStructBegin").Call(), jen.Err().Op("!=").Nil()).Block(
			jen.Return(rt("NewFieldError").Call(jen.Lit(s.Name), jen.Lit(""), jen.Err())))
		if s.Kind == parser.StructKindUnion {
			// A union holds exactly one member: start from none.
			g.Op("*").Id("p").Op("=").Id(id.Name).Values()
		}
		for _, f := range required {
			g.Var().Id(isSet(f)).Bool()
		}
		vs := &vars{codec: c}
		g.For().BlockFunc(func(g *jen.Group) {
			idVar := jen.Id("id")
			if len(s.Fields) == 0 {
				idVar = jen.Id("_")
			}
			// The inlinable TryFieldBegin first (see readScalar).
			g.List(jen.Id("t"), idVar, jen.Id("ok")).Op(":=").Id("d").Dot("TryFieldBegin").Call()
			g.If(jen.Op("!").Id("ok")).Block(
				jen.Var().Err().Error(),
				jen.If(jen.List(jen.Id("t"), idVar, jen.Err()).Op("=").Id("d").Dot("ReadFieldBegin").Call(), jen.Err().Op("!=").Nil()).Block(
					jen.Return(rt("NewFieldError").Call(jen.Lit(s.Name), jen.Lit(""), jen.Err()))))
			g.If(jen.Id("t").Op("==").Add(rt("TypeStop"))).Block(jen.Break())
			if len(s.Fields) > 0 {
				g.Switch(jen.Id("id")).BlockFunc(func(g *jen.Group) {
					for _, f := range s.Fields {
						f := f
						ret := func(err jen.Code) jen.Code {
							return jen.Return(rt("NewFieldError").Call(jen.Lit(s.Name), jen.Lit(f.Name), err))
						}
						g.Case(jen.Lit(int(f.ID))).Block(
							jen.If(jen.Id("t").Op("==").Add(WireType(f.Type))).BlockFunc(func(g *jen.Group) {
								n.decodeValue(g, f.Type, vs, ret, func(v jen.Code) jen.Code {
									field := jen.Id("p").Dot(n.Field(f).Name)
									if Shape(s, f).Pointer {
										return field.Op("=").Op("&").Add(v)
									}
									return field.Op("=").Add(v)
								})
								if f.Requiredness == parser.RequirednessRequired && s.Kind != parser.StructKindUnion {
									g.Id(isSet(f)).Op("=").True()
								}
								g.Continue()
							}))
					}
				})
			}
			g.If(jen.Err().Op(":=").Id("d").Dot("Skip").Call(jen.Id("t")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(rt("NewFieldError").Call(jen.Lit(s.Name), jen.Lit(""), jen.Err())))
		})
		g.Id("d").Dot("ReadStructEnd").Call()
		for _, f := range required {
			g.If(jen.Op("!").Id(isSet(f))).Block(
				jen.Return(rt("NewFieldError").Call(jen.Lit(s.Name), jen.Lit(f.Name), rt("ErrRequiredFieldMissing"))))
		}
		if s.Kind == parser.StructKindUnion {
			g.If(jen.Id("c").Op(":=").Id("p").Dot("countSetFields").Call(), jen.Id("c").Op("!=").Lit(1)).Block(
				jen.Return(rt("UnionFieldCountError").Call(jen.Lit(s.Name), jen.Id("c"))))
		}
		g.Return(jen.Nil())
	})
}
