package templates

import (
	"fmt"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// Struct emits the Go type of a struct, union or exception with its
// constructor, accessors, String method (and Error for exceptions) and codec:
//
//	// Point is the struct "Point" from geo.thrift.
//	type Point struct {
//		X     int32   `thrift:"x,1,required" json:"x"`
//		Label *string `thrift:"label,2,optional" json:"label,omitempty"`
//	}
//
//	// NewPoint returns a Point with the IDL's default values.
//	func NewPoint() *Point { return &Point{X: 1} }
//
//	func (p *Point) GetX() (v int32)   // nil-safe, default when unset
//	func (p *Point) IsSetLabel() bool  // optional and struct fields
//	func (p *Point) String() string
//	func (p *Point) Encode(e *runtime.Encoder) error
//	func (p *Point) Decode(d *runtime.Decoder) error
//	func (p *Point) EncodeCompact(e *runtime.CompactEncoder) error
//	func (p *Point) DecodeCompact(d *runtime.CompactDecoder) error
func (n *Names) Struct(s *parser.Struct) jen.Code {
	id := n.Ident(s)
	first := fmt.Sprintf("%s is the %s %q from %s.", id.Name, s.Kind, s.Name, SourceName(s.File))
	if d, ok := n.docs[s]; ok {
		first = d
	}
	code := jen.Add(Doc(first, s.Doc))
	code.Type().Id(id.Name).StructFunc(func(g *jen.Group) {
		for _, f := range s.Fields {
			fn := n.Field(f)
			sh := Shape(s, f)
			thriftTag := f.Name + "," + strconv.Itoa(int(f.ID))
			if f.Requiredness != parser.RequirednessDefault {
				thriftTag += "," + f.Requiredness.String()
			}
			jsonTag := f.Name
			if sh.Conditional {
				jsonTag += ",omitempty"
			}
			g.Add(Doc("", f.Doc)).Id(fn.Name).Add(n.FieldGoType(s, f)).Tag(map[string]string{"thrift": thriftTag, "json": jsonTag})
		}
	}).Line().Line()

	code.Add(n.constructor(s)).Line().Line()
	for _, f := range s.Fields {
		code.Add(n.getter(s, f)).Line().Line()
		if Shape(s, f).Nilable {
			fn := n.Field(f)
			code.Comment(wrap(fmt.Sprintf("%s reports whether field %q is set.", fn.IsSet, f.Name))).Line()
			code.Func().Params(jen.Id("p").Op("*").Id(id.Name)).Id(fn.IsSet).Params().Bool().Block(
				jen.Return(jen.Id("p").Op("!=").Nil().Op("&&").Id("p").Dot(fn.Name).Op("!=").Nil())).Line().Line()
		}
	}
	if s.Kind == parser.StructKindUnion {
		code.Add(n.countSetFields(s)).Line().Line()
	}
	code.Add(n.stringMethod(s)).Line().Line()
	if s.Kind == parser.StructKindException {
		code.Comment(wrap("Error makes the exception a Go error; clients return it from calls that throw it.")).Line()
		code.Func().Params(jen.Id("p").Op("*").Id(id.Name)).Id("Error").Params().String().Block(
			jen.Return(jen.Id("p").Dot("String").Call())).Line().Line()
	}
	code.Add(n.Encode(s)).Line().Line()
	code.Add(n.Decode(s))
	n.compactMethods(code, s)
	return code
}

// constructor emits NewX, which applies the IDL's defaults of the fields
// that are not optional.
func (n *Names) constructor(s *parser.Struct) jen.Code {
	id := n.Ident(s)
	ctor := n.Constructor(s)
	return jen.Comment(wrap(fmt.Sprintf("%s returns a new %s with the IDL's default values set.", ctor.Name, id.Name))).Line().
		Func().Id(ctor.Name).Params().Op("*").Id(id.Name).Block(
		jen.Return(jen.Op("&").Id(id.Name).Add(n.structDefaults(s, nil))))
}

// structDefaults renders the composite-literal body {Field: value, ...} of a
// struct: the values a literal sets, and the IDL defaults of the rest.
func (n *Names) structDefaults(s *parser.Struct, set []*parser.FieldValue) jen.Code {
	return jen.Values(jen.DictFunc(func(d jen.Dict) {
		for _, f := range s.Fields {
			var v *parser.Value
			for _, fv := range set {
				if fv.Field == f {
					v = fv.Value
				}
			}
			// An optional field is unset until someone sets it, whatever
			// its default (its getter returns the default meanwhile): that
			// is how every Apache Thrift library treats it, and it keeps a
			// field the sender never set off the wire.
			if v == nil && !Shape(s, f).Conditional {
				v = f.Default
			}
			if v == nil {
				continue
			}
			lit := n.ValueLiteral(v, f.Type)
			if Shape(s, f).Pointer {
				lit = rt("Ptr").Types(n.GoType(f.Type)).Call(lit)
			}
			d[jen.Id(n.Field(f).Name)] = lit
		}
	}))
}

// getter emits a nil-safe accessor that returns the IDL default (or the
// zero value) when the field is unset:
//
//	// GetLabel returns the value of field "label", or its default when unset.
//	func (p *Point) GetLabel() (v string) {
//		if p != nil && p.Label != nil {
//			return *p.Label
//		}
//		return "none"
//	}
func (n *Names) getter(s *parser.Struct, f *parser.Field) jen.Code {
	id := n.Ident(s)
	fn := n.Field(f)
	sh := Shape(s, f)
	field := jen.Id("p").Dot(fn.Name)
	code := jen.Comment(wrap(fmt.Sprintf("%s returns the value of field %q, or its default when unset.", fn.Getter, f.Name))).Line()
	return code.Func().Params(jen.Id("p").Op("*").Id(id.Name)).Id(fn.Getter).Params().Params(jen.Id("v").Add(n.GoType(f.Type))).BlockFunc(func(g *jen.Group) {
		if sh.Pointer {
			g.If(jen.Id("p").Op("!=").Nil().Op("&&").Add(field.Clone()).Op("!=").Nil()).Block(jen.Return(jen.Op("*").Add(field.Clone())))
			if f.Default != nil {
				g.Return(n.ValueLiteral(f.Default, f.Type))
			} else {
				g.Return(jen.Id("v"))
			}
			return
		}
		if sh.Conditional && f.Default != nil {
			g.If(jen.Id("p").Op("!=").Nil().Op("&&").Add(field.Clone()).Op("!=").Nil()).Block(jen.Return(field.Clone()))
			g.Return(n.ValueLiteral(f.Default, f.Type))
			return
		}
		g.If(jen.Id("p").Op("!=").Nil()).Block(jen.Return(field.Clone()))
		if f.Default != nil {
			g.Return(n.ValueLiteral(f.Default, f.Type))
			return
		}
		g.Return(jen.Id("v"))
	})
}

// countSetFields emits the helper that counts a union's set members.
func (n *Names) countSetFields(s *parser.Struct) jen.Code {
	id := n.Ident(s)
	return jen.Comment(wrap("countSetFields counts the members that are set; a valid union has exactly one.")).Line().
		Func().Params(jen.Id("p").Op("*").Id(id.Name)).Id("countSetFields").Params().Int().BlockFunc(func(g *jen.Group) {
		g.Id("c").Op(":=").Lit(0)
		for _, f := range s.Fields {
			g.If(jen.Id("p").Dot(n.Field(f).Name).Op("!=").Nil()).Block(jen.Id("c").Op("++"))
		}
		g.Return(jen.Id("c"))
	})
}

// stringMethod emits String, which shows field names and values (following
// pointers) for logs and test failures.
func (n *Names) stringMethod(s *parser.Struct) jen.Code {
	id := n.Ident(s)
	return jen.Comment("String returns a readable form of p for logs and debugging.").Line().
		Func().Params(jen.Id("p").Op("*").Id(id.Name)).Id("String").Params().String().BlockFunc(func(g *jen.Group) {
		g.If(jen.Id("p").Op("==").Nil()).Block(jen.Return(jen.Lit("<nil>")))
		g.Return(rt("StructString").CallFunc(func(g *jen.Group) {
			g.Lit(s.Name)
			for _, f := range s.Fields {
				g.Lit(f.Name)
				g.Id("p").Dot(n.Field(f).Name)
			}
		}))
	})
}
