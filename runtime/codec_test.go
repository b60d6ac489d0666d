package runtime

import (
	"fmt"
	"slices"
)

// The structs in this file stand in for generated code: their Encode and
// Decode methods are written the way thriftsec-gen writes them, calling the
// concrete Encoder and Decoder methods, checking each field's wire type and
// skipping what they do not know.

// allTypes has a field of every kind of Thrift type, for round-trip and fuzz
// tests.
type allTypes struct {
	B     bool                    // 1
	I8    int8                    // 2
	I16   int16                   // 3
	I32   int32                   // 4
	I64   int64                   // 5
	D     float64                 // 6
	S     string                  // 7
	Bin   []byte                  // 8
	U     UUID                    // 9
	L     []int32                 // 10: list<i32>
	Set   []string                // 11: set<string>
	M     map[int32][]byte        // 12: map<i32, binary>
	Kids  []*allTypes             // 13: list<allTypes>
	Child *allTypes               // 14
	Pairs []Pair[[]int64, string] // 15: map<list<i64>, string>
	Dbls  []float64               // 16: list<double>
	Flags []bool                  // 17: set<bool>
	UL    []UUID                  // 18: list<uuid>
	Nest  [][]int16               // 19: list<list<i16>>
}

func (s *allTypes) Encode(e *Encoder) error {
	e.WriteFieldBegin(TypeBool, 1)
	e.WriteBool(s.B)
	e.WriteFieldBegin(TypeI8, 2)
	e.WriteI8(s.I8)
	e.WriteFieldBegin(TypeI16, 3)
	e.WriteI16(s.I16)
	e.WriteFieldBegin(TypeI32, 4)
	e.WriteI32(s.I32)
	e.WriteFieldBegin(TypeI64, 5)
	e.WriteI64(s.I64)
	e.WriteFieldBegin(TypeDouble, 6)
	e.WriteDouble(s.D)
	e.WriteFieldBegin(TypeString, 7)
	e.WriteString(s.S)
	if s.Bin != nil {
		e.WriteFieldBegin(TypeString, 8)
		e.WriteBinary(s.Bin)
	}
	e.WriteFieldBegin(TypeUUID, 9)
	e.WriteUUID(s.U)
	if s.L != nil {
		e.WriteFieldBegin(TypeList, 10)
		e.WriteListBegin(TypeI32, len(s.L))
		for _, v := range s.L {
			e.WriteI32(v)
		}
	}
	if s.Set != nil {
		e.WriteFieldBegin(TypeSet, 11)
		e.WriteSetBegin(TypeString, len(s.Set))
		for _, v := range s.Set {
			e.WriteString(v)
		}
	}
	if s.M != nil {
		e.WriteFieldBegin(TypeMap, 12)
		e.WriteMapBegin(TypeI32, TypeString, len(s.M))
		keys := make([]int32, 0, len(s.M))
		for k := range s.M {
			keys = append(keys, k)
		}
		slices.Sort(keys) // deterministic output for the tests
		for _, k := range keys {
			e.WriteI32(k)
			e.WriteBinary(s.M[k])
		}
	}
	if s.Kids != nil {
		e.WriteFieldBegin(TypeList, 13)
		e.WriteListBegin(TypeStruct, len(s.Kids))
		for _, k := range s.Kids {
			if err := k.Encode(e); err != nil {
				return err
			}
		}
	}
	if s.Child != nil {
		e.WriteFieldBegin(TypeStruct, 14)
		if err := s.Child.Encode(e); err != nil {
			return err
		}
	}
	if s.Pairs != nil {
		e.WriteFieldBegin(TypeMap, 15)
		e.WriteMapBegin(TypeList, TypeString, len(s.Pairs))
		for _, p := range s.Pairs {
			e.WriteListBegin(TypeI64, len(p.Key))
			for _, v := range p.Key {
				e.WriteI64(v)
			}
			e.WriteString(p.Value)
		}
	}
	if s.Dbls != nil {
		e.WriteFieldBegin(TypeList, 16)
		e.WriteListBegin(TypeDouble, len(s.Dbls))
		for _, v := range s.Dbls {
			e.WriteDouble(v)
		}
	}
	if s.Flags != nil {
		e.WriteFieldBegin(TypeSet, 17)
		e.WriteSetBegin(TypeBool, len(s.Flags))
		for _, v := range s.Flags {
			e.WriteBool(v)
		}
	}
	if s.UL != nil {
		e.WriteFieldBegin(TypeList, 18)
		e.WriteListBegin(TypeUUID, len(s.UL))
		for _, v := range s.UL {
			e.WriteUUID(v)
		}
	}
	if s.Nest != nil {
		e.WriteFieldBegin(TypeList, 19)
		e.WriteListBegin(TypeList, len(s.Nest))
		for _, l := range s.Nest {
			e.WriteListBegin(TypeI16, len(l))
			for _, v := range l {
				e.WriteI16(v)
			}
		}
	}
	e.WriteFieldStop()
	return nil
}

func (s *allTypes) Decode(d *Decoder) error {
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	for {
		t, id, err := d.ReadFieldBegin()
		if err != nil {
			return err
		}
		if t == TypeStop {
			break
		}
		switch {
		case id == 1 && t == TypeBool:
			s.B, err = d.ReadBool()
		case id == 2 && t == TypeI8:
			s.I8, err = d.ReadI8()
		case id == 3 && t == TypeI16:
			s.I16, err = d.ReadI16()
		case id == 4 && t == TypeI32:
			s.I32, err = d.ReadI32()
		case id == 5 && t == TypeI64:
			s.I64, err = d.ReadI64()
		case id == 6 && t == TypeDouble:
			s.D, err = d.ReadDouble()
		case id == 7 && t == TypeString:
			s.S, err = d.ReadString()
		case id == 8 && t == TypeString:
			s.Bin, err = d.ReadBinary()
		case id == 9 && t == TypeUUID:
			s.U, err = d.ReadUUID()
		case id == 10 && t == TypeList:
			s.L, err = decodeList(d, TypeI32, d.ReadI32)
		case id == 11 && t == TypeSet:
			var et Type
			var n int
			if et, n, err = d.ReadSetBegin(); err != nil {
				return err
			}
			if et != TypeString && n > 0 {
				return fmt.Errorf("set<string> has elements of type %v", et)
			}
			s.Set = make([]string, 0, n)
			for range n {
				v, err := d.ReadString()
				if err != nil {
					return err
				}
				s.Set = append(s.Set, v)
			}
			d.ReadSetEnd()
		case id == 12 && t == TypeMap:
			kt, vt, n, err := d.ReadMapBegin()
			if err != nil {
				return err
			}
			if n > 0 && (kt != TypeI32 || vt != TypeString) {
				return fmt.Errorf("map<i32,binary> has types %v, %v", kt, vt)
			}
			s.M = make(map[int32][]byte, n)
			for range n {
				k, err := d.ReadI32()
				if err != nil {
					return err
				}
				v, err := d.ReadBinary()
				if err != nil {
					return err
				}
				s.M[k] = v
			}
			d.ReadMapEnd()
		case id == 13 && t == TypeList:
			s.Kids, err = decodeList(d, TypeStruct, func() (*allTypes, error) {
				k := new(allTypes)
				return k, k.Decode(d)
			})
		case id == 14 && t == TypeStruct:
			s.Child = new(allTypes)
			err = s.Child.Decode(d)
		case id == 15 && t == TypeMap:
			kt, vt, n, err := d.ReadMapBegin()
			if err != nil {
				return err
			}
			if n > 0 && (kt != TypeList || vt != TypeString) {
				return fmt.Errorf("map<list<i64>,string> has types %v, %v", kt, vt)
			}
			s.Pairs = make([]Pair[[]int64, string], 0, n)
			for range n {
				var p Pair[[]int64, string]
				if p.Key, err = decodeList(d, TypeI64, d.ReadI64); err != nil {
					return err
				}
				if p.Value, err = d.ReadString(); err != nil {
					return err
				}
				s.Pairs = append(s.Pairs, p)
			}
			d.ReadMapEnd()
		case id == 16 && t == TypeList:
			s.Dbls, err = decodeList(d, TypeDouble, d.ReadDouble)
		case id == 17 && t == TypeSet:
			var et Type
			var n int
			if et, n, err = d.ReadSetBegin(); err != nil {
				return err
			}
			if et != TypeBool && n > 0 {
				return fmt.Errorf("set<bool> has elements of type %v", et)
			}
			s.Flags = make([]bool, 0, n)
			for range n {
				v, err := d.ReadBool()
				if err != nil {
					return err
				}
				s.Flags = append(s.Flags, v)
			}
			d.ReadSetEnd()
		case id == 18 && t == TypeList:
			s.UL, err = decodeList(d, TypeUUID, d.ReadUUID)
		case id == 19 && t == TypeList:
			s.Nest, err = decodeList(d, TypeList, func() ([]int16, error) {
				return decodeList(d, TypeI16, d.ReadI16)
			})
		default:
			err = d.Skip(t)
		}
		if err != nil {
			return err
		}
	}
	d.ReadStructEnd()
	return nil
}

// decodeList reads a list header and n elements with read.
func decodeList[T any](d *Decoder, want Type, read func() (T, error)) ([]T, error) {
	et, n, err := d.ReadListBegin()
	if err != nil {
		return nil, err
	}
	if et != want && n > 0 {
		return nil, fmt.Errorf("list<%v> has elements of type %v", want, et)
	}
	out := make([]T, 0, n)
	for range n {
		v, err := read()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	d.ReadListEnd()
	return out, nil
}

// medium is the benchmark struct: a few scalars, a string, 1 KiB of binary,
// a list of 100 i64, a map<string,string> of 10 and a nested struct.
type medium struct {
	ID     int64             // 1
	Count  int32             // 2
	Ratio  float64           // 3
	Flag   bool              // 4
	Name   string            // 5
	Blob   []byte            // 6
	Values []int64           // 7
	Attrs  map[string]string // 8
	Child  *small            // 9
}

type small struct {
	A int32  // 1
	B string // 2
}

func newMedium() *medium {
	m := &medium{
		ID: 1234567890123, Count: 42, Ratio: 0.75, Flag: true,
		Name:   "a medium-sized benchmark struct",
		Blob:   make([]byte, 1024),
		Values: make([]int64, 100),
		Attrs:  make(map[string]string, 10),
		Child:  &small{A: 7, B: "child"},
	}
	for i := range m.Blob {
		m.Blob[i] = byte(i)
	}
	for i := range m.Values {
		m.Values[i] = int64(i) * 1000003
	}
	for i := range 10 {
		m.Attrs[fmt.Sprintf("key-%02d", i)] = fmt.Sprintf("value number %d", i)
	}
	return m
}

func (m *medium) Encode(e *Encoder) error {
	e.WriteFieldBegin(TypeI64, 1)
	e.WriteI64(m.ID)
	e.WriteFieldBegin(TypeI32, 2)
	e.WriteI32(m.Count)
	e.WriteFieldBegin(TypeDouble, 3)
	e.WriteDouble(m.Ratio)
	e.WriteFieldBegin(TypeBool, 4)
	e.WriteBool(m.Flag)
	e.WriteFieldBegin(TypeString, 5)
	e.WriteString(m.Name)
	e.WriteFieldBegin(TypeString, 6)
	e.WriteBinary(m.Blob)
	e.WriteFieldBegin(TypeList, 7)
	e.WriteListBegin(TypeI64, len(m.Values))
	for _, v := range m.Values {
		e.WriteI64(v)
	}
	e.WriteFieldBegin(TypeMap, 8)
	e.WriteMapBegin(TypeString, TypeString, len(m.Attrs))
	for k, v := range m.Attrs {
		e.WriteString(k)
		e.WriteString(v)
	}
	if m.Child != nil {
		e.WriteFieldBegin(TypeStruct, 9)
		if err := m.Child.Encode(e); err != nil {
			return err
		}
	}
	e.WriteFieldStop()
	return nil
}

func (m *medium) Decode(d *Decoder) error {
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	for {
		t, id, err := d.ReadFieldBegin()
		if err != nil {
			return err
		}
		if t == TypeStop {
			break
		}
		switch id {
		case 1:
			if t != TypeI64 {
				err = d.Skip(t)
				break
			}
			m.ID, err = d.ReadI64()
		case 2:
			if t != TypeI32 {
				err = d.Skip(t)
				break
			}
			m.Count, err = d.ReadI32()
		case 3:
			if t != TypeDouble {
				err = d.Skip(t)
				break
			}
			m.Ratio, err = d.ReadDouble()
		case 4:
			if t != TypeBool {
				err = d.Skip(t)
				break
			}
			m.Flag, err = d.ReadBool()
		case 5:
			if t != TypeString {
				err = d.Skip(t)
				break
			}
			m.Name, err = d.ReadString()
		case 6:
			if t != TypeString {
				err = d.Skip(t)
				break
			}
			m.Blob, err = d.ReadBinary()
		case 7:
			if t != TypeList {
				err = d.Skip(t)
				break
			}
			var n int
			if _, n, err = d.ReadListBegin(); err != nil {
				return err
			}
			m.Values = make([]int64, n)
			for i := range m.Values {
				if m.Values[i], err = d.ReadI64(); err != nil {
					return err
				}
			}
			d.ReadListEnd()
		case 8:
			if t != TypeMap {
				err = d.Skip(t)
				break
			}
			var n int
			if _, _, n, err = d.ReadMapBegin(); err != nil {
				return err
			}
			m.Attrs = make(map[string]string, n)
			for range n {
				k, err := d.ReadString()
				if err != nil {
					return err
				}
				v, err := d.ReadString()
				if err != nil {
					return err
				}
				m.Attrs[k] = v
			}
			d.ReadMapEnd()
		case 9:
			if t != TypeStruct {
				err = d.Skip(t)
				break
			}
			m.Child = new(small)
			err = m.Child.Decode(d)
		default:
			err = d.Skip(t)
		}
		if err != nil {
			return err
		}
	}
	d.ReadStructEnd()
	return nil
}

func (s *small) Encode(e *Encoder) error {
	e.WriteFieldBegin(TypeI32, 1)
	e.WriteI32(s.A)
	e.WriteFieldBegin(TypeString, 2)
	e.WriteString(s.B)
	e.WriteFieldStop()
	return nil
}

func (s *small) Decode(d *Decoder) error {
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	for {
		t, id, err := d.ReadFieldBegin()
		if err != nil {
			return err
		}
		if t == TypeStop {
			break
		}
		switch {
		case id == 1 && t == TypeI32:
			s.A, err = d.ReadI32()
		case id == 2 && t == TypeString:
			s.B, err = d.ReadString()
		default:
			err = d.Skip(t)
		}
		if err != nil {
			return err
		}
	}
	d.ReadStructEnd()
	return nil
}
