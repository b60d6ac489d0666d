package runtime

import (
	"encoding/binary"
	"math"
)

// Inlinable fast reads for generated code.
//
// Go inlines a function only under a cost budget (80), and any call in its
// body costs about 60 of it: a read with a fast path and a call to its
// refill/error path cannot be inlined however small the fast path is, so
// every ReadI32 or ReadFieldBegin costs a function call. The Try methods
// here are the fast paths alone, with no call at all, so they inline into
// the generated Decode methods: ok reports that the value was whole in the
// buffer (within the MaxMessageSize budget, as every fast path of Decoder),
// and when it is false nothing was consumed and the generated code calls the
// matching Read method, which refills, reads or reports the error. The
// limits and hostile-input guarantees are those of the Read methods: a Try
// method only ever reads bytes of buf that the Read method would also have
// accepted there.
//
// Check with: go build -gcflags=-m ./runtime 2>&1 | grep 'can inline.*Try'

// The fast paths take d.buf into a local and slice it at p once (r :=
// b[p:]), then test len(r): in that form the compiler proves every index
// and slice of r in bounds and emits no bounds checks, where indexing
// d.buf after the store to d.pos reloaded d.buf and checked again (the
// stores could alias as far as it knows). The header's common case, a
// field, is tested before the stop byte.

// TryFieldBegin is ReadFieldBegin when the header is whole in the buffer.
func (d *Decoder) TryFieldBegin() (Type, int16, bool) {
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		r := b[p:]
		if len(r) >= 3 && r[0] != byte(TypeStop) {
			d.pos = p + 3
			return Type(r[0]), int16(binary.BigEndian.Uint16(r[1:])), true
		}
		if len(r) > 0 && r[0] == byte(TypeStop) {
			d.pos = p + 1
			return TypeStop, 0, true
		}
	}
	return 0, 0, false
}

// TryBool is ReadBool when its byte is in the buffer.
func (d *Decoder) TryBool() (bool, bool) {
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		d.pos = p + 1
		return b[p] == 1, true
	}
	return false, false
}

// TryI8 is ReadI8 when its byte is in the buffer.
func (d *Decoder) TryI8() (int8, bool) {
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		d.pos = p + 1
		return int8(b[p]), true
	}
	return 0, false
}

// TryI16 is ReadI16 when its bytes are in the buffer.
func (d *Decoder) TryI16() (int16, bool) {
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		if r := b[p:]; len(r) >= 2 {
			d.pos = p + 2
			return int16(binary.BigEndian.Uint16(r)), true
		}
	}
	return 0, false
}

// TryI32 is ReadI32 when its bytes are in the buffer.
func (d *Decoder) TryI32() (int32, bool) {
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		if r := b[p:]; len(r) >= 4 {
			d.pos = p + 4
			return int32(binary.BigEndian.Uint32(r)), true
		}
	}
	return 0, false
}

// TryI64 is ReadI64 when its bytes are in the buffer.
func (d *Decoder) TryI64() (int64, bool) {
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		if r := b[p:]; len(r) >= 8 {
			d.pos = p + 8
			return int64(binary.BigEndian.Uint64(r)), true
		}
	}
	return 0, false
}

// TryDouble is ReadDouble when its bytes are in the buffer.
func (d *Decoder) TryDouble() (float64, bool) {
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		if r := b[p:]; len(r) >= 8 {
			d.pos = p + 8
			return math.Float64frombits(binary.BigEndian.Uint64(r)), true
		}
	}
	return 0, false
}

// TryFieldBegin is ReadFieldBegin for a one-byte header of a non-bool type
// (a bool's value is in its header and needs the state ReadFieldBegin
// keeps) or a stop; long headers take ReadFieldBegin.
func (c *CompactDecoder) TryFieldBegin() (Type, int16, bool) {
	d := &c.d
	if b, p := d.buf, d.pos; uint(p) < uint(len(b)) {
		h := b[p]
		if t := shortFieldTypes[h]; t != 0 {
			d.pos = p + 1
			c.last += int16(h >> 4)
			return t, c.last, true
		}
		if h == 0 {
			d.pos = p + 1
			return TypeStop, 0, true
		}
	}
	return 0, 0, false
}

// TryBool is ReadBool for a bool field, whose value its header held.
func (c *CompactDecoder) TryBool() (bool, bool) {
	if c.boolSet {
		c.boolSet = false
		return c.boolVal, true
	}
	return c.d.TryBool()
}

// TryI8 is ReadI8 when its byte is in the buffer.
func (c *CompactDecoder) TryI8() (int8, bool) { return c.d.TryI8() }

// TryI16 is ReadI16 for a one-byte varint.
func (c *CompactDecoder) TryI16() (int16, bool) {
	d := &c.d
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) && b[p] < 0x80 {
		d.pos = p + 1
		u := int16(b[p])
		return u>>1 ^ -(u & 1), true
	}
	return 0, false
}

// TryI32 is ReadI32 for a one-byte varint.
func (c *CompactDecoder) TryI32() (int32, bool) {
	d := &c.d
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) && b[p] < 0x80 {
		d.pos = p + 1
		u := int32(b[p])
		return u>>1 ^ -(u & 1), true
	}
	return 0, false
}

// TryI64 is ReadI64 for a one-byte varint.
func (c *CompactDecoder) TryI64() (int64, bool) {
	d := &c.d
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) && b[p] < 0x80 {
		d.pos = p + 1
		u := int64(b[p])
		return u>>1 ^ -(u & 1), true
	}
	return 0, false
}

// TryDouble is ReadDouble when its bytes are in the buffer.
func (c *CompactDecoder) TryDouble() (float64, bool) {
	d := &c.d
	b, p := d.buf, d.pos
	if uint(p) < uint(len(b)) {
		if r := b[p:]; len(r) >= 8 {
			d.pos = p + 8
			return math.Float64frombits(binary.LittleEndian.Uint64(r)), true
		}
	}
	return 0, false
}
