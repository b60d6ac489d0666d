// Package breaking compares two versions of Thrift IDL and reports the
// changes that break peers on the wire or callers of the generated Go code,
// each at its position in the new IDL. It is behind `thriftsec-gen
// breaking`.
//
// Files of the two versions are paired by file name (the name without
// ".thrift", which is also the IDL's prefix for included definitions), and
// definitions by name. The rules:
//
// Wire (a peer built from the old IDL misreads or fails calls):
//   - a field id whose type changes on the wire (binary and string, and an
//     enum and i32, are the same on the wire);
//   - a field id reused by a field of another name (a removed field's id
//     given to a new one);
//   - a field made required, or a new required field;
//   - a removed service or method, or a renamed service (a service whose
//     methods reappear under another name: multiplexed peers address
//     services by name);
//   - a method whose argument ids or types, result type, declared
//     exceptions or oneway-ness change;
//   - an enum value removed or renumbered.
//
// Go API (code generated from the new IDL no longer compiles against code
// written for the old): a field, struct, enum or typedef renamed or
// removed, a type that changes in Go only (string and binary), arguments
// added, and a changed `namespace go` (the import path).
package breaking

import (
	"fmt"
	"sort"

	"github.com/thriftsec/thriftsec/parser"
)

// Kind tells what a change breaks.
type Kind int

const (
	// Wire changes break peers built from the old IDL.
	Wire Kind = iota + 1
	// GoAPI changes break Go code written against the old generated code.
	GoAPI
)

func (k Kind) String() string {
	if k == Wire {
		return "wire"
	}
	return "Go API"
}

// Change is one breaking change, positioned in the new IDL.
type Change struct {
	Pos  parser.Pos
	Kind Kind
	Msg  string
}

func (c Change) String() string { return fmt.Sprintf("%s: %s: %s", c.Pos, c.Kind, c.Msg) }

// Compare reports the breaking changes from old to new, sorted by
// position. Files of old that new lacks are ignored (a file is split or
// moved; its definitions are then reported where they went missing only
// if new has a file of the same name).
func Compare(old, new *parser.Program) []Change {
	c := &comparer{}
	oldFiles := map[string]*parser.File{}
	for _, f := range old.Files {
		oldFiles[f.Name] = f
	}
	for _, nf := range new.Files {
		if of := oldFiles[nf.Name]; of != nil {
			c.file(of, nf)
		}
	}
	sort.SliceStable(c.out, func(i, j int) bool {
		a, b := c.out[i].Pos, c.out[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.out
}

type comparer struct{ out []Change }

func (c *comparer) add(pos parser.Pos, k Kind, format string, args ...any) {
	c.out = append(c.out, Change{pos, k, fmt.Sprintf(format, args...)})
}

func filePos(f *parser.File) parser.Pos { return parser.Pos{File: f.Path, Line: 1, Col: 1} }

func (c *comparer) file(of, nf *parser.File) {
	if o, n := of.Namespace("go"), nf.Namespace("go"); o != n {
		pos := filePos(nf)
		for _, ns := range nf.Namespaces {
			if ns.Lang == "go" {
				pos = ns.Pos
			}
		}
		c.add(pos, GoAPI, "namespace go changed from %q to %q: the generated package's import path changes", o, n)
	}
	c.enums(of, nf)
	c.structs(of, nf)
	c.services(of, nf)
	newTypedefs := map[string]bool{}
	for _, t := range nf.Typedefs {
		newTypedefs[t.Name] = true
	}
	for _, t := range of.Typedefs {
		if !newTypedefs[t.Name] {
			c.add(filePos(nf), GoAPI, "typedef %q removed", t.Name)
		}
	}
}

func (c *comparer) enums(of, nf *parser.File) {
	newEnums := map[string]*parser.Enum{}
	for _, e := range nf.Enums {
		newEnums[e.Name] = e
	}
	for _, oe := range of.Enums {
		ne := newEnums[oe.Name]
		if ne == nil {
			c.add(filePos(nf), GoAPI, "enum %q removed", oe.Name)
			continue
		}
		values := map[string]*parser.EnumValue{}
		for _, v := range ne.Values {
			values[v.Name] = v
		}
		for _, ov := range oe.Values {
			nv := values[ov.Name]
			switch {
			case nv == nil:
				c.add(ne.Pos, Wire, "enum value %s.%s (%d) removed: peers may still send it", oe.Name, ov.Name, ov.Value)
			case nv.Value != ov.Value:
				c.add(nv.Pos, Wire, "enum value %s.%s renumbered from %d to %d", oe.Name, ov.Name, ov.Value, nv.Value)
			}
		}
	}
}

func (c *comparer) structs(of, nf *parser.File) {
	newStructs := map[string]*parser.Struct{}
	for _, s := range nf.Structs {
		newStructs[s.Name] = s
	}
	for _, os := range of.Structs {
		ns := newStructs[os.Name]
		if ns == nil {
			c.add(filePos(nf), GoAPI, "%s %q removed", os.Kind, os.Name)
			continue
		}
		c.fields(fmt.Sprintf("%s %q", ns.Kind, ns.Name), ns.Pos, os.Fields, ns.Fields, false)
	}
}

// fields compares two field lists by id. args reports argument lists,
// where any change of ids or types breaks calls.
func (c *comparer) fields(owner string, ownerPos parser.Pos, old, new []*parser.Field, args bool) {
	noun := "field"
	if args {
		noun = "argument"
	}
	byID := map[int16]*parser.Field{}
	for _, f := range new {
		byID[f.ID] = f
	}
	oldIDs := map[int16]bool{}
	for _, of := range old {
		oldIDs[of.ID] = true
		nf := byID[of.ID]
		if nf == nil {
			if args {
				c.add(ownerPos, Wire, "%s: argument %d %q removed or given another id", owner, of.ID, of.Name)
			} else {
				c.add(ownerPos, GoAPI, "%s: field %d %q removed (keep its id reserved: reusing it breaks the wire)", owner, of.ID, of.Name)
			}
			continue
		}
		ow, nw := wireType(of.Type), wireType(nf.Type)
		switch {
		case ow != nw:
			c.add(nf.Pos, Wire, "%s: %s %d %q changed type from %s to %s", owner, noun, of.ID, of.Name, ow, nw)
		case of.Type.String() != nf.Type.String():
			c.add(nf.Pos, GoAPI, "%s: %s %d %q changed Go type from %s to %s (same on the wire)", owner, noun, of.ID, of.Name, of.Type, nf.Type)
		}
		if of.Name != nf.Name {
			if args {
				// Argument names are not on the wire or in callers' code.
			} else if ow == nw {
				c.add(nf.Pos, Wire, "%s: field id %d reused: was %q, now %q; peers built from the old IDL read one as the other", owner, of.ID, of.Name, nf.Name)
			}
		}
		if nf.Requiredness == parser.RequirednessRequired && of.Requiredness != parser.RequirednessRequired {
			c.add(nf.Pos, Wire, "%s: %s %d %q made required: peers built from the old IDL may leave it out", owner, noun, nf.ID, nf.Name)
		}
	}
	for _, nf := range new {
		if oldIDs[nf.ID] {
			continue
		}
		switch {
		case nf.Requiredness == parser.RequirednessRequired:
			c.add(nf.Pos, Wire, "%s: new required %s %d %q: peers built from the old IDL do not send it", owner, noun, nf.ID, nf.Name)
		case args:
			c.add(nf.Pos, GoAPI, "%s: argument %d %q added: the Go method signature changes", owner, nf.ID, nf.Name)
		}
	}
}

func (c *comparer) services(of, nf *parser.File) {
	newServices := map[string]*parser.Service{}
	for _, s := range nf.Services {
		newServices[s.Name] = s
	}
	oldServices := map[string]bool{}
	for _, s := range of.Services {
		oldServices[s.Name] = true
	}
	for _, os := range of.Services {
		ns := newServices[os.Name]
		if ns == nil {
			if to := renamedTo(os, nf, oldServices); to != nil {
				c.add(to.Pos, Wire, "service %q renamed to %q: multiplexed peers address services by name", os.Name, to.Name)
			} else {
				c.add(filePos(nf), Wire, "service %q removed", os.Name)
			}
			continue
		}
		fns := map[string]*parser.Function{}
		for _, f := range allFunctions(ns) {
			fns[f.Name] = f
		}
		for _, ofn := range allFunctions(os) {
			nfn := fns[ofn.Name]
			if nfn == nil {
				c.add(ns.Pos, Wire, "method %s.%s removed", os.Name, ofn.Name)
				continue
			}
			c.function(os.Name, ofn, nfn)
		}
	}
}

// renamedTo finds a new service, absent from the old file, that has every
// method of old.
func renamedTo(old *parser.Service, nf *parser.File, oldNames map[string]bool) *parser.Service {
	for _, s := range nf.Services {
		if oldNames[s.Name] {
			continue
		}
		have := map[string]bool{}
		for _, f := range allFunctions(s) {
			have[f.Name] = true
		}
		all := len(old.Functions) > 0
		for _, f := range old.Functions {
			all = all && have[f.Name]
		}
		if all {
			return s
		}
	}
	return nil
}

// allFunctions is a service's methods and those it inherits.
func allFunctions(s *parser.Service) []*parser.Function {
	var fs []*parser.Function
	for ; s != nil; s = s.Extends {
		fs = append(fs, s.Functions...)
	}
	return fs
}

func (c *comparer) function(service string, of, nf *parser.Function) {
	name := service + "." + of.Name
	if of.Oneway != nf.Oneway {
		c.add(nf.Pos, Wire, "method %s: oneway changed from %t to %t", name, of.Oneway, nf.Oneway)
	}
	ot, nt := "void", "void"
	if of.Result != nil {
		ot = wireType(of.Result)
	}
	if nf.Result != nil {
		nt = wireType(nf.Result)
	}
	if ot != nt {
		c.add(nf.Pos, Wire, "method %s: result changed from %s to %s", name, ot, nt)
	}
	c.fields("method "+name, nf.Pos, of.Args, nf.Args, true)
	oldEx := map[int16]*parser.Field{}
	for _, f := range of.Throws {
		oldEx[f.ID] = f
	}
	newEx := map[int16]*parser.Field{}
	for _, f := range nf.Throws {
		newEx[f.ID] = f
		if o := oldEx[f.ID]; o == nil {
			c.add(f.Pos, Wire, "method %s: exception %d %q (%s) added: peers built from the old IDL cannot read it", name, f.ID, f.Name, f.Type)
		} else if o.Type.String() != f.Type.String() {
			c.add(f.Pos, Wire, "method %s: exception %d changed from %s to %s", name, f.ID, o.Type, f.Type)
		}
	}
	for _, f := range of.Throws {
		if newEx[f.ID] == nil {
			c.add(nf.Pos, Wire, "method %s: exception %d %q (%s) removed", name, f.ID, f.Name, f.Type)
		}
	}
}

// wireType names a type as the binary protocol sees it: typedefs resolved,
// enums as i32, binary as string, structs by name.
func wireType(t *parser.Type) string {
	t = t.Resolve()
	switch t.Kind {
	case parser.KindEnum:
		return "i32"
	case parser.KindBinary:
		return "string"
	case parser.KindList:
		return "list<" + wireType(t.Elem) + ">"
	case parser.KindSet:
		return "set<" + wireType(t.Elem) + ">"
	case parser.KindMap:
		return "map<" + wireType(t.Key) + "," + wireType(t.Elem) + ">"
	case parser.KindStruct:
		return "struct " + t.Struct.Name
	}
	return t.Kind.String()
}
