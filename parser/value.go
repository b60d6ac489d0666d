package parser

import (
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// intRanges are the bounds of the integer kinds.
var intRanges = map[Kind][2]int64{
	KindI8:  {math.MinInt8, math.MaxInt8},
	KindI16: {math.MinInt16, math.MaxInt16},
	KindI32: {math.MinInt32, math.MaxInt32},
	KindI64: {math.MinInt64, math.MaxInt64},
}

// describe names a written value in messages.
func describe(v *astValue) string {
	switch v.kind {
	case valInt:
		return "integer " + v.raw
	case valDouble:
		return "double " + v.raw
	case valString:
		return "string " + v.raw
	case valIdent:
		return strconv.Quote(v.s)
	case valList:
		return "list literal"
	}
	return "map literal"
}

// value checks the written value v against type t (as seen from file lf)
// and returns the checked value. Problems go to errs, so that a caller can
// check quietly; the returned value is then partial.
func (c *checker) value(lf *loadedFile, v *astValue, t *Type, errs *ErrorList) *Value {
	out := &Value{Type: t, Pos: v.pos}
	fail := func(format string, args ...any) *Value {
		*errs = append(*errs, &Error{v.pos, fmt.Sprintf(format, args...)})
		return out
	}
	u := c.under(t)
	if u == nil {
		return out
	}
	if v.kind == valIdent {
		return c.identValue(lf, v, t, u, out, errs)
	}
	mismatch := func() *Value { return fail("cannot use %s as %s", describe(v), t) }
	switch u.Kind {
	case KindBool:
		if v.kind != valInt {
			return mismatch()
		}
		// Apache reads true and false as 1 and 0 and accepts any
		// integer; we accept only those two.
		if v.i != 0 && v.i != 1 {
			return fail("value %s out of range for bool (0 or 1)", v.raw)
		}
		out.Bool = v.i == 1
	case KindI8, KindI16, KindI32, KindI64:
		if v.kind != valInt {
			return mismatch()
		}
		r := intRanges[u.Kind]
		if v.i < r[0] || v.i > r[1] {
			return fail("value %s out of range for %s", v.raw, u.Kind)
		}
		out.Int = v.i
	case KindDouble:
		switch v.kind {
		case valInt:
			out.Double = float64(v.i)
		case valDouble:
			out.Double = v.f
		default:
			return mismatch()
		}
	case KindString, KindBinary:
		if v.kind != valString {
			return mismatch()
		}
		out.String = v.s
	case KindUUID:
		if v.kind != valString {
			return mismatch()
		}
		id, ok := parseUUID(v.s)
		if !ok {
			return fail("invalid uuid %s: want the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", v.raw)
		}
		out.UUID = id
	case KindEnum:
		if v.kind != valInt {
			return mismatch()
		}
		out.Int = v.i
		for _, ev := range u.Enum.Values {
			if int64(ev.Value) == v.i {
				out.EnumValue = ev
				break
			}
		}
		if out.EnumValue == nil {
			// Apache: "Couldn't find a named value in enum".
			return fail("enum %q has no value %s", u.Enum.Name, v.raw)
		}
	case KindList, KindSet:
		// Apache also takes an empty "{}" for a list or set.
		if v.kind != valList && !(v.kind == valMap && len(v.keys) == 0) {
			return mismatch()
		}
		for _, e := range v.elems {
			out.Elems = append(out.Elems, c.value(lf, e, u.Elem, errs))
		}
	case KindMap:
		// Apache also takes an empty "[]" for a map.
		if v.kind != valMap && !(v.kind == valList && len(v.elems) == 0) {
			return mismatch()
		}
		seen := map[string]Pos{}
		for i, kv := range v.keys {
			k := c.value(lf, kv, u.Key, errs)
			val := c.value(lf, v.elems[i], u.Elem, errs)
			key := c.valueKey(k)
			if p, dup := seen[key]; dup && key != "" {
				*errs = append(*errs, &Error{kv.pos, fmt.Sprintf("duplicate map key %s (first at %s)", kv.raw, p)})
			} else {
				seen[key] = kv.pos
			}
			out.Entries = append(out.Entries, &MapEntry{Key: k, Value: val})
		}
	case KindStruct:
		if v.kind != valMap {
			return mismatch()
		}
		s := u.Struct
		seen := map[string]Pos{}
		for i, kv := range v.keys {
			if kv.kind != valString {
				*errs = append(*errs, &Error{kv.pos, fmt.Sprintf("struct literal key %s is not a field name string", kv.raw)})
				continue
			}
			var field *Field
			for _, f := range s.Fields {
				if f.Name == kv.s {
					field = f
				}
			}
			if field == nil {
				*errs = append(*errs, &Error{kv.pos, fmt.Sprintf("unknown field %q in %s %q", kv.s, s.Kind, s.Name)})
				continue
			}
			if p, dup := seen[kv.s]; dup {
				*errs = append(*errs, &Error{kv.pos, fmt.Sprintf("duplicate field %q in struct literal (first at %s)", kv.s, p)})
				continue
			}
			seen[kv.s] = kv.pos
			if field.Type == nil || c.under(field.Type) == nil {
				continue
			}
			out.Fields = append(out.Fields, &FieldValue{Field: field, Value: c.value(lf, v.elems[i], field.Type, errs)})
		}
	}
	return out
}

// identValue checks a value written as a name: an enum value ("Enum.NAME",
// "file.Enum.NAME") when t is an enum, else (or failing that) a constant.
func (c *checker) identValue(lf *loadedFile, v *astValue, t, u *Type, out *Value, errs *ErrorList) *Value {
	fail := func(format string, args ...any) *Value {
		*errs = append(*errs, &Error{v.pos, fmt.Sprintf(format, args...)})
		return out
	}
	if u.Kind == KindEnum {
		if dot := strings.LastIndexByte(v.s, '.'); dot > 0 {
			prefix, name := v.s[:dot], v.s[dot+1:]
			sym, resolved := c.lookup(lf, prefix)
			e, isEnum := sym.(*Enum)
			// Apache looks the name up in the declared enum whatever
			// the prefix names, even nothing: "E.V" for an included
			// "b.E" (Apache's Thrift5382.thrift) is b.E.V. Match it,
			// but say so when the prefix names something else.
			if isEnum || !resolved {
				for _, ev := range u.Enum.Values {
					if ev.Name == name {
						out.Int, out.EnumValue = int64(ev.Value), ev
						switch {
						case isEnum && e != u.Enum:
							c.warnf(v.pos, "%s names enum %q but the type is %q: Apache Thrift uses %s.%s (%d)", v.s, e.Name, u.Enum.Name, u.Enum.Name, name, ev.Value)
						case !resolved && prefix != u.Enum.Name:
							c.warnf(v.pos, "%s: %q names no enum; Apache Thrift uses %s.%s (%d) of the declared type", v.s, prefix, u.Enum.Name, name, ev.Value)
						}
						return out
					}
				}
				if isEnum || prefix == u.Enum.Name {
					return fail("enum %q has no value %q", u.Enum.Name, name)
				}
			}
		}
	}
	sym, ok := c.lookup(lf, v.s)
	if !ok {
		if u.Kind.isInteger() {
			// An enum value where an integer is wanted is its number,
			// as in Apache ("const i32 TWO = Stuff.TWO" is 2).
			if ev := c.enumValue(lf, v.s); ev != nil {
				r := intRanges[u.Kind]
				if int64(ev.Value) < r[0] || int64(ev.Value) > r[1] {
					return fail("value %s (%d) out of range for %s", v.s, ev.Value, u.Kind)
				}
				out.Int = int64(ev.Value)
				return out
			}
		}
		if u.Kind == KindEnum && !strings.Contains(v.s, ".") {
			for _, ev := range u.Enum.Values {
				if ev.Name == v.s {
					// Apache: "identifier X is unqualified!".
					return fail("enum value %q must be qualified: %s.%s", v.s, u.Enum.Name, v.s)
				}
			}
		}
		return fail("undefined constant %q", v.s)
	}
	k, isConst := sym.(*Const)
	if !isConst {
		return fail("%q is not a constant", v.s)
	}
	if !c.checkConst(k) {
		return out // already reported at the constant
	}
	// Check the referenced constant's own text against the type wanted
	// here: that applies the same rules (ranges, enum membership, struct
	// fields) as writing the value in place. Its failure is reported
	// once, here.
	st := c.consts[k]
	var quiet ErrorList
	ref := c.value(st.lf, st.ast.value, t, &quiet)
	ku := c.under(k.Type)
	if len(quiet) > 0 || !c.sameNominal(ku, u) {
		return fail("cannot use constant %q (%s) as %s", v.s, k.Type, t)
	}
	ref.Type, ref.Ref, ref.Pos = t, k, v.pos
	return ref
}

// enumValue resolves "Enum.VALUE" or "file.Enum.VALUE" to the value it
// names, or nil.
func (c *checker) enumValue(lf *loadedFile, name string) *EnumValue {
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 {
		return nil
	}
	sym, _ := c.lookup(lf, name[:dot])
	e, ok := sym.(*Enum)
	if !ok {
		return nil
	}
	for _, ev := range e.Values {
		if ev.Name == name[dot+1:] {
			return ev
		}
	}
	return nil
}

// sameNominal reports whether two resolved types agree on the enum or
// struct they name, if either names one.
func (c *checker) sameNominal(a, b *Type) bool {
	if a == nil || b == nil {
		return false
	}
	if a.Kind == KindEnum || b.Kind == KindEnum {
		return a.Kind == b.Kind && a.Enum == b.Enum
	}
	if a.Kind == KindStruct || b.Kind == KindStruct {
		return a.Kind == b.Kind && a.Struct == b.Struct
	}
	if a.Kind.IsContainer() && a.Kind == b.Kind {
		if a.Key != nil && b.Key != nil && !c.sameNominal(c.under(a.Key), c.under(b.Key)) {
			return false
		}
		return c.sameNominal(c.under(a.Elem), c.under(b.Elem))
	}
	return true
}

// valueKey renders a checked value canonically, to find duplicate map keys.
func (c *checker) valueKey(v *Value) string {
	u := c.under(v.Type)
	if u == nil {
		return ""
	}
	switch u.Kind {
	case KindBool:
		return strconv.FormatBool(v.Bool)
	case KindI8, KindI16, KindI32, KindI64, KindEnum:
		return strconv.FormatInt(v.Int, 10)
	case KindDouble:
		return strconv.FormatFloat(v.Double, 'g', -1, 64)
	case KindString, KindBinary:
		return strconv.Quote(v.String)
	case KindUUID:
		return hex.EncodeToString(v.UUID[:])
	case KindList, KindSet:
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = c.valueKey(e)
		}
		if u.Kind == KindSet {
			sort.Strings(parts)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case KindMap:
		parts := make([]string, len(v.Entries))
		for i, e := range v.Entries {
			parts[i] = c.valueKey(e.Key) + ":" + c.valueKey(e.Value)
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	case KindStruct:
		parts := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			parts[i] = f.Field.Name + ":" + c.valueKey(f.Value)
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	}
	return ""
}

// parseUUID parses the canonical 8-4-4-4-12 hexadecimal form.
func parseUUID(s string) ([16]byte, bool) {
	var id [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, false
	}
	return id, true
}
