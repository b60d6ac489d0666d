package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// Enum emits an enum as a defined int32 type with its values and text
// conversions:
//
//	// Color is the enum "Color" from paint.thrift.
//	type Color int32
//
//	const (
//		Color_RED  Color = 1
//		Color_BLUE Color = -2
//	)
//
//	func (v Color) String() string               // "RED"; "Color(7)" for unknown values
//	func ColorFromString(s string) (Color, error)
//	func (v Color) MarshalText() ([]byte, error)  // "RED"; "7" for unknown values
//	func (v *Color) UnmarshalText(b []byte) error
//
// Value names keep Apache's EnumName_VALUE spelling so code moved from
// Apache's generator reads the same.
func (n *Names) Enum(e *parser.Enum) jen.Code {
	id := n.Ident(e)
	fromString := id.Name + "FromString"
	code := jen.Add(Doc(fmt.Sprintf("%s is the enum %q from %s.", id.Name, e.Name, SourceName(e.File)), e.Doc))
	code.Type().Id(id.Name).Int32().Line().Line()
	if len(e.Values) > 0 {
		code.Const().DefsFunc(func(g *jen.Group) {
			for _, v := range e.Values {
				g.Add(Doc("", v.Doc)).Id(n.Ident(v).Name).Id(id.Name).Op("=").Lit(int(v.Value))
			}
		}).Line().Line()
	}

	// String uses the first name of each value: an enum may give one
	// number two names, and a switch may not repeat a case.
	seen := map[int32]bool{}
	var unique []*parser.EnumValue
	for _, v := range e.Values {
		if !seen[v.Value] {
			seen[v.Value] = true
			unique = append(unique, v)
		}
	}
	code.Comment(wrap("String returns the IDL name of v, or \"" + id.Name + "(N)\" for a value the IDL does not name.")).Line()
	code.Func().Params(jen.Id("v").Id(id.Name)).Id("String").Params().String().BlockFunc(func(g *jen.Group) {
		if len(unique) > 0 {
			g.Switch(jen.Id("v")).BlockFunc(func(g *jen.Group) {
				for _, v := range unique {
					g.Case(jen.Id(n.Ident(v).Name)).Return(jen.Lit(v.Name))
				}
			})
		}
		g.Return(jen.Lit(id.Name+"(").Op("+").Qual("strconv", "Itoa").Call(jen.Int().Call(jen.Id("v"))).Op("+").Lit(")"))
	}).Line().Line()

	code.Comment(wrap(fromString + " returns the value named s in the IDL.")).Line()
	code.Func().Id(fromString).Params(jen.Id("s").String()).Params(jen.Id(id.Name), jen.Error()).BlockFunc(func(g *jen.Group) {
		if len(e.Values) > 0 {
			g.Switch(jen.Id("s")).BlockFunc(func(g *jen.Group) {
				for _, v := range e.Values {
					g.Case(jen.Lit(v.Name)).Return(jen.Id(n.Ident(v).Name), jen.Nil())
				}
			})
		}
		g.Return(jen.Lit(0), jen.Qual("fmt", "Errorf").Call(jen.Lit("%q is not a valid "+e.Name), jen.Id("s")))
	}).Line().Line()

	code.Comment("MarshalText encodes v as its IDL name (a number the IDL does not name as its").Line()
	code.Comment("decimal form), so that JSON and text formats stay readable and round-trip.").Line()
	code.Func().Params(jen.Id("v").Id(id.Name)).Id("MarshalText").Params().Params(jen.Index().Byte(), jen.Error()).BlockFunc(func(g *jen.Group) {
		if len(unique) > 0 {
			g.Switch(jen.Id("v")).Block(
				jen.CaseFunc(func(g *jen.Group) {
					for _, v := range unique {
						g.Id(n.Ident(v).Name)
					}
				}).Return(jen.Index().Byte().Call(jen.Id("v").Dot("String").Call()), jen.Nil()))
		}
		g.Return(jen.Qual("strconv", "AppendInt").Call(jen.Nil(), jen.Int64().Call(jen.Id("v")), jen.Lit(10)), jen.Nil())
	}).Line().Line()

	code.Comment(wrap("UnmarshalText decodes an IDL name or a decimal number, as MarshalText writes them.")).Line()
	code.Func().Params(jen.Id("v").Op("*").Id(id.Name)).Id("UnmarshalText").Params(jen.Id("b").Index().Byte()).Error().Block(
		jen.List(jen.Id("x"), jen.Err()).Op(":=").Id(fromString).Call(jen.String().Call(jen.Id("b"))),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.List(jen.Id("i"), jen.Id("perr")).Op(":=").Qual("strconv", "ParseInt").Call(jen.String().Call(jen.Id("b")), jen.Lit(10), jen.Lit(32)),
			jen.If(jen.Id("perr").Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Id("x").Op("=").Id(id.Name).Call(jen.Id("i")),
		),
		jen.Op("*").Id("v").Op("=").Id("x"),
		jen.Return(jen.Nil()),
	)
	return code
}

// Typedef emits a typedef as a defined Go type, or as an alias when it names
// a struct so that the struct's methods stay usable:
//
//	// UserID is the typedef "UserID" from users.thrift.
//	type UserID int64
//
//	// Location is the typedef "Location" from users.thrift.
//	type Location = geo.Point
func (n *Names) Typedef(t *parser.Typedef) jen.Code {
	id := n.Ident(t)
	code := jen.Add(Doc(fmt.Sprintf("%s is the typedef %q from %s.", id.Name, t.Name, SourceName(t.File)), t.Doc))
	if t.Type.Resolve().Kind == parser.KindStruct {
		return code.Type().Id(id.Name).Op("=").Add(n.valueType(t.Type))
	}
	return code.Type().Id(id.Name).Add(n.GoType(t.Type))
}
