package runtime

import (
	"encoding/binary"
	"unsafe"
)

// Lists of i32, i64 and double are read in one call from generated code
// (after ReadListBegin or ReadSetBegin, whose count is already checked):
// one loop over the bytes instead of a method call per element, which was
// a tenth of the medium benchmark struct's decode (its 100 i64 samples).

// ReadI32s reads the n i32 elements of the list or set just begun.
func (d *Decoder) ReadI32s(n int) ([]int32, error) {
	l := make([]int32, n)
	if p := d.pos; p >= 0 && n <= (len(d.buf)-p)/4 {
		b := d.buf[p : p+4*n]
		for i := range l {
			l[i] = int32(binary.BigEndian.Uint32(b[4*i:]))
		}
		d.pos = p + 4*n
		return l, nil
	}
	for i := range l { // a stream: refill as the elements arrive
		v, err := d.ReadI32()
		if err != nil {
			return nil, err
		}
		l[i] = v
	}
	return l, nil
}

// ReadI64s reads the n i64 elements of the list or set just begun.
func (d *Decoder) ReadI64s(n int) ([]int64, error) {
	l := make([]int64, n)
	if err := d.readU64s(unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(l))), n)); err != nil {
		return nil, err
	}
	return l, nil
}

// ReadDoubles reads the n double elements of the list or set just begun.
func (d *Decoder) ReadDoubles(n int) ([]float64, error) {
	l := make([]float64, n)
	if err := d.readU64s(unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(l))), n)); err != nil {
		return nil, err
	}
	return l, nil
}

// readU64s fills l with big-endian 64-bit words: an i64 and a double have
// the same wire form, and []int64 / []float64 the same memory layout
// without pointers, so both read through this one loop.
func (d *Decoder) readU64s(l []uint64) error {
	n := len(l)
	if p := d.pos; p >= 0 && n <= (len(d.buf)-p)/8 {
		b := d.buf[p : p+8*n]
		for i := range l {
			l[i] = binary.BigEndian.Uint64(b[8*i:])
		}
		d.pos = p + 8*n
		return nil
	}
	for i := range l { // a stream: refill as the elements arrive
		v, err := d.ReadI64()
		if err != nil {
			return err
		}
		l[i] = uint64(v)
	}
	return nil
}

// ReadI32s reads the n i32 elements of the list or set just begun.
func (c *CompactDecoder) ReadI32s(n int) ([]int32, error) {
	l := make([]int32, n)
	for i := range l {
		v, err := c.ReadI32()
		if err != nil {
			return nil, err
		}
		l[i] = v
	}
	return l, nil
}

// ReadI64s reads the n i64 elements of the list or set just begun; the
// one-byte varint case is decoded in the loop itself, longer ones whole in
// the buffer by uvarintAt.
func (c *CompactDecoder) ReadI64s(n int) ([]int64, error) {
	l := make([]int64, n)
	d := &c.d
	for i := range l {
		if p := d.pos; uint(p) < uint(len(d.buf)) && d.buf[p] < 0x80 {
			d.pos = p + 1
			u := uint64(d.buf[p])
			l[i] = int64(u>>1) ^ -int64(u&1)
			continue
		}
		if p := d.pos; p >= 0 && p+10 <= len(d.buf) {
			if u, n := uvarintAt(d.buf[p:p+10], 64); n > 0 {
				d.pos = p + n
				l[i] = int64(u>>1) ^ -int64(u&1)
				continue
			}
		}
		r := c.reader()
		u, err := r.varintLong(64, "i64")
		if err != nil {
			return nil, err
		}
		l[i] = int64(u>>1) ^ -int64(u&1)
	}
	return l, nil
}

// ReadDoubles reads the n double elements of the list or set just begun.
func (c *CompactDecoder) ReadDoubles(n int) ([]float64, error) {
	l := make([]float64, n)
	for i := range l {
		v, err := c.ReadDouble()
		if err != nil {
			return nil, err
		}
		l[i] = v
	}
	return l, nil
}
