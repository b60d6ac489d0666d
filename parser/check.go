package parser

import (
	"fmt"
	"math"
	"strings"
)

// checker turns the syntax trees of all loaded files into the model,
// resolving names and reporting what Apache Thrift (or wire safety)
// rejects.
type checker struct {
	*loader
	byFile    map[*File]*loadedFile
	typedefs  map[*Typedef]*astDef
	structs   map[*Struct]*astDef
	services  map[*Service]*astDef
	enums     map[*Enum]*astDef
	consts    map[*Const]*constState
	broken    map[*Typedef]bool // typedefs on a cycle or of an undefined type
	fieldAsts map[*Field]*astField
}

// constState tracks the checking of one constant, so that references are
// checked in dependency order and cycles are caught.
type constState struct {
	lf    *loadedFile
	ast   *astDef
	state int // 0 unchecked, 1 checking, 2 done
	ok    bool
}

func (c *checker) errorf(pos Pos, format string, args ...any) {
	c.errs = append(c.errs, &Error{pos, fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(pos Pos, format string, args ...any) {
	c.warns = append(c.warns, &Error{pos, fmt.Sprintf(format, args...)})
}

func (c *checker) check(files []*loadedFile) {
	c.byFile = map[*File]*loadedFile{}
	c.typedefs = map[*Typedef]*astDef{}
	c.structs = map[*Struct]*astDef{}
	c.services = map[*Service]*astDef{}
	c.enums = map[*Enum]*astDef{}
	c.consts = map[*Const]*constState{}
	c.broken = map[*Typedef]bool{}
	c.fieldAsts = map[*Field]*astField{}
	for _, lf := range files {
		c.byFile[lf.file] = lf
		c.declare(lf)
	}
	// Types first (everything else refers to them), then enums, typedef
	// cycles, fields, services, and last the values, which may refer to
	// any of the above.
	for _, lf := range files {
		c.resolveTypes(lf)
	}
	for _, lf := range files {
		for _, td := range lf.file.Typedefs {
			c.checkTypedefChain(td)
		}
		for _, e := range lf.file.Enums {
			c.checkEnum(e)
		}
		for _, s := range lf.file.Structs {
			c.checkFields(s.Fields, fmt.Sprintf("%s %q", s.Kind, s.Name), s.Kind == StructKindUnion)
		}
	}
	for _, lf := range files {
		for _, s := range lf.file.Services {
			c.resolveExtends(s)
		}
	}
	for _, lf := range files {
		for _, s := range lf.file.Services {
			c.checkService(s)
		}
	}
	for _, lf := range files {
		for _, k := range lf.file.Constants {
			c.checkConst(k)
		}
		for _, s := range lf.file.Structs {
			c.checkDefaults(lf, s.Fields)
		}
		for _, s := range lf.file.Services {
			for _, fn := range s.Functions {
				c.checkDefaults(lf, fn.Args)
				c.checkDefaults(lf, fn.Throws)
			}
		}
	}
}

// declare creates the model definitions of one file and its symbol table.
func (c *checker) declare(lf *loadedFile) {
	lf.syms = map[string]any{}
	f := lf.file
	firstPos := map[string]Pos{}
	for _, d := range lf.ast.defs {
		var sym any
		switch d.kind {
		case defConst:
			k := &Const{Name: d.name, File: f, Pos: d.pos, Doc: d.doc}
			f.Constants = append(f.Constants, k)
			c.consts[k] = &constState{lf: lf, ast: d}
			sym = k
		case defTypedef:
			td := &Typedef{Name: d.name, File: f, Pos: d.pos, Doc: d.doc, Annotations: d.annots}
			f.Typedefs = append(f.Typedefs, td)
			c.typedefs[td] = d
			sym = td
		case defEnum:
			e := &Enum{Name: d.name, File: f, Pos: d.pos, Doc: d.doc, Annotations: d.annots}
			for _, v := range d.values {
				e.Values = append(e.Values, &EnumValue{Name: v.name, Value: int32(v.value), Pos: v.pos, Doc: v.doc, Annotations: v.annots})
			}
			f.Enums = append(f.Enums, e)
			c.enums[e] = d
			sym = e
		case defStruct, defUnion, defException:
			kind := map[defKind]StructKind{defStruct: StructKindStruct, defUnion: StructKindUnion, defException: StructKindException}[d.kind]
			s := &Struct{Name: d.name, Kind: kind, File: f, Pos: d.pos, Doc: d.doc, Annotations: d.annots}
			f.Structs = append(f.Structs, s)
			c.structs[s] = d
			sym = s
		case defService:
			s := &Service{Name: d.name, File: f, Pos: d.pos, Doc: d.doc, Annotations: d.annots}
			f.Services = append(f.Services, s)
			c.services[s] = d
			sym = s
		}
		if prev, dup := firstPos[d.name]; dup {
			c.errorf(d.pos, "duplicate definition %q (first defined at %s)", d.name, prev)
			continue
		}
		firstPos[d.name] = d.pos
		lf.syms[d.name] = sym
	}
}

// lookup finds the definition a (possibly include-qualified) name refers
// to from file lf. As in Apache Thrift, only the file's own definitions and
// those of the files it includes directly, prefixed with the included
// file's name, are visible.
func (c *checker) lookup(lf *loadedFile, name string) (any, bool) {
	if sym, ok := lf.syms[name]; ok {
		return sym, true
	}
	for _, inc := range lf.incFiles {
		if inc == nil || inc.syms == nil {
			continue
		}
		prefix := inc.file.Name + "."
		if strings.HasPrefix(name, prefix) {
			if sym, ok := inc.syms[name[len(prefix):]]; ok {
				return sym, true
			}
		}
	}
	return nil, false
}

// resolveTypes fills every type of one file's definitions.
func (c *checker) resolveTypes(lf *loadedFile) {
	f := lf.file
	for _, td := range f.Typedefs {
		td.Type = c.resolveType(lf, c.typedefs[td].typ)
		if td.Type == nil {
			c.broken[td] = true
		}
	}
	for _, k := range f.Constants {
		k.Type = c.resolveType(lf, c.consts[k].ast.typ)
	}
	for _, s := range f.Structs {
		s.Fields = c.makeFields(lf, c.structs[s].fields)
	}
	for _, s := range f.Services {
		d := c.services[s]
		for _, af := range d.funcs {
			fn := &Function{Name: af.name, Oneway: af.oneway, Pos: af.pos, Doc: af.doc, Annotations: af.annots}
			if af.result != nil {
				fn.Result = c.resolveType(lf, af.result)
			}
			fn.Args = c.makeFields(lf, af.args)
			fn.Throws = c.makeFields(lf, af.throws)
			s.Functions = append(s.Functions, fn)
		}
	}
}

func (c *checker) makeFields(lf *loadedFile, afs []*astField) []*Field {
	var fs []*Field
	for _, af := range afs {
		f := &Field{
			ID: int16(af.id), ExplicitID: af.hasID, Name: af.name,
			Type: c.resolveType(lf, af.typ), Requiredness: af.req,
			Pos: af.pos, Doc: af.doc, Annotations: af.annots,
		}
		c.fieldAsts[f] = af
		fs = append(fs, f)
	}
	return fs
}

// resolveType builds the model type for a written type; nil (with the
// error reported) when some name in it is undefined.
func (c *checker) resolveType(lf *loadedFile, at *astType) *Type {
	t := &Type{Annotations: at.annots}
	switch at.name {
	case "list", "set":
		t.Kind = KindList
		if at.name == "set" {
			t.Kind = KindSet
		}
		if t.Elem = c.resolveType(lf, at.elem); t.Elem == nil {
			return nil
		}
		return t
	case "map":
		t.Kind = KindMap
		t.Key = c.resolveType(lf, at.key)
		t.Elem = c.resolveType(lf, at.elem)
		if t.Key == nil || t.Elem == nil {
			return nil
		}
		return t
	}
	if k, ok := baseTypes[at.name]; ok {
		t.Kind = k
		return t
	}
	sym, ok := c.lookup(lf, at.name)
	if !ok {
		c.errorf(at.pos, "undefined type %q", at.name)
		return nil
	}
	switch s := sym.(type) {
	case *Typedef:
		t.Kind, t.Typedef = KindTypedef, s
	case *Enum:
		t.Kind, t.Enum = KindEnum, s
	case *Struct:
		t.Kind, t.Struct = KindStruct, s
	default:
		c.errorf(at.pos, "%q is not a type", at.name)
		return nil
	}
	return t
}

// under follows typedefs like Type.Resolve, but returns nil instead of
// looping forever or dereferencing nil on a broken chain.
func (c *checker) under(t *Type) *Type {
	for i := 0; t != nil && t.Kind == KindTypedef; i++ {
		if c.broken[t.Typedef] || i > 1000 {
			return nil
		}
		t = t.Typedef.Type
	}
	return t
}

// checkTypedefChain reports a typedef that, through other typedefs, aliases
// itself (Type.Resolve would never return).
func (c *checker) checkTypedefChain(td *Typedef) {
	var chain []string
	seen := map[*Typedef]bool{}
	for cur := td; cur != nil; {
		if seen[cur] {
			if cur == td {
				chain = append(chain, cur.Name)
				c.errorf(td.Pos, "typedef cycle: %s", strings.Join(chain, " -> "))
			}
			c.broken[td] = true
			return
		}
		seen[cur] = true
		chain = append(chain, cur.Name)
		if cur.Type == nil || cur.Type.Kind != KindTypedef {
			return
		}
		cur = cur.Type.Typedef
	}
}

// checkEnum fills implicit values (previous+1, the first 0, as Apache
// does) and checks names and ranges.
func (c *checker) checkEnum(e *Enum) {
	ad := c.enums[e]
	first := map[string]Pos{}
	next := int64(0)
	for i, v := range e.Values {
		av := ad.values[i]
		val := next
		pos := v.Pos
		if av.hasValue {
			val, pos = av.value, av.valuePos
		}
		if val < math.MinInt32 || val > math.MaxInt32 {
			c.errorf(pos, "enum value %s = %d out of range for i32", v.Name, val)
		}
		v.Value = int32(val)
		next = val + 1
		if p, dup := first[v.Name]; dup {
			c.errorf(v.Pos, "duplicate enum value %q in enum %q (first at %s)", v.Name, e.Name, p)
		} else {
			first[v.Name] = v.Pos
		}
	}
}

// checkFields checks one field list (a struct's, a function's arguments or
// its throws) and assigns implicit ids the way Apache Thrift 0.17 does: a
// field without an id, or with an id <= 0, gets -1, -2, ... in declaration
// order, with a warning.
func (c *checker) checkFields(fs []*Field, owner string, union bool) {
	implicit := int64(0)
	type first struct {
		name string
		pos  Pos
	}
	ids := map[int16]first{}
	names := map[string]Pos{}
	for _, f := range fs {
		af := c.fieldAsts[f]
		switch {
		case !af.hasID:
			implicit--
			f.ID, f.ExplicitID = int16(implicit), false
			c.warnf(f.Pos, "field %q in %s has no id: Apache Thrift assigns implicit id %d; give it an explicit id", f.Name, owner, implicit)
		case af.id <= 0:
			implicit--
			f.ID, f.ExplicitID = int16(implicit), false
			c.warnf(af.idPos, "field id %d of %q in %s is not positive: Apache Thrift ignores it and assigns implicit id %d", af.id, f.Name, owner, implicit)
		case af.id > math.MaxInt16:
			c.errorf(af.idPos, "field id %d out of range for i16", af.id)
			continue
		default:
			f.ID, f.ExplicitID = int16(af.id), true
		}
		idPos := af.idPos
		if !af.hasID {
			idPos = f.Pos
		}
		if p, dup := ids[f.ID]; dup {
			c.errorf(idPos, "duplicate field id %d in %s (first used by %q at %s)", f.ID, owner, p.name, p.pos)
		} else {
			ids[f.ID] = first{f.Name, idPos}
		}
		if p, dup := names[f.Name]; dup {
			c.errorf(f.Pos, "duplicate field name %q in %s (first at %s)", f.Name, owner, p)
		} else {
			names[f.Name] = f.Pos
		}
		if union && f.Requiredness == RequirednessRequired {
			c.warnf(af.reqPos, "field %q of %s is required: Apache Thrift ignores this and makes union fields optional", f.Name, owner)
			f.Requiredness = RequirednessOptional
		}
	}
}

// resolveExtends links a service to the one it extends.
func (c *checker) resolveExtends(s *Service) {
	d := c.services[s]
	if d.extends == "" {
		return
	}
	sym, ok := c.lookup(c.byFile[s.File], d.extends)
	switch base, isSvc := sym.(*Service); {
	case !ok:
		c.errorf(d.extPos, "undefined service %q", d.extends)
	case !isSvc:
		c.errorf(d.extPos, "%q is not a service", d.extends)
	default:
		s.Extends = base
	}
}

func (c *checker) checkService(s *Service) {
	d := c.services[s]
	// An extends cycle would make the generator loop; report it once, at
	// the first service of the cycle, and cut it there.
	seen := map[*Service]bool{s: true}
	chain := []string{s.Name}
	for b := s.Extends; b != nil; b = b.Extends {
		chain = append(chain, b.Name)
		if b == s {
			c.errorf(d.extPos, "service inheritance cycle: %s", strings.Join(chain, " -> "))
			s.Extends = nil
			break
		}
		if seen[b] {
			break
		}
		seen[b] = true
	}
	names := map[string]Pos{}
	for i, fn := range s.Functions {
		af := d.funcs[i]
		if p, dup := names[fn.Name]; dup {
			c.errorf(fn.Pos, "duplicate function %q in service %q (first at %s)", fn.Name, s.Name, p)
		} else {
			names[fn.Name] = fn.Pos
			seen := map[*Service]bool{}
			for b := s.Extends; b != nil && !seen[b]; b = b.Extends {
				seen[b] = true
				for _, bf := range b.Functions {
					if bf.Name == fn.Name {
						c.errorf(fn.Pos, "function %q in service %q is already defined in inherited service %q (at %s)", fn.Name, s.Name, b.Name, bf.Pos)
					}
				}
			}
		}
		owner := fmt.Sprintf("function %q", s.Name+"."+fn.Name)
		c.checkFields(fn.Args, "arguments of "+owner, false)
		c.checkFields(fn.Throws, "throws of "+owner, false)
		if fn.Oneway && af.result != nil {
			c.errorf(af.result.pos, "oneway function %q must return void", fn.Name)
		}
		if fn.Oneway && len(fn.Throws) > 0 {
			c.errorf(fn.Throws[0].Pos, "oneway function %q cannot throw exceptions", fn.Name)
		}
		for _, th := range fn.Throws {
			u := c.under(th.Type)
			if th.Type != nil && u != nil && (u.Kind != KindStruct || u.Struct.Kind != StructKindException) {
				c.errorf(c.fieldAsts[th].typ.pos, "throws type %q is not an exception", c.fieldAsts[th].typ.name)
			}
		}
	}
}

// checkDefaults checks the default values of fields against their types.
func (c *checker) checkDefaults(lf *loadedFile, fs []*Field) {
	for _, f := range fs {
		af := c.fieldAsts[f]
		if af.def == nil || f.Type == nil || c.under(f.Type) == nil {
			continue // no default, or a type already reported undefined
		}
		f.Default = c.value(lf, af.def, f.Type, &c.errs)
	}
}

// checkConst checks a constant's value, first checking the constants it
// refers to.
func (c *checker) checkConst(k *Const) bool {
	st := c.consts[k]
	switch st.state {
	case 1:
		c.errorf(k.Pos, "constant %q refers to itself", k.Name)
		st.state = 2
		return false
	case 2:
		return st.ok
	}
	st.state = 1
	if k.Type == nil || c.under(k.Type) == nil {
		st.state = 2
		return false
	}
	n := len(c.errs)
	v := c.value(st.lf, st.ast.value, k.Type, &c.errs)
	if st.state == 2 { // a cycle was reported while checking
		return false
	}
	st.state = 2
	st.ok = len(c.errs) == n
	k.Value = v
	return st.ok
}
