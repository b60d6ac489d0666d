package parser

import (
	"fmt"
	"strconv"
	"strings"
)

// The syntax tree below is what one file says, before any name is
// resolved. Every node keeps the position of its most telling token and the
// raw text of its literals, which thriftgo's AST does not.

type astFile struct {
	doc        string
	includes   []*astInclude
	namespaces []*Namespace
	defs       []*astDef
}

type astInclude struct {
	path string
	pos  Pos // of the path literal
}

type defKind int

const (
	defConst defKind = iota + 1
	defTypedef
	defEnum
	defStruct
	defUnion
	defException
	defService
)

type astDef struct {
	kind    defKind
	name    string
	pos     Pos
	doc     string
	annots  Annotations
	typ     *astType    // const, typedef
	value   *astValue   // const
	fields  []*astField // struct, union, exception
	values  []*astEnumValue
	extends string
	extPos  Pos
	funcs   []*astFunc
}

type astType struct {
	name      string // base type, "list", "set", "map" or a (dotted) identifier
	pos       Pos
	key, elem *astType
	annots    Annotations
}

type astField struct {
	id     int64
	hasID  bool
	idPos  Pos
	req    Requiredness
	reqPos Pos
	typ    *astType
	name   string
	pos    Pos
	def    *astValue
	doc    string
	annots Annotations
}

type astEnumValue struct {
	name     string
	pos      Pos
	value    int64
	hasValue bool
	valuePos Pos
	doc      string
	annots   Annotations
}

type astFunc struct {
	oneway bool
	result *astType // nil for void
	name   string
	pos    Pos
	args   []*astField
	throws []*astField
	doc    string
	annots Annotations
}

type valueKind int

const (
	valInt valueKind = iota + 1
	valDouble
	valString
	valIdent
	valList
	valMap
)

type astValue struct {
	kind  valueKind
	pos   Pos
	raw   string
	i     int64
	f     float64
	s     string // decoded string, or identifier
	elems []*astValue
	keys  []*astValue // map literal keys, parallel to elems
}

// baseTypes are the type names that need no definition. "uuid" is a keyword
// since Apache Thrift 0.19.
var baseTypes = map[string]Kind{
	"bool": KindBool, "byte": KindI8, "i8": KindI8, "i16": KindI16, "i32": KindI32,
	"i64": KindI64, "double": KindDouble, "string": KindString, "binary": KindBinary,
	"uuid": KindUUID,
}

// keywords cannot name anything.
var keywords = map[string]bool{
	"include": true, "cpp_include": true, "namespace": true, "const": true,
	"typedef": true, "enum": true, "struct": true, "union": true, "exception": true,
	"service": true, "extends": true, "throws": true, "oneway": true, "void": true,
	"required": true, "optional": true, "map": true, "set": true, "list": true,
	"cpp_type": true, "bool": true, "byte": true, "i8": true, "i16": true,
	"i32": true, "i64": true, "double": true, "string": true, "binary": true,
	"senum": true, "slist": true, "xsd_all": true, "xsd_optional": true,
	"xsd_nillable": true, "xsd_attrs": true,
}

// syntaxError aborts the parse of one file; parseFile recovers it.
type syntaxError struct{ err *Error }

type syntaxParser struct {
	file string
	toks []token
	i    int
	errs []*Error // non-fatal problems (bad escapes, bad numbers)
}

// parseSource parses one file's text. A syntax error stops the parse of
// that file (the first one is the one worth reading); problems inside
// literals are collected and parsing goes on.
func parseSource(file, src string) (f *astFile, errs, warns []*Error) {
	toks, lw, lerr := lex(src)
	for _, w := range lw {
		warns = append(warns, &Error{Pos{file, w.line, w.col}, w.msg})
	}
	if lerr != nil {
		// Parse what came before to report a later lex error only
		// if the tokens before it are fine; the lex error is the
		// more telling one either way.
		return nil, []*Error{{Pos{file, lerr.line, lerr.col}, lerr.msg}}, warns
	}
	p := &syntaxParser{file: file, toks: toks}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			f, errs = nil, append(p.errs, se.err)
		}
	}()
	f = p.parseFile()
	return f, p.errs, warns
}

func (p *syntaxParser) peek() token { return p.toks[p.i] }

func (p *syntaxParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *syntaxParser) pos(t token) Pos { return Pos{p.file, t.line, t.col} }

func (p *syntaxParser) fail(t token, format string, args ...any) {
	panic(syntaxError{&Error{p.pos(t), fmt.Sprintf(format, args...)}})
}

func (p *syntaxParser) unexpected(t token, want string) {
	got := strconv.Quote(t.raw)
	if t.kind == tokEOF {
		got = "end of file"
	}
	p.fail(t, "syntax error: unexpected %s, expected %s", got, want)
}

func (p *syntaxParser) is(raw string) bool {
	t := p.peek()
	return (t.kind == tokPunct || t.kind == tokIdent) && t.raw == raw
}

func (p *syntaxParser) accept(raw string) bool {
	if p.is(raw) {
		p.next()
		return true
	}
	return false
}

func (p *syntaxParser) expect(raw string) token {
	if !p.is(raw) {
		p.unexpected(p.peek(), strconv.Quote(raw))
	}
	return p.next()
}

func (p *syntaxParser) ident(what string) token {
	t := p.peek()
	if t.kind != tokIdent || keywords[t.raw] {
		p.unexpected(t, what)
	}
	return p.next()
}

// optSep skips the optional "," or ";" Apache allows after most items.
func (p *syntaxParser) optSep() {
	if !p.accept(",") {
		p.accept(";")
	}
}

func (p *syntaxParser) parseFile() *astFile {
	f := &astFile{}
	// Apache gives the file a doc comment when one stands before the
	// first header, or is cut from the first definition by a blank line.
	if first := p.peek(); first.doc != "" {
		switch {
		case first.kind == tokIdent && (first.raw == "include" || first.raw == "cpp_include" || first.raw == "namespace"):
			f.doc = first.doc
			p.toks[p.i].doc = ""
		case first.blankBefore:
			f.doc = first.doc
			p.toks[p.i].doc = ""
		}
	}
	// Header*
	for {
		t := p.peek()
		switch {
		case t.kind == tokIdent && t.raw == "include":
			p.next()
			lit := p.peek()
			if lit.kind != tokString {
				p.unexpected(lit, "file name")
			}
			p.next()
			f.includes = append(f.includes, &astInclude{path: p.decodeString(lit), pos: p.pos(lit)})
			p.optSep()
			continue
		case t.kind == tokIdent && t.raw == "cpp_include":
			p.next()
			if lit := p.next(); lit.kind != tokString {
				p.unexpected(lit, "file name")
			}
			p.optSep()
			continue
		case t.kind == tokIdent && t.raw == "namespace":
			p.next()
			var lang token
			if p.is("*") {
				lang = p.next()
			} else {
				lang = p.ident("namespace scope")
			}
			name := p.peek()
			if name.kind != tokIdent && name.kind != tokString {
				p.unexpected(name, "namespace name")
			}
			p.next()
			n := name.raw
			if name.kind == tokString {
				n = p.decodeString(name)
			}
			f.namespaces = append(f.namespaces, &Namespace{Lang: lang.raw, Name: n, Pos: p.pos(t)})
			p.annotations()
			p.optSep()
			continue
		}
		break
	}
	// Definition*
	for p.peek().kind != tokEOF {
		f.defs = append(f.defs, p.definition())
	}
	return f
}

func (p *syntaxParser) definition() *astDef {
	t := p.peek()
	if t.kind != tokIdent {
		p.unexpected(t, "definition")
	}
	d := &astDef{doc: t.doc}
	switch t.raw {
	case "const":
		p.next()
		d.kind = defConst
		d.typ = p.fieldType()
		d.name, d.pos = p.name()
		p.expect("=")
		d.value = p.constValue()
		p.optSep()
	case "typedef":
		p.next()
		d.kind = defTypedef
		d.typ = p.fieldType()
		d.name, d.pos = p.name()
		d.annots = p.annotations()
		p.optSep()
	case "enum":
		p.next()
		d.kind = defEnum
		d.name, d.pos = p.name()
		p.expect("{")
		for !p.is("}") {
			vt := p.ident("enum value name")
			v := &astEnumValue{name: vt.raw, pos: p.pos(vt), doc: vt.doc}
			if p.accept("=") {
				it := p.next()
				if it.kind != tokInt {
					p.unexpected(it, "integer")
				}
				v.hasValue, v.valuePos = true, p.pos(it)
				v.value = p.integer(it)
			}
			v.annots = p.annotations()
			p.optSep()
			d.values = append(d.values, v)
		}
		p.next()
		d.annots = p.annotations()
	case "struct", "union", "exception":
		p.next()
		d.kind = map[string]defKind{"struct": defStruct, "union": defUnion, "exception": defException}[t.raw]
		d.name, d.pos = p.name()
		p.accept("xsd_all")
		p.expect("{")
		d.fields = p.fieldList("}")
		d.annots = p.annotations()
	case "service":
		p.next()
		d.kind = defService
		d.name, d.pos = p.name()
		if p.accept("extends") {
			e := p.peek()
			if e.kind != tokIdent || keywords[e.raw] {
				p.unexpected(e, "service name")
			}
			p.next()
			d.extends, d.extPos = e.raw, p.pos(e)
		}
		p.expect("{")
		for !p.is("}") {
			d.funcs = append(d.funcs, p.function())
		}
		p.next()
		d.annots = p.annotations()
	case "include", "cpp_include", "namespace":
		p.fail(t, "syntax error: %s must come before all definitions", t.raw)
	default:
		p.unexpected(t, "definition")
	}
	return d
}

func (p *syntaxParser) name() (string, Pos) {
	t := p.ident("name")
	return t.raw, p.pos(t)
}

func (p *syntaxParser) function() *astFunc {
	first := p.peek()
	fn := &astFunc{doc: first.doc}
	if p.accept("oneway") {
		fn.oneway = true
	}
	if !p.accept("void") {
		fn.result = p.fieldType()
	}
	fn.name, fn.pos = p.name()
	p.expect("(")
	fn.args = p.fieldList(")")
	if p.accept("throws") {
		p.expect("(")
		fn.throws = p.fieldList(")")
	}
	fn.annots = p.annotations()
	p.optSep()
	return fn
}

// fieldList parses fields up to and including the closing token.
func (p *syntaxParser) fieldList(closing string) []*astField {
	var fs []*astField
	for !p.accept(closing) {
		fs = append(fs, p.field())
	}
	return fs
}

func (p *syntaxParser) field() *astField {
	first := p.peek()
	f := &astField{doc: first.doc}
	if first.kind == tokInt {
		p.next()
		p.expect(":")
		f.hasID, f.idPos, f.id = true, p.pos(first), p.integer(first)
	}
	if t := p.peek(); p.accept("required") {
		f.req, f.reqPos = RequirednessRequired, p.pos(t)
	} else if p.accept("optional") {
		f.req, f.reqPos = RequirednessOptional, p.pos(t)
	}
	f.typ = p.fieldType()
	p.accept("&") // C++ reference marker; means nothing on the wire
	f.name, f.pos = p.name()
	if p.accept("=") {
		f.def = p.constValue()
	}
	p.accept("xsd_optional")
	p.accept("xsd_nillable")
	if p.accept("xsd_attrs") {
		p.expect("{")
		p.fieldList("}")
	}
	f.annots = p.annotations()
	p.optSep()
	return f
}

func (p *syntaxParser) fieldType() *astType {
	t := p.peek()
	if t.kind != tokIdent {
		p.unexpected(t, "type")
	}
	typ := &astType{name: t.raw, pos: p.pos(t)}
	p.next()
	switch t.raw {
	case "map":
		p.cppType()
		p.expect("<")
		typ.key = p.fieldType()
		p.expect(",")
		typ.elem = p.fieldType()
		p.expect(">")
	case "set":
		p.cppType()
		p.expect("<")
		typ.elem = p.fieldType()
		p.expect(">")
	case "list":
		p.expect("<")
		typ.elem = p.fieldType()
		p.expect(">")
		p.cppType()
	default:
		if keywords[t.raw] && baseTypes[t.raw] == 0 {
			p.unexpected(t, "type")
		}
	}
	typ.annots = p.annotations()
	return typ
}

func (p *syntaxParser) cppType() {
	if p.accept("cpp_type") {
		if t := p.next(); t.kind != tokString {
			p.unexpected(t, "string literal")
		}
	}
}

// annotations parses an optional "( key = "value", key2, ... )" list.
// A key without a value gets "1", as in Apache Thrift; a repeated key adds
// a value to the first entry, as in thriftgo.
func (p *syntaxParser) annotations() Annotations {
	if !p.is("(") {
		return nil
	}
	p.next()
	var as Annotations
	for !p.accept(")") {
		k := p.peek()
		if k.kind != tokIdent {
			p.unexpected(k, "annotation name")
		}
		p.next()
		v := "1"
		if p.accept("=") {
			lit := p.next()
			if lit.kind != tokString {
				p.unexpected(lit, "string literal")
			}
			v = p.decodeString(lit)
		}
		p.optSep()
		found := false
		for _, a := range as {
			if a.Key == k.raw {
				a.Values = append(a.Values, v)
				found = true
			}
		}
		if !found {
			as = append(as, &Annotation{Key: k.raw, Values: []string{v}})
		}
	}
	return as
}

func (p *syntaxParser) constValue() *astValue {
	t := p.next()
	v := &astValue{pos: p.pos(t), raw: t.raw}
	switch {
	case t.kind == tokInt:
		v.kind, v.i = valInt, p.integer(t)
	case t.kind == tokDouble:
		v.kind = valDouble
		f, err := strconv.ParseFloat(t.raw, 64)
		if err != nil {
			p.errs = append(p.errs, &Error{v.pos, fmt.Sprintf("double %s out of range", t.raw)})
		}
		v.f = f
	case t.kind == tokString:
		v.kind, v.s = valString, p.decodeString(t)
	case t.kind == tokIdent && !keywords[t.raw]:
		v.kind, v.s = valIdent, t.raw
	case t.kind == tokPunct && t.raw == "[":
		v.kind = valList
		for !p.accept("]") {
			v.elems = append(v.elems, p.constValue())
			p.optSep()
		}
	case t.kind == tokPunct && t.raw == "{":
		v.kind = valMap
		for !p.accept("}") {
			v.keys = append(v.keys, p.constValue())
			p.expect(":")
			v.elems = append(v.elems, p.constValue())
			p.optSep()
		}
	default:
		p.unexpected(t, "constant value")
	}
	return v
}

// integer decodes an integer token the way Apache does: decimal (a leading
// 0 does not make it octal) or 0x hexadecimal, optionally signed, within
// int64.
func (p *syntaxParser) integer(t token) int64 {
	switch t.raw {
	case "true":
		return 1
	case "false":
		return 0
	}
	s := t.raw
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		s, base = s[2:], 16
	}
	u, err := strconv.ParseUint(s, base, 64)
	if err != nil || (!neg && u > 1<<63-1) || (neg && u > 1<<63) {
		p.errs = append(p.errs, &Error{p.pos(t), fmt.Sprintf("integer %s out of range for i64", t.raw)})
		return 0
	}
	if neg {
		return -int64(u-1) - 1
	}
	return int64(u)
}

// decodeString decodes a string literal token. Apache Thrift 0.17 accepts
// the escapes \\ \" \' \n \r \t and rejects every other one ("Bad escape
// character"); we do the same, reporting the escape's own position.
func (p *syntaxParser) decodeString(t token) string {
	s := t.raw[1 : len(t.raw)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '\\', '"', '\'':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default:
			// Column of the backslash: the literal's column, the
			// opening quote, then i-1 bytes. Literals never span
			// lines, so the line is the token's.
			pos := Pos{p.file, t.line, t.col + 1 + i - 1}
			p.errs = append(p.errs, &Error{pos, fmt.Sprintf(`unknown escape sequence "\%c"`, s[i])})
		}
	}
	return b.String()
}
