package runtime

import (
	"encoding/binary"
	"slices"
	"unsafe"
)

// Lists of i32, i64 and double are read in one call from generated code
// (after ReadListBegin or ReadSetBegin, whose count is already checked):
// one loop over the bytes instead of a method call per element, which was
// a tenth of the medium benchmark struct's decode (its 100 i64 samples).
//
// In memory mode each element is read through a pointer to its 8 (or 4)
// wire bytes made with unsafe.Add from the start of the list, which the
// length check before the loop places inside the message: a fixed-size array
// needs no bounds check, where indexing the bytes as b[8*i:] kept one per
// element (the compiler cannot prove 8*i+8 <= len(b)). The loads are byte
// arrays, so their alignment does not matter. A memmove into the list
// followed by a byte swap in place was tried too: the swap's loads waited
// on the memmove's stores (half the loop's time in the medium struct's
// decode profile). BenchmarkI64List has both bulk reads and writes next
// to one call per element.

// ReadI32s reads the n i32 elements of the list or set just begun.
func (d *Decoder) ReadI32s(n int) ([]int32, error) {
	l := unsafe.Slice((*int32)(d.arenaWords(n, 2)), n)
	if p := d.pos; p >= 0 && n <= (len(d.buf)-p)/4 {
		if n > 0 {
			src := unsafe.Pointer(&d.buf[p])
			for i := range l {
				l[i] = int32(binary.BigEndian.Uint32((*[4]byte)(unsafe.Add(src, 4*i))[:]))
			}
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
	w := d.arenaWords(n, 3)
	if err := d.readU64s(unsafe.Slice((*uint64)(w), n)); err != nil {
		return nil, err
	}
	return unsafe.Slice((*int64)(w), n), nil
}

// ReadDoubles reads the n double elements of the list or set just begun.
func (d *Decoder) ReadDoubles(n int) ([]float64, error) {
	w := d.arenaWords(n, 3)
	if err := d.readU64s(unsafe.Slice((*uint64)(w), n)); err != nil {
		return nil, err
	}
	return unsafe.Slice((*float64)(w), n), nil
}

// readU64s fills l with big-endian 64-bit words: an i64 and a double have
// the same wire form, and []int64 / []float64 the same memory layout
// without pointers, so both read through this one loop.
func (d *Decoder) readU64s(l []uint64) error {
	n := len(l)
	if p := d.pos; p >= 0 && n <= (len(d.buf)-p)/8 {
		if n > 0 {
			src := unsafe.Pointer(&d.buf[p])
			for i := range l {
				l[i] = binary.BigEndian.Uint64((*[8]byte)(unsafe.Add(src, 8*i))[:])
			}
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
		if p := d.pos; p >= 0 && p+4 <= len(d.buf) {
			// Two to four bytes (timestamps, ids, sizes: most i64s on
			// the wire), unrolled here rather than a call per element.
			b := d.buf[p : p+4 : p+4]
			var u uint64
			var k int
			switch {
			case b[1] < 0x80:
				u, k = uint64(b[0]&0x7f)|uint64(b[1])<<7, 2
			case b[2] < 0x80:
				u, k = uint64(b[0]&0x7f)|uint64(b[1]&0x7f)<<7|uint64(b[2])<<14, 3
			case b[3] < 0x80:
				u, k = uint64(b[0]&0x7f)|uint64(b[1]&0x7f)<<7|uint64(b[2]&0x7f)<<14|uint64(b[3])<<21, 4
			}
			if k > 0 {
				d.pos = p + k
				l[i] = int64(u>>1) ^ -int64(u&1)
				continue
			}
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

// WriteI64s writes the elements of a list or set of i64 just begun, in
// one call from generated Encode methods (as from EncodeCompact ones, so
// that both are the same text: templates/codec_compact.go). The buffer
// grows once, and each element is stored big-endian through a fixed-size
// array pointer into it (as readU64s loads them: no bounds check per
// element). For the medium benchmark struct's 100 samples: ~96 ns as a
// WriteI64 per element, ~48 ns as a memmove and a byte swap in place, ~29
// ns this way (BenchmarkI64List). A list that would pass the Encoder's
// size bound trips it, as a string does, instead of growing the buffer.
func (e *Encoder) WriteI64s(l []int64) {
	size := 8 * len(l)
	if e.over(size) {
		e.buf, e.tripped = e.buf[:0], true
		return
	}
	if size == 0 {
		return
	}
	n := len(e.buf)
	e.buf = slices.Grow(e.buf, size)[:n+size]
	dst := unsafe.Pointer(&e.buf[n])
	for i, v := range l {
		binary.BigEndian.PutUint64((*[8]byte)(unsafe.Add(dst, 8*i))[:], uint64(v))
	}
}

// WriteI64s writes the elements of a list or set of i64 just begun, for
// generated EncodeCompact methods. One loop for the whole list instead of
// a WriteI64 per element, which was 40% of the medium benchmark struct's
// compact encode (100 four-byte varints); BenchmarkCompactI64List has it
// 25% faster than that loop.
//
// The buffer is grown once per block of varintBlock elements so that each
// element is stored through one bounds-checked 10-byte window with
// constant indexes, instead of a capacity check per byte as append makes;
// varints of up to four bytes (values below 2^27 in magnitude) are written
// there unrolled, longer ones finished by appendUvarint within the same
// window. Measured and rejected: a branch-free variant (the 7-bit groups
// spread into one word by shifts and masks, stored whole) was 60% slower
// than the per-element loop, and this function made generic over int32
// and int64 lost about half its gain.
func (e *CompactEncoder) WriteI64s(l []int64) {
	b := e.buf
	for len(l) > 0 {
		blk := l[:min(len(l), varintBlock)]
		l = l[len(blk):]
		b = slices.Grow(b, 10*len(blk))
		k := len(b)
		w := b[:cap(b)]
		for _, v := range blk {
			u := zigzag64(v)
			o := w[k : k+10]
			if u < 1<<7 {
				o[0] = byte(u)
				k++
				continue
			}
			o[0] = byte(u) | 0x80
			if u < 1<<14 {
				o[1] = byte(u >> 7)
				k += 2
				continue
			}
			o[1] = byte(u>>7) | 0x80
			if u < 1<<21 {
				o[2] = byte(u >> 14)
				k += 3
				continue
			}
			o[2] = byte(u>>14) | 0x80
			if u < 1<<28 {
				o[3] = byte(u >> 21)
				k += 4
				continue
			}
			o[3] = byte(u>>21) | 0x80
			// At most six more bytes: within w's capacity, so the
			// append cannot move the buffer.
			k = len(appendUvarint(w[:k+4], u>>28))
		}
		b = w[:k]
	}
	e.buf = b
}

// varintBlock is how many elements WriteI64s writes per growth of the
// buffer: at most 10 bytes each, so it grows by at most 640 bytes more
// than the elements take.
const varintBlock = 64
