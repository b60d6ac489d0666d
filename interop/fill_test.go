package interop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/thriftsec/thriftsec/interop/gen/registry"
)

// The filler builds random values of the generated Go types by reflection,
// the same way for Apache's types and for ours. It only builds values that
// BOTH libraries can represent and that survive a round trip through each
// library's own representation; every rule below that narrows the random
// space names the representational difference it accommodates:
//
//  1. Both write a nil struct of default requiredness (and a nil struct
//     element of a container) as an empty struct ({}), which reads back as
//     a non-nil struct: struct fields that are not optional, and struct
//     elements of containers, are therefore always non-nil so that values
//     compare equal after a round trip (TestNilStructField pins the bytes).
//  2. Apache keeps an optional scalar or string with a default as a
//     non-pointer and treats "equal to the default" as unset, so it can never
//     send such a field with its default value; ours (a pointer) can. When
//     filling OUR types, a set optional-with-default scalar never equals its
//     default. (When filling Apache's, a value equal to the default simply
//     means unset, which ours then reads as nil: no restriction needed.)
//  3. Apache's Go enums are int64 but go on the wire as i32, so enum values
//     stay within int32. Mostly declared values, sometimes any int32 (both
//     sides accept undeclared values on the wire).
//  4. Apache's Write rejects a set with equal elements ("slice is not
//     unique"); ours writes whatever the slice holds. Every slice (list or
//     set: the Go types do not tell them apart) gets distinct elements.
//  5. Apache's union Write requires exactly one member set, as does ours;
//     unions get exactly one.
//  6. Results of service methods (…Result) have at most one member set, as
//     a server writes them; exception members of results are "default"
//     requiredness in both, but both write them only when non-nil.
//  7. nil and empty containers and binaries of non-optional fields go on
//     the wire the same (empty), and Apache reads them back as empty
//     non-nil: values are compared with cmpopts.EquateEmpty (for optional
//     fields presence is still checked, by the byte comparison).
//  8. NaN doubles never equal themselves: compared with EquateNaNs, and
//     never used as map keys.
//  9. Apache's Go generator cannot emit maps with non-scalar keys, uuid, or
//     typedefs of structs across packages (it emits `type T *S` and then
//     code that does not compile): the IDL avoids them; ours has golden
//     tests for them.
type filler struct {
	r      *rand.Rand
	ours   bool // filling thriftsec's types (else Apache's)
	maxMap int  // most entries per map: 1 where bytes must be identical
	// maxDepth is the nesting beyond which optional fields stay unset and
	// containers empty, so that recursive types terminate.
	maxDepth int
	// validUTF8 makes strings valid UTF-8, for the JSON protocol, which
	// (in every library) carries only text in strings.
	validUTF8 bool
	// leaveEmpty names fields (by Go name) to leave unset or empty.
	leaveEmpty map[string]bool
}

// cmpOpts compares values of the same library after a round trip. Our
// maps with keys Go cannot hash are []runtime.Pair in wire order, and the
// order Apache writes a Go map in is random: pairs are compared sorted.
var cmpOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs(),
	cmp.FilterValues(func(x, y any) bool {
		// Both empty is EquateEmpty's case; two options must not overlap.
		return isPairSlice(x) && isPairSlice(y) && reflect.ValueOf(x).Len()+reflect.ValueOf(y).Len() > 0
	},
		cmpopts.AcyclicTransformer("sortPairs", sortPairs))}

func isPairSlice(x any) bool {
	t := reflect.TypeOf(x)
	return t != nil && t.Kind() == reflect.Slice && strings.HasPrefix(t.Elem().Name(), "Pair[")
}

// sortPairs returns a copy of a []runtime.Pair sorted by the printed key.
func sortPairs(x any) any {
	v := reflect.ValueOf(x)
	type kv struct {
		key string
		v   reflect.Value
	}
	s := make([]kv, v.Len())
	for i := range s {
		s[i] = kv{fmt.Sprint(v.Index(i).Field(0).Interface()), v.Index(i)}
	}
	slices.SortStableFunc(s, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	out := reflect.MakeSlice(v.Type(), 0, len(s))
	for _, e := range s {
		out = reflect.Append(out, e.v)
	}
	return out.Interface()
}

// fieldInfo is what the filler needs to know about one struct field.
type fieldInfo struct {
	index int
	id    int16
	req   string // "required", "optional" or "" (default requiredness)
}

// Apache's struct tags never say "optional", so requiredness is read from
// the tags of our type with the same name (both come from the same IDL).
var (
	pairOf     = map[reflect.Type]reflect.Type{} // Apache type -> ours
	fieldCache sync.Map                          // reflect.Type -> []fieldInfo
)

func init() {
	for _, p := range registry.Pairs {
		pairOf[p.Apache] = p.Ours
	}
}

func parseTag(sf reflect.StructField) (id int16, req string, ok bool) {
	tag, ok := sf.Tag.Lookup("thrift")
	if !ok {
		return 0, "", false
	}
	parts := strings.Split(tag, ",")
	if len(parts) < 2 {
		return 0, "", false
	}
	n, err := strconv.ParseInt(parts[1], 10, 16)
	if err != nil {
		return 0, "", false
	}
	if len(parts) > 2 {
		req = parts[2]
	}
	return int16(n), req, true
}

func fieldsOf(t reflect.Type) []fieldInfo {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]fieldInfo)
	}
	reqs := map[int16]string{}
	if ot, ok := pairOf[t]; ok {
		for i := range ot.NumField() {
			if id, req, ok := parseTag(ot.Field(i)); ok {
				reqs[id] = req
			}
		}
	}
	var fs []fieldInfo
	for i := range t.NumField() {
		id, req, ok := parseTag(t.Field(i))
		if !ok {
			continue
		}
		if r, ok := reqs[id]; ok {
			req = r
		}
		fs = append(fs, fieldInfo{index: i, id: id, req: req})
	}
	// Rule 6: members of a method's result are optional in effect.
	if strings.HasSuffix(t.Name(), "Result") {
		for i := range fs {
			fs[i].req = "result"
		}
	}
	fieldCache.Store(t, fs)
	return fs
}

// newStruct returns a *T for the struct type t, made by the generated
// constructor (so IDL defaults are in place) and filled.
func (f *filler) newStruct(t reflect.Type, depth int) reflect.Value {
	var p reflect.Value
	if ctor := registry.Constructors[t]; ctor != nil {
		p = ctor()
	} else {
		p = reflect.New(t)
	}
	f.fillStruct(p.Elem(), depth)
	return p
}

func (f *filler) fillStruct(v reflect.Value, depth int) {
	t := v.Type()
	fs := fieldsOf(t)
	if registry.Unions[t] || (len(fs) > 0 && fs[0].req == "result") {
		// Rules 5 and 6: exactly one member of a union, at most one of a
		// result. Deep down, prefer members that cannot recurse.
		for _, fi := range fs {
			fv := v.Field(fi.index)
			fv.SetZero()
		}
		if len(fs) == 0 || (!registry.Unions[t] && f.r.IntN(4) == 0) {
			return
		}
		cand := fs
		if depth >= f.maxDepth {
			var flat []fieldInfo
			for _, fi := range fs {
				if !canRecurse(t.Field(fi.index).Type) {
					flat = append(flat, fi)
				}
			}
			if len(flat) > 0 {
				cand = flat
			}
		}
		fi := cand[f.r.IntN(len(cand))]
		f.fillValue(v.Field(fi.index), depth+1, false)
		return
	}
	for _, fi := range fs {
		fv := v.Field(fi.index)
		if f.leaveEmpty[t.Field(fi.index).Name] {
			fv.SetZero()
			continue
		}
		if fi.req == "optional" {
			if depth >= f.maxDepth || f.r.IntN(2) == 0 {
				// Unset: nil for pointers and containers. A non-pointer
				// optional is Apache's optional-with-default (rule 2), unset
				// when equal to its default, which the constructor put there.
				switch fv.Kind() {
				case reflect.Pointer, reflect.Slice, reflect.Map:
					fv.SetZero()
				}
				continue
			}
			if def, ok := optionalDefault(v, fi); f.ours && ok {
				// Rule 2: ours, optional with a default; never send the
				// default, which Apache could not send back. The
				// constructor leaves the field unset; its getter tells
				// the default.
				for range 100 {
					f.fillValue(fv, depth+1, false)
					if !reflect.DeepEqual(fv.Elem().Interface(), def) {
						break
					}
				}
				continue
			}
		}
		if depth > f.maxDepth+8 && fv.Kind() == reflect.Pointer {
			continue // a default-requiredness cycle: nothing can end it
		}
		f.fillValue(fv, depth+1, false)
	}
}

// optionalDefault returns the IDL default of an optional scalar field of
// one of our structs, read through its generated getter (which returns the
// default while the field is unset), and whether there is one.
func optionalDefault(v reflect.Value, fi fieldInfo) (any, bool) {
	sf := v.Type().Field(fi.index)
	if sf.Type.Kind() != reflect.Pointer || sf.Type.Elem().Kind() == reflect.Struct {
		return nil, false
	}
	get := reflect.New(v.Type()).MethodByName("Get" + sf.Name)
	if !get.IsValid() {
		return nil, false
	}
	def := get.Call(nil)[0].Interface()
	if reflect.ValueOf(def).IsZero() {
		return nil, false // no default: any value round-trips
	}
	return def, true
}

// canRecurse reports whether a value of type t can hold a struct.
func canRecurse(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer:
		return canRecurse(t.Elem())
	case reflect.Struct:
		return true
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8
	case reflect.Map:
		return true
	}
	return false
}

func (f *filler) fillValue(v reflect.Value, depth int, mapKey bool) {
	t := v.Type()
	if vals, ok := registry.Enums[t]; ok {
		// Rule 3.
		if f.r.IntN(8) != 0 {
			v.SetInt(vals[f.r.IntN(len(vals))])
		} else {
			v.SetInt(int64(int32(f.r.Uint32())))
		}
		return
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(f.randInt(t.Bits()))
	case reflect.Float64:
		v.SetFloat(f.randDouble(mapKey))
	case reflect.String:
		s := string(f.randBytes())
		if f.validUTF8 {
			s = strings.ToValidUTF8(s, "?")
		}
		v.SetString(s)
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Struct {
			v.Set(f.newStruct(t.Elem(), depth))
			return
		}
		p := reflect.New(t.Elem())
		f.fillValue(p.Elem(), depth, mapKey)
		v.Set(p)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			v.SetBytes(f.randBytes())
			return
		}
		isPair := strings.HasPrefix(t.Elem().Name(), "Pair[")
		n := f.r.IntN(4)
		if isPair {
			n = f.r.IntN(f.maxMap + 1)
		}
		if depth >= f.maxDepth {
			n = 0
		}
		s := reflect.MakeSlice(t, 0, n)
		for range n {
			e := reflect.New(t.Elem()).Elem()
			if isPair {
				f.fillValue(e.Field(0), depth, true)
				f.fillValue(e.Field(1), depth, false)
			} else {
				f.fillValue(e, depth, false)
			}
			if !containsEqual(s, e, isPair) { // rule 4; map keys unique
				s = reflect.Append(s, e)
			}
		}
		v.Set(s)
	case reflect.Map:
		n := f.r.IntN(f.maxMap + 1)
		if depth >= f.maxDepth {
			n = 0
		}
		m := reflect.MakeMapWithSize(t, n)
		for range n {
			k := reflect.New(t.Key()).Elem()
			f.fillValue(k, depth, true)
			e := reflect.New(t.Elem()).Elem()
			f.fillValue(e, depth, false)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		f.fillStruct(v, depth)
	default:
		panic("filler: unexpected kind " + t.String())
	}
}

func containsEqual(s, e reflect.Value, byKey bool) bool {
	for i := range s.Len() {
		a, b := s.Index(i), e
		if byKey {
			a, b = a.Field(0), b.Field(0)
		}
		if cmp.Equal(a.Interface(), b.Interface(), cmpopts.EquateEmpty()) {
			return true
		}
	}
	return false
}

func (f *filler) randInt(bits int) int64 {
	switch f.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return -1
	case 2:
		return -1 << (bits - 1) // min
	case 3:
		return 1<<(bits-1) - 1 // max
	}
	return int64(f.r.Uint64()) >> (64 - bits)
}

func (f *filler) randDouble(mapKey bool) float64 {
	switch f.r.IntN(10) {
	case 0:
		return 0
	case 1:
		if mapKey {
			return 1 // -0 and 0 are one Go map key
		}
		return math.Copysign(0, -1)
	case 2:
		return math.Inf(1)
	case 3:
		return math.Inf(-1)
	case 4:
		if mapKey {
			return 2
		}
		return math.NaN()
	case 5:
		return math.MaxFloat64
	case 6:
		return math.SmallestNonzeroFloat64
	}
	return f.r.NormFloat64() * 1e6
}

// randBytes returns 0 to 12 bytes, sometimes printable, sometimes not UTF-8:
// Thrift strings are bytes on the wire and neither library checks them.
func (f *filler) randBytes() []byte {
	b := make([]byte, f.r.IntN(13))
	for i := range b {
		if f.r.IntN(2) == 0 {
			b[i] = 'a' + byte(f.r.IntN(26))
		} else {
			b[i] = byte(f.r.Uint32())
		}
	}
	return b
}
