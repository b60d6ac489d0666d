package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// ValueLiteral renders a checked constant value as a Go expression of type
// n.GoType(t), for constants and field defaults:
//
//	42, "text", []byte("raw"), Color_RED, Color(7), runtime.UUID{0x12, ...},
//	[]int32{1, 2}, map[string]int32{"a": 1},
//	[]runtime.Pair[[]int32, string]{{Key: []int32{1}, Value: "x"}},
//	&Point{X: 1, Label: runtime.Ptr[string]("origin")}
//
// Numbers are untyped literals, which Go converts to the named types that
// typedefs and enums produce.
func (n *Names) ValueLiteral(v *parser.Value, t *parser.Type) *jen.Statement {
	r := t.Resolve()
	switch r.Kind {
	case parser.KindBool:
		return jen.Lit(v.Bool)
	case parser.KindI8, parser.KindI16, parser.KindI32, parser.KindI64:
		return jen.Lit(int(v.Int))
	case parser.KindDouble:
		return jen.Lit(v.Double)
	case parser.KindString:
		return jen.Lit(v.String)
	case parser.KindBinary:
		return n.GoType(t).Call(jen.Lit(v.String))
	case parser.KindUUID:
		return n.GoType(t).ValuesFunc(func(g *jen.Group) {
			for _, b := range v.UUID {
				g.Op(fmt.Sprintf("0x%02x", b))
			}
		})
	case parser.KindEnum:
		if v.EnumValue != nil {
			if t.Kind == parser.KindTypedef {
				return n.GoType(t).Call(n.Ident(v.EnumValue).Qual())
			}
			return n.Ident(v.EnumValue).Qual()
		}
		return n.GoType(t).Call(jen.Lit(int(v.Int)))
	case parser.KindList, parser.KindSet:
		return n.GoType(t).ValuesFunc(func(g *jen.Group) {
			for _, e := range v.Elems {
				g.Add(n.ValueLiteral(e, r.Elem))
			}
		})
	case parser.KindMap:
		if KeyIsComparable(r.Key) {
			return n.GoType(t).Values(jen.DictFunc(func(d jen.Dict) {
				for _, e := range v.Entries {
					d[n.ValueLiteral(e.Key, r.Key)] = n.ValueLiteral(e.Value, r.Elem)
				}
			}))
		}
		return n.GoType(t).ValuesFunc(func(g *jen.Group) {
			for _, e := range v.Entries {
				g.Values(jen.Dict{
					jen.Id("Key"):   n.ValueLiteral(e.Key, r.Key),
					jen.Id("Value"): n.ValueLiteral(e.Value, r.Elem),
				})
			}
		})
	case parser.KindStruct:
		return jen.Op("&").Add(n.valueType(t)).Add(n.structDefaults(r.Struct, v.Fields))
	}
	return jen.Null()
}

// isGoConst reports whether a constant of type t can be a Go const (numbers,
// bools, strings and enums); the rest become package variables.
func isGoConst(t *parser.Type) bool {
	switch t.Resolve().Kind {
	case parser.KindBool, parser.KindI8, parser.KindI16, parser.KindI32, parser.KindI64,
		parser.KindDouble, parser.KindString, parser.KindEnum:
		return true
	}
	return false
}

// Const emits one IDL constant:
//
//	// MaxItems is the constant "MAX_ITEMS" from limits.thrift.
//	const MaxItems int32 = 100
//
//	// Primes is the constant "PRIMES" from limits.thrift.
//	var Primes = []int32{2, 3, 5}
func (n *Names) Const(c *parser.Const) jen.Code {
	id := n.Ident(c)
	code := jen.Add(Doc(id.Name+" is the constant \""+c.Name+"\" from "+SourceName(c.File)+".", c.Doc))
	if isGoConst(c.Type) {
		return code.Const().Id(id.Name).Add(n.GoType(c.Type)).Op("=").Add(n.ValueLiteral(c.Value, c.Type))
	}
	return code.Var().Id(id.Name).Op("=").Add(n.ValueLiteral(c.Value, c.Type))
}
