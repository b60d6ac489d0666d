package parser

import (
	"fmt"
	"strconv"
	"strings"
)

// dump renders a Program compactly, one line per node, every field of the
// model shown, so that a golden comparison covers the whole model.
func dump(p *Program) string {
	var b strings.Builder
	w := func(depth int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", depth))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	for _, r := range p.Roots {
		w(0, "root %s", r.Path)
	}
	for _, x := range p.Warnings {
		w(0, "warning %s", x)
	}
	for _, f := range p.Files {
		w(0, "file %s name=%s abs=%t doc=%q", f.Path, f.Name, f.AbsPath != "" && strings.HasSuffix(f.AbsPath, f.Path), f.Doc)
		for _, inc := range f.Includes {
			w(1, "include %q -> %s @%s", inc.Path, inc.File.Path, inc.Pos)
		}
		for _, ns := range f.Namespaces {
			w(1, "namespace %s %s @%s", ns.Lang, ns.Name, ns.Pos)
		}
		for _, td := range f.Typedefs {
			w(1, "typedef %s = %s @%s doc=%q%s", td.Name, dumpType(td.Type), td.Pos, td.Doc, dumpAnn(td.Annotations))
		}
		for _, e := range f.Enums {
			w(1, "enum %s @%s doc=%q%s", e.Name, e.Pos, e.Doc, dumpAnn(e.Annotations))
			for _, v := range e.Values {
				w(2, "%s = %d @%s doc=%q%s", v.Name, v.Value, v.Pos, v.Doc, dumpAnn(v.Annotations))
			}
		}
		for _, k := range f.Constants {
			w(1, "const %s %s @%s doc=%q", dumpType(k.Type), k.Name, k.Pos, k.Doc)
			dumpValue(w, 2, k.Value)
		}
		for _, s := range f.Structs {
			w(1, "%s %s @%s doc=%q%s", s.Kind, s.Name, s.Pos, s.Doc, dumpAnn(s.Annotations))
			dumpFields(w, 2, "field", s.Fields)
		}
		for _, s := range f.Services {
			ext := ""
			if s.Extends != nil {
				ext = " extends " + s.Extends.File.Name + "." + s.Extends.Name
			}
			w(1, "service %s%s @%s doc=%q%s", s.Name, ext, s.Pos, s.Doc, dumpAnn(s.Annotations))
			for _, fn := range s.Functions {
				res := "void"
				if fn.Result != nil {
					res = dumpType(fn.Result)
				}
				w(2, "func %s oneway=%t result=%s @%s doc=%q%s", fn.Name, fn.Oneway, res, fn.Pos, fn.Doc, dumpAnn(fn.Annotations))
				dumpFields(w, 3, "arg", fn.Args)
				dumpFields(w, 3, "throws", fn.Throws)
			}
		}
	}
	return b.String()
}

func dumpFields(w func(int, string, ...any), depth int, what string, fs []*Field) {
	for _, f := range fs {
		w(depth, "%s %d explicit=%t %s %s %s @%s doc=%q%s", what, f.ID, f.ExplicitID, f.Requiredness, dumpType(f.Type), f.Name, f.Pos, f.Doc, dumpAnn(f.Annotations))
		if f.Default != nil {
			dumpValue(w, depth+1, f.Default)
		}
	}
}

func dumpType(t *Type) string {
	s := t.String()
	if t.Kind == KindTypedef {
		s += "(=" + dumpType(t.Typedef.Type) + ")"
	}
	if t.Elem != nil {
		s = t.Kind.String() + "<"
		if t.Key != nil {
			s += dumpType(t.Key) + ","
		}
		s += dumpType(t.Elem) + ">"
	}
	return s + dumpAnn(t.Annotations)
}

func dumpAnn(as Annotations) string {
	if len(as) == 0 {
		return ""
	}
	var parts []string
	for _, a := range as {
		parts = append(parts, a.Key+"="+strings.Join(a.Values, "|"))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func dumpValue(w func(int, string, ...any), depth int, v *Value) {
	head := "value " + dumpType(v.Type) + " @" + v.Pos.String()
	if v.Ref != nil {
		head += " ref=" + v.Ref.Name
	}
	switch v.Type.Resolve().Kind {
	case KindBool:
		w(depth, "%s %t", head, v.Bool)
	case KindI8, KindI16, KindI32, KindI64:
		w(depth, "%s %d", head, v.Int)
	case KindEnum:
		name := "<none>"
		if v.EnumValue != nil {
			name = v.EnumValue.Name
		}
		w(depth, "%s %d (%s)", head, v.Int, name)
	case KindDouble:
		w(depth, "%s %s", head, strconv.FormatFloat(v.Double, 'g', -1, 64))
	case KindString, KindBinary:
		w(depth, "%s %q", head, v.String)
	case KindUUID:
		w(depth, "%s %x", head, v.UUID)
	case KindList, KindSet:
		w(depth, "%s", head)
		for _, e := range v.Elems {
			dumpValue(w, depth+1, e)
		}
	case KindMap:
		w(depth, "%s", head)
		for _, e := range v.Entries {
			dumpValue(w, depth+1, e.Key)
			dumpValue(w, depth+2, e.Value)
		}
	case KindStruct:
		w(depth, "%s", head)
		for _, f := range v.Fields {
			w(depth+1, "%s:", f.Field.Name)
			dumpValue(w, depth+2, f.Value)
		}
	}
}
