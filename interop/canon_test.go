package interop

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/thriftsec/thriftsec/runtime"
)

// canonical re-encodes one binary-protocol struct with the entries of every
// map sorted by the bytes of their keys. Go maps iterate in random order in
// both libraries, so two encodings of the same value with multi-entry maps
// differ only in entry order; their canonical forms are equal. It is a
// generic tree reader on runtime.Decoder: it needs no generated type, so it
// also judges bytes that no struct of ours would accept. Field order, list
// and set order are kept (both libraries keep them).
//
// With sortFields, the fields of every struct are also sorted by id: that
// form tells "differs only in field order" apart from other differences.
func canonical(b []byte, sortFields bool) ([]byte, error) {
	d := runtime.NewDecoder(b, runtime.Limits{})
	e := runtime.NewEncoder(nil)
	c := canon{sortFields: sortFields}
	if err := c.value(d, e, runtime.TypeStruct); err != nil {
		return nil, err
	}
	if d.Remaining() != 0 {
		return nil, fmt.Errorf("%d bytes after the struct", d.Remaining())
	}
	return e.Bytes(), nil
}

type canon struct{ sortFields bool }

func (c canon) value(d *runtime.Decoder, e *runtime.Encoder, t runtime.Type) error {
	switch t {
	case runtime.TypeBool:
		v, err := d.ReadBool()
		e.WriteBool(v)
		return err
	case runtime.TypeI8:
		v, err := d.ReadI8()
		e.WriteI8(v)
		return err
	case runtime.TypeI16:
		v, err := d.ReadI16()
		e.WriteI16(v)
		return err
	case runtime.TypeI32:
		v, err := d.ReadI32()
		e.WriteI32(v)
		return err
	case runtime.TypeI64:
		v, err := d.ReadI64()
		e.WriteI64(v)
		return err
	case runtime.TypeDouble:
		v, err := d.ReadDouble()
		e.WriteDouble(v)
		return err
	case runtime.TypeString:
		v, err := d.ReadBinary()
		e.WriteBinary(v)
		return err
	case runtime.TypeUUID:
		v, err := d.ReadUUID()
		e.WriteUUID(v)
		return err
	case runtime.TypeStruct:
		if err := d.ReadStructBegin(); err != nil {
			return err
		}
		type field struct {
			id int16
			b  []byte
		}
		var fields []field
		for {
			ft, id, err := d.ReadFieldBegin()
			if err != nil {
				return err
			}
			if ft == runtime.TypeStop {
				break
			}
			fe := runtime.NewEncoder(nil)
			fe.WriteFieldBegin(ft, id)
			if err := c.value(d, fe, ft); err != nil {
				return err
			}
			fields = append(fields, field{id, fe.Bytes()})
		}
		d.ReadStructEnd()
		if c.sortFields {
			slices.SortStableFunc(fields, func(a, b field) int { return int(a.id) - int(b.id) })
		}
		for _, f := range fields {
			appendRaw(e, f.b)
		}
		e.WriteFieldStop()
		return nil
	case runtime.TypeList, runtime.TypeSet:
		var (
			elem runtime.Type
			n    int
			err  error
		)
		if t == runtime.TypeList {
			elem, n, err = d.ReadListBegin()
		} else {
			elem, n, err = d.ReadSetBegin()
		}
		if err != nil {
			return err
		}
		e.WriteListBegin(elem, n) // a set header is laid out like a list's
		for range n {
			if err := c.value(d, e, elem); err != nil {
				return err
			}
		}
		d.ReadListEnd()
		return nil
	case runtime.TypeMap:
		kt, vt, n, err := d.ReadMapBegin()
		if err != nil {
			return err
		}
		type entry struct{ k, v []byte }
		entries := make([]entry, 0, n)
		for range n {
			ke := runtime.NewEncoder(nil)
			if err := c.value(d, ke, kt); err != nil {
				return err
			}
			ve := runtime.NewEncoder(nil)
			if err := c.value(d, ve, vt); err != nil {
				return err
			}
			entries = append(entries, entry{ke.Bytes(), ve.Bytes()})
		}
		d.ReadMapEnd()
		slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
		e.WriteMapBegin(kt, vt, n)
		for _, en := range entries {
			appendRaw(e, en.k)
			appendRaw(e, en.v)
		}
		return nil
	}
	return fmt.Errorf("unexpected type %v", t)
}

// appendRaw appends already encoded bytes to e. The Encoder has no raw
// write, so the bytes go in as i8s.
func appendRaw(e *runtime.Encoder, b []byte) {
	for _, c := range b {
		e.WriteI8(int8(c))
	}
}
