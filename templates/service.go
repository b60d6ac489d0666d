package templates

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

const contextPath = "context"

// signature renders a method's parameters and results, shared by the
// interface and the client so they cannot drift apart:
//
//	(ctx context.Context, num1 int32, num2 int32) (int32, error)
func (n *Names) signature(m *MethodNames, f *parser.Function, named bool) *jen.Statement {
	params := jen.ParamsFunc(func(g *jen.Group) {
		g.Id("ctx").Qual(contextPath, "Context")
		for _, a := range f.Args {
			g.Id(n.Field(a).Param).Add(n.FieldGoType(m.Args, a))
		}
	})
	if f.Result == nil {
		if named {
			return params.Params(jen.Err().Error())
		}
		return params.Error()
	}
	if named {
		return params.Params(jen.Id("r").Add(n.GoType(f.Result)), jen.Err().Error())
	}
	return params.Params(n.GoType(f.Result), jen.Error())
}

// Service emits everything a service needs: the interface, the client, the
// processor and the args/result structs of each function.
//
//	// Calculator is the service "Calculator" from calc.thrift. Both the
//	// server's handler and *CalculatorClient implement it.
//	type Calculator interface {
//		shared.SharedService
//		Add(ctx context.Context, num1 int32, num2 int32) (int32, error)
//	}
func (n *Names) Service(s *parser.Service) jen.Code {
	sn := n.services[s]
	code := jen.Add(Doc(fmt.Sprintf("%s is the service %q from %s. The server's handler implements it, and so does *%s, which calls a remote server.",
		sn.Interface.Name, s.Name, SourceName(s.File), sn.Client.Name), s.Doc))
	code.Type().Id(sn.Interface.Name).InterfaceFunc(func(g *jen.Group) {
		if s.Extends != nil {
			g.Add(n.services[s.Extends].Interface.Qual())
		}
		for _, f := range s.Functions {
			m := sn.Methods[f]
			g.Add(Doc("", f.Doc)).Id(m.Method).Add(n.signature(m, f, false))
		}
	}).Line().Line()
	code.Add(n.client(s)).Line().Line()
	code.Add(n.processor(s))
	for _, f := range s.Functions {
		m := sn.Methods[f]
		code.Line().Line().Add(n.Struct(m.Args))
		if m.Result != nil {
			code.Line().Line().Add(n.Struct(m.Result))
		}
	}
	return code
}

// client emits the client type and its methods:
//
//	type CalculatorClient struct {
//		*shared.SharedServiceClient
//		c runtime.Caller
//	}
//
//	func NewCalculatorClient(c runtime.Caller) *CalculatorClient
//
//	func (c *CalculatorClient) Add(ctx context.Context, num1 int32, num2 int32) (r int32, err error) {
//		var result CalculatorAddResult
//		if err = c.c.Call(ctx, "add", &CalculatorAddArgs{Num1: num1, Num2: num2}, &result); err != nil {
//			return r, err
//		}
//		if result.Ouch != nil {
//			return r, result.Ouch
//		}
//		if result.Success == nil {
//			return r, runtime.MissingResultError("add")
//		}
//		return *result.Success, nil
//	}
func (n *Names) client(s *parser.Service) jen.Code {
	sn := n.services[s]
	var parent *ServiceNames
	if s.Extends != nil {
		parent = n.services[s.Extends]
	}
	code := jen.Comment(wrap(fmt.Sprintf("%s calls the %s service through a runtime.Caller, usually a *runtime.Client.", sn.Client.Name, s.Name))).Line().
		Comment("It is safe for concurrent use when its Caller is.").Line()
	code.Type().Id(sn.Client.Name).StructFunc(func(g *jen.Group) {
		if parent != nil {
			g.Op("*").Add(parent.Client.Qual())
		}
		g.Id("c").Add(rt("Caller"))
	}).Line().Line()

	code.Comment(wrap(fmt.Sprintf("%s returns a client that sends its calls through c.", sn.NewClient.Name))).Line()
	code.Func().Id(sn.NewClient.Name).Params(jen.Id("c").Add(rt("Caller"))).Op("*").Id(sn.Client.Name).Block(
		jen.Return(jen.Op("&").Id(sn.Client.Name).Values(jen.DictFunc(func(d jen.Dict) {
			if parent != nil {
				d[jen.Id(parent.Client.Name)] = parent.NewClient.Qual().Call(jen.Id("c"))
			}
			d[jen.Id("c")] = jen.Id("c")
		})))).Line().Line()
	code.Var().Id("_").Id(sn.Interface.Name).Op("=").Parens(jen.Op("*").Id(sn.Client.Name)).Parens(jen.Nil()).Line()

	for _, f := range s.Functions {
		m := sn.Methods[f]
		args := jen.Op("&").Id(n.Ident(m.Args).Name).Values(jen.DictFunc(func(d jen.Dict) {
			for _, a := range f.Args {
				d[jen.Id(n.Field(a).Name)] = jen.Id(n.Field(a).Param)
			}
		}))
		code.Line()
		code.Add(Doc(fmt.Sprintf("%s calls %s.%s on the server.", m.Method, s.Name, f.Name), f.Doc))
		code.Func().Params(jen.Id("c").Op("*").Id(sn.Client.Name)).Id(m.Method).Add(n.signature(m, f, !f.Oneway)).BlockFunc(func(g *jen.Group) {
			if f.Oneway {
				g.Return(jen.Id("c").Dot("c").Dot("Oneway").Call(jen.Id("ctx"), jen.Lit(f.Name), args))
				return
			}
			fail := func(err jen.Code) jen.Code {
				if f.Result == nil {
					return jen.Return(err)
				}
				return jen.Return(jen.Id("r"), err)
			}
			g.Var().Id("result").Id(n.Ident(m.Result).Name)
			g.If(jen.Err().Op("=").Id("c").Dot("c").Dot("Call").Call(jen.Id("ctx"), jen.Lit(f.Name), args, jen.Op("&").Id("result")), jen.Err().Op("!=").Nil()).Block(fail(jen.Err()))
			for _, ex := range m.Exceptions(f) {
				field := jen.Id("result").Dot(n.Field(ex).Name)
				g.If(field.Clone().Op("!=").Nil()).Block(fail(field.Clone()))
			}
			if f.Result == nil {
				g.Return(jen.Nil())
				return
			}
			success := m.Result.Fields[0]
			field := jen.Id("result").Dot(n.Field(success).Name)
			g.If(field.Clone().Op("==").Nil()).Block(fail(rt("MissingResultError").Call(jen.Lit(f.Name))))
			if Shape(m.Result, success).Pointer {
				g.Return(jen.Op("*").Add(field.Clone()), jen.Nil())
			} else {
				g.Return(field.Clone(), jen.Nil())
			}
		}).Line()
	}
	return code
}

// processor emits the server side: a constructor for a runtime.Processor
// and the function that registers the service's methods (and its parents')
// so that a child service in another package can reuse it.
//
//	func NewCalculatorProcessor(h Calculator) *runtime.Processor
//
//	func RegisterCalculatorMethods(p *runtime.Processor, h Calculator) {
//		shared.RegisterSharedServiceMethods(p, h)
//		p.Register("add", runtime.Method{
//			NewArgs: func() runtime.Struct { return NewCalculatorAddArgs() },
//			Handle: func(ctx context.Context, in runtime.Struct) (runtime.Struct, error) {
//				args := in.(*CalculatorAddArgs)
//				var result CalculatorAddResult
//				r, err := h.Add(ctx, args.Num1, args.Num2)
//				if err != nil {
//					if e := (*InvalidOperation)(nil); errors.As(err, &e) {
//						result.Ouch = e
//						return &result, nil
//					}
//					return nil, err
//				}
//				result.Success = &r
//				return &result, nil
//			},
//		})
//	}
func (n *Names) processor(s *parser.Service) jen.Code {
	sn := n.services[s]
	code := jen.Comment(wrap(fmt.Sprintf("%s returns a processor that serves h as the %s service; give it to a runtime.Server.", sn.Processor.Name, s.Name))).Line()
	code.Func().Id(sn.Processor.Name).Params(jen.Id("h").Id(sn.Interface.Name)).Op("*").Add(rt("Processor")).Block(
		jen.Id("p").Op(":=").Add(rt("NewProcessor")).Call(jen.Lit(s.Name)),
		jen.Id(sn.Register.Name).Call(jen.Id("p"), jen.Id("h")),
		jen.Return(jen.Id("p")),
	).Line().Line()

	code.Comment(wrap(fmt.Sprintf("%s adds the methods of %s, and of the services it extends, to p.", sn.Register.Name, s.Name))).Line()
	code.Func().Id(sn.Register.Name).Params(jen.Id("p").Op("*").Add(rt("Processor")), jen.Id("h").Id(sn.Interface.Name)).BlockFunc(func(g *jen.Group) {
		if s.Extends != nil {
			g.Add(n.services[s.Extends].Register.Qual()).Call(jen.Id("p"), jen.Id("h"))
		}
		for _, f := range s.Functions {
			m := sn.Methods[f]
			g.Id("p").Dot("Register").Call(jen.Lit(f.Name), rt("Method").Values(jen.DictFunc(func(d jen.Dict) {
				if f.Oneway {
					d[jen.Id("Oneway")] = jen.True()
				}
				d[jen.Id("NewArgs")] = jen.Func().Params().Add(rt("Struct")).Block(jen.Return(n.Constructor(m.Args).Qual().Call()))
				d[jen.Id("Handle")] = jen.Func().Params(jen.Id("ctx").Qual(contextPath, "Context"), jen.Id("in").Add(rt("Struct"))).Params(rt("Struct"), jen.Error()).BlockFunc(func(g *jen.Group) {
					n.handleBody(g, f, m)
				})
			})))
		}
	})
	return code
}

// handleBody emits the body of one method's Handle function.
func (n *Names) handleBody(g *jen.Group, f *parser.Function, m *MethodNames) {
	if len(f.Args) > 0 {
		g.Id("args").Op(":=").Id("in").Assert(jen.Op("*").Id(n.Ident(m.Args).Name))
	}
	call := jen.Id("h").Dot(m.Method).CallFunc(func(g *jen.Group) {
		g.Id("ctx")
		for _, a := range f.Args {
			g.Id("args").Dot(n.Field(a).Name)
		}
	})
	if f.Oneway {
		g.Return(jen.Nil(), call)
		return
	}
	g.Var().Id("result").Id(n.Ident(m.Result).Name)
	if f.Result != nil {
		g.List(jen.Id("r"), jen.Err()).Op(":=").Add(call)
	} else {
		g.Err().Op(":=").Add(call)
	}
	g.If(jen.Err().Op("!=").Nil()).BlockFunc(func(g *jen.Group) {
		for _, ex := range m.Exceptions(f) {
			fn := n.Field(ex).Name
			g.If(jen.Id("e").Op(":=").Parens(n.GoType(ex.Type)).Parens(jen.Nil()), jen.Qual("errors", "As").Call(jen.Err(), jen.Op("&").Id("e"))).Block(
				jen.Id("result").Dot(fn).Op("=").Id("e"),
				jen.Return(jen.Op("&").Id("result"), jen.Nil()),
			)
		}
		g.Return(jen.Nil(), jen.Err())
	})
	if f.Result != nil {
		success := m.Result.Fields[0]
		switch f.Result.Resolve().Kind {
		case parser.KindList, parser.KindSet, parser.KindMap, parser.KindBinary:
			// A nil slice or map would leave "success" unset and the client
			// would see MISSING_RESULT; an empty one is what the handler meant.
			g.If(jen.Id("r").Op("==").Nil()).Block(jen.Id("r").Op("=").Add(n.GoType(f.Result)).Values())
		}
		if Shape(m.Result, success).Pointer {
			g.Id("result").Dot(n.Field(success).Name).Op("=").Op("&").Id("r")
		} else {
			g.Id("result").Dot(n.Field(success).Name).Op("=").Id("r")
		}
	}
	g.Return(jen.Op("&").Id("result"), jen.Nil())
}
