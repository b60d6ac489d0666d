package golden

import (
	"math/rand"
	"reflect"
	"strings"
)

// filler builds pseudo-random values of generated types by reflection, so
// that every golden type can be round-tripped without hand-written values.
type filler struct {
	rng      *rand.Rand
	maxDepth int
	// unions lists the union types: exactly one member is set on those.
	unions map[reflect.Type]bool
	// optional tells whether the struct field being filled is optional.
	optional bool
}

func newFiller(seed int64, unions ...any) *filler {
	f := &filler{rng: rand.New(rand.NewSource(seed)), maxDepth: 4, unions: map[reflect.Type]bool{}}
	for _, u := range unions {
		f.unions[reflect.TypeOf(u).Elem()] = true
	}
	return f
}

// fill sets v (addressable) to a random value of its type.
func (f *filler) fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(f.rng.Intn(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// Mix small numbers, extremes and negatives.
		bits := v.Type().Bits()
		switch f.rng.Intn(4) {
		case 0:
			v.SetInt(int64(f.rng.Intn(10)))
		case 1:
			v.SetInt(-1 << (bits - 1))
		case 2:
			v.SetInt(1<<(bits-1) - 1)
		default:
			v.SetInt(f.rng.Int63() >> (64 - bits))
		}
	case reflect.Float64:
		v.SetFloat((f.rng.Float64() - 0.5) * 1e6)
	case reflect.String:
		v.SetString(f.text())
	case reflect.Array: // runtime.UUID
		for i := 0; i < v.Len(); i++ {
			v.Index(i).SetUint(uint64(f.rng.Intn(256)))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, f.rng.Intn(40))
			f.rng.Read(b)
			v.SetBytes(b)
			return
		}
		n := f.rng.Intn(4)
		if depth+1 >= f.maxDepth { // elements past the cut-off would be nil structs
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		n := f.rng.Intn(4)
		if depth+1 >= f.maxDepth { // elements past the cut-off would be nil structs
			n = 0
		}
		for i := 0; i < n; i++ {
			k := reflect.New(v.Type().Key()).Elem()
			val := reflect.New(v.Type().Elem()).Elem()
			f.fill(k, depth+1)
			f.fill(val, depth+1)
			m.SetMapIndex(k, val)
		}
		v.Set(m)
	case reflect.Pointer:
		if v.Type().Elem().Kind() == reflect.Struct && depth >= f.maxDepth && f.optional {
			// Past the cut-off only optional structs are left out; a nil
			// struct with default requiredness would be written as an
			// empty one and come back non-nil.
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		if f.unions[v.Type()] {
			i := f.rng.Intn(v.NumField())
			f.optional = false
			f.fill(v.Field(i), depth)
			if v.Field(i).IsNil() { // a struct member cut off by depth
				v.Field(i).Set(reflect.New(v.Field(i).Type().Elem()))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			field := v.Type().Field(i)
			if field.IsExported() {
				f.optional = strings.HasSuffix(field.Tag.Get("thrift"), ",optional")
				f.fill(v.Field(i), depth+1)
			}
		}
	default:
		panic("filler: unsupported kind " + v.Kind().String())
	}
}

func (f *filler) text() string {
	words := []string{"", "a", "thrift", "ünïcödé", "line\nbreak", "\x00nul", "长字符串"}
	return words[f.rng.Intn(len(words))]
}
