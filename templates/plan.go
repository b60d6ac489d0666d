package templates

import (
	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// RuntimePath is the import path of the package generated code calls.
const RuntimePath = "github.com/thriftsec/thriftsec/runtime"

// Ident is a Go identifier together with the import path of its package, so
// that a file can qualify it when it is used from another package.
type Ident struct {
	ImportPath string
	Name       string
}

// Qual renders the identifier, qualified when the file being built is in
// another package (jennifer decides).
func (i Ident) Qual() *jen.Statement { return jen.Qual(i.ImportPath, i.Name) }

// FieldNames are the Go names planned for one Thrift field.
type FieldNames struct {
	Name   string // the struct field, e.g. UserID
	Getter string // GetUserID
	IsSet  string // IsSetUserID, only generated where unset is representable
	Param  string // the name when the field is a function argument: userID
}

// ServiceNames are the Go names planned for one service.
type ServiceNames struct {
	Interface Ident // Calculator
	Client    Ident // CalculatorClient
	NewClient Ident // NewCalculatorClient
	Processor Ident // NewCalculatorProcessor
	Register  Ident // RegisterCalculatorMethods
	// Methods maps each function to its Go method and wire structs.
	Methods map[*parser.Function]*MethodNames
}

// MethodNames are the Go names planned for one service function.
type MethodNames struct {
	Method string // Add
	// Args and Result are the structs that carry the call and its reply on
	// the wire, built by the generator from the function's signature:
	// Args holds the arguments; Result holds "success" (id 0) and one field
	// per declared exception. Result is nil for oneway functions.
	Args   *parser.Struct
	Result *parser.Struct
}

// Exceptions returns the members of the result struct that carry f's
// declared exceptions.
func (m *MethodNames) Exceptions(f *parser.Function) []*parser.Field {
	if m.Result == nil {
		return nil
	}
	if f.Result != nil {
		return m.Result.Fields[1:]
	}
	return m.Result.Fields
}

// Names is the generator's naming plan, read by every emitter. It maps each
// Thrift definition (and enum value and field) to its Go name.
type Names struct {
	idents   map[any]Ident
	ctors    map[*parser.Struct]Ident
	fields   map[*parser.Field]FieldNames
	services map[*parser.Service]*ServiceNames
	docs     map[*parser.Struct]string

	// CompactFromBinary makes Struct leave out the compact methods that
	// DeriveCompact can copy from the formatted binary ones (see
	// codec_compact.go); whoever sets it must call DeriveCompact.
	CompactFromBinary bool
}

// NewNames returns an empty plan.
func NewNames() *Names {
	return &Names{
		idents:   map[any]Ident{},
		ctors:    map[*parser.Struct]Ident{},
		fields:   map[*parser.Field]FieldNames{},
		services: map[*parser.Service]*ServiceNames{},
		docs:     map[*parser.Struct]string{},
	}
}

// SetIdent records the Go identifier of a definition: *parser.Enum,
// *parser.EnumValue, *parser.Typedef, *parser.Const or *parser.Struct.
func (n *Names) SetIdent(def any, id Ident) { n.idents[def] = id }

// Ident returns the identifier recorded by SetIdent. Asking for a definition
// the generator never planned is a bug in the generator, not bad input.
func (n *Names) Ident(def any) Ident {
	id, ok := n.idents[def]
	if !ok {
		panic("templates: no Go name planned for a definition")
	}
	return id
}

// SetConstructor records the NewX function of a struct.
func (n *Names) SetConstructor(s *parser.Struct, id Ident) { n.ctors[s] = id }

// Constructor returns the NewX function of a struct.
func (n *Names) Constructor(s *parser.Struct) Ident { return n.ctors[s] }

// SetField records the Go names of a field.
func (n *Names) SetField(f *parser.Field, fn FieldNames) { n.fields[f] = fn }

// Field returns the Go names of a field.
func (n *Names) Field(f *parser.Field) FieldNames { return n.fields[f] }

// SetService records the Go names of a service.
func (n *Names) SetService(s *parser.Service, sn *ServiceNames) { n.services[s] = sn }

// ServiceNames returns the Go names of a service.
func (n *Names) ServiceNames(s *parser.Service) *ServiceNames { return n.services[s] }

// SetDoc replaces the generated first doc line of a struct the generator
// made up itself (a function's args or result).
func (n *Names) SetDoc(s *parser.Struct, doc string) { n.docs[s] = doc }
