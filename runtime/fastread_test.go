package runtime

import "testing"

// Every Try read agrees with its Read method on every cut of the input: when
// ok it returns what Read returns and consumes as much; when not, it
// consumed nothing and Read reports truncation.
func TestTryReadsMatchReads(t *testing.T) {
	e := NewEncoder(nil)
	e.WriteFieldBegin(TypeI64, 0x1234)
	e.WriteFieldStop()
	e.WriteBool(true)
	e.WriteI8(-5)
	e.WriteI16(-1234)
	e.WriteI32(-123456789)
	e.WriteI64(-1234567890123)
	e.WriteDouble(3.25)
	full := e.Bytes()
	type read func(d *Decoder) (any, bool, error)
	pair := func(try func(*Decoder) (any, bool), rd func(*Decoder) (any, error)) read {
		return func(d *Decoder) (any, bool, error) {
			pos := d.pos
			if v, ok := try(d); ok {
				d2 := NewDecoder(d.buf, Limits{})
				d2.pos = pos
				w, err := rd(d2)
				if err != nil || w != v || d2.pos != d.pos {
					t.Fatalf("Try gave %v at %d→%d, Read %v, %v at →%d", v, pos, d.pos, w, err, d2.pos)
				}
				return v, true, nil
			}
			if d.pos != pos {
				t.Fatalf("failed Try consumed %d bytes", d.pos-pos)
			}
			v, err := rd(d)
			return v, false, err
		}
	}
	reads := []read{
		pair(func(d *Decoder) (any, bool) { t, id, ok := d.TryFieldBegin(); return [2]int{int(t), int(id)}, ok },
			func(d *Decoder) (any, error) { t, id, err := d.ReadFieldBegin(); return [2]int{int(t), int(id)}, err }),
		pair(func(d *Decoder) (any, bool) { t, id, ok := d.TryFieldBegin(); return [2]int{int(t), int(id)}, ok },
			func(d *Decoder) (any, error) { t, id, err := d.ReadFieldBegin(); return [2]int{int(t), int(id)}, err }),
		pair(func(d *Decoder) (any, bool) { return d.TryBool() }, func(d *Decoder) (any, error) { return d.ReadBool() }),
		pair(func(d *Decoder) (any, bool) { return d.TryI8() }, func(d *Decoder) (any, error) { return d.ReadI8() }),
		pair(func(d *Decoder) (any, bool) { return d.TryI16() }, func(d *Decoder) (any, error) { return d.ReadI16() }),
		pair(func(d *Decoder) (any, bool) { return d.TryI32() }, func(d *Decoder) (any, error) { return d.ReadI32() }),
		pair(func(d *Decoder) (any, bool) { return d.TryI64() }, func(d *Decoder) (any, error) { return d.ReadI64() }),
		pair(func(d *Decoder) (any, bool) { return d.TryDouble() }, func(d *Decoder) (any, error) { return d.ReadDouble() }),
	}
	for cut := 0; cut <= len(full); cut++ {
		d := NewDecoder(full[:cut], Limits{})
		tried := 0
		for i, r := range reads {
			_, ok, err := r(d)
			if ok {
				tried++
			}
			if err != nil {
				if cut == len(full) {
					t.Fatalf("read %d of the whole input: %v", i, err)
				}
				break
			}
		}
		if cut == len(full) && tried != len(reads) {
			t.Fatalf("only %d of %d Try reads took the fast path on the whole input", tried, len(reads))
		}
	}
}
