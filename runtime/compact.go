package runtime

import (
	"encoding/binary"
	"io"
)

// Apache's TCompactProtocol, as a transcoder to and from the binary
// protocol (see protocol.go for why). The format, as Apache's libraries
// write it:
//
//   - message: 0x82, then (type<<5 | version 1), the sequence id as a
//     varint, the method name as a varint length and bytes;
//   - field header: one byte (id delta<<4 | compact type) when the id is
//     1..15 above the previous field's id in the same struct, otherwise the
//     type byte followed by the id as a zigzag varint; a bool field has no
//     value, its type (1 true, 2 false) is the value;
//   - i16, i32, i64: zigzag varints; i8: one byte; double: 8 bytes
//     little-endian; string, binary: varint length and bytes; uuid: 16
//     bytes; bool in a container: one byte, 1 true, 2 false;
//   - list, set: one byte (size<<4 | elem type) when size < 15, else
//     0xf0|elem type and the size as a varint;
//   - map: the size as a varint, then (key type<<4 | value type) unless the
//     size is 0.
//
// Varints longer than their type allows (5 bytes for 32 bits, 10 for 64)
// or with bits beyond it are refused: a reader never loops on input.

const (
	compactProtocolID = 0x82
	compactVersion    = 1
)

// compactFromBinary maps binary type ids to compact ones (bool maps to
// "true", the id Apache writes as a container's element type).
var compactFromBinary = [256]byte{
	TypeBool: 1, TypeI8: 3, TypeI16: 4, TypeI32: 5, TypeI64: 6, TypeDouble: 7,
	TypeString: 8, TypeList: 9, TypeSet: 10, TypeMap: 11, TypeStruct: 12, TypeUUID: 13,
}

// binaryFromCompact maps compact type ids (low nibble) to binary ones; 0
// marks ids compact does not define (and stop, handled apart).
var binaryFromCompact = [16]Type{
	1: TypeBool, 2: TypeBool, 3: TypeI8, 4: TypeI16, 5: TypeI32, 6: TypeI64, 7: TypeDouble,
	8: TypeString, 9: TypeList, 10: TypeSet, 11: TypeMap, 12: TypeStruct, 13: TypeUUID,
}

// compactMinSizes are the fewest bytes one value of each (binary) type
// takes in compact; container counts are checked against them.
var compactMinSizes = [256]uint8{
	TypeBool: 1, TypeI8: 1, TypeI16: 1, TypeI32: 1, TypeI64: 1, TypeDouble: 8,
	TypeString: 1, TypeStruct: 1, TypeMap: 1, TypeSet: 1, TypeList: 1, TypeUUID: 16,
}

// ---- compact → binary (reading a peer) ----

// compactReader reads compact from d (in memory or a stream, with d's
// limits and MaxMessageSize budget) and appends the same value in binary
// to out.
type compactReader struct {
	d   *Decoder
	out []byte
}

func (c *compactReader) byte(string) (byte, error) {
	d := c.d
	if p := d.pos; uint(p) < uint(len(d.buf)) {
		d.pos = p + 1
		return d.buf[p], nil
	}
	return d.readByteSlow("compact value")
}

// varint reads an unsigned LEB128 varint of at most bits (32 or 64) bits.
func (c *compactReader) varint(bits uint, _ string) (uint64, error) {
	d := c.d
	if p := d.pos; uint(p) < uint(len(d.buf)) && d.buf[p] < 0x80 {
		d.pos = p + 1
		return uint64(d.buf[p]), nil
	}
	return c.varintLong(bits, "varint")
}

// varintLong is varint for more than one byte, or at the end of the buffer.
//
//go:noinline
func (c *compactReader) varintLong(bits uint, what string) (uint64, error) {
	d := c.d
	if p := d.pos; p >= 0 && p+10 <= len(d.buf) {
		// All the bytes are at hand: no refill checks.
		if v, n := uvarintAt(d.buf[p:p+10], bits); n > 0 {
			d.pos = p + n
			return v, nil
		}
		// Overlong or overflowing: the careful loop reports it.
	}
	var v uint64
	for shift := uint(0); ; shift += 7 {
		var b byte
		if d.pos < len(d.buf) {
			b = d.buf[d.pos]
			d.pos++
		} else {
			var err error
			if b, err = d.readByteSlow(what); err != nil {
				return 0, err
			}
		}
		if shift+7 > bits && uint64(b&0x7f)>>(bits-shift) != 0 {
			return 0, protoErr(KindInvalidData, what+" varint at offset "+itoa(d.offset())+" overflows "+itoa(int(bits))+" bits", nil)
		}
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, nil
		}
		if shift+7 >= bits {
			return 0, protoErr(KindInvalidData, what+" varint at offset "+itoa(d.offset())+" is longer than "+itoa(int(bits+6)/7)+" bytes", nil)
		}
	}
}

// uvarintAt decodes the varint at the start of b, which holds 10 bytes, as
// at most bits (32 or 64) bits, unrolled: the i64s of a list or a timestamp
// are mostly several bytes long. It returns n = 0 when the varint is longer
// than bits allow or overflows them, which callers report through the
// byte-by-byte loop.
func uvarintAt(b []byte, bits uint) (v uint64, n int) {
	_ = b[9]
	x := uint64(b[0])
	if x < 0x80 {
		return x, 1
	}
	v = x & 0x7f
	if x = uint64(b[1]); x < 0x80 {
		return v | x<<7, 2
	}
	v |= (x & 0x7f) << 7
	if x = uint64(b[2]); x < 0x80 {
		return v | x<<14, 3
	}
	v |= (x & 0x7f) << 14
	if x = uint64(b[3]); x < 0x80 {
		return v | x<<21, 4
	}
	v |= (x & 0x7f) << 21
	x = uint64(b[4])
	if bits == 32 {
		if x >= 0x10 {
			return 0, 0 // a fifth byte holds only the top 4 bits, and ends
		}
		return v | x<<28, 5
	}
	if x < 0x80 {
		return v | x<<28, 5
	}
	v |= (x & 0x7f) << 28
	if x = uint64(b[5]); x < 0x80 {
		return v | x<<35, 6
	}
	v |= (x & 0x7f) << 35
	if x = uint64(b[6]); x < 0x80 {
		return v | x<<42, 7
	}
	v |= (x & 0x7f) << 42
	if x = uint64(b[7]); x < 0x80 {
		return v | x<<49, 8
	}
	v |= (x & 0x7f) << 49
	if x = uint64(b[8]); x < 0x80 {
		return v | x<<56, 9
	}
	v |= (x & 0x7f) << 56
	if x = uint64(b[9]); x > 1 {
		return 0, 0 // a tenth byte holds only the top bit, and ends
	}
	return v | x<<63, 10
}

// intFast transcodes an i16, i32 or i64 when its varint is whole in the
// buffer and well formed, and reports whether it did; otherwise value
// reads it (and reports what is wrong).
func (c *compactReader) intFast(t Type) bool {
	d := c.d
	p := d.pos
	if p < 0 || p+10 > len(d.buf) {
		return false
	}
	b := d.buf[p : p+10]
	var v uint64
	for i, x := range b {
		v |= uint64(x&0x7f) << (7 * uint(i))
		if x >= 0x80 {
			continue
		}
		if t != TypeI64 && (i > 4 || (i == 4 && x > 0x0f)) || (i == 9 && x > 1) {
			return false
		}
		d.pos = p + i + 1
		switch t {
		case TypeI64:
			c.out = binary.BigEndian.AppendUint64(c.out, (v>>1)^-(v&1))
		case TypeI32:
			u := uint32(v)
			c.out = binary.BigEndian.AppendUint32(c.out, (u>>1)^-(u&1))
		default:
			u := uint32(v)
			c.out = binary.BigEndian.AppendUint16(c.out, uint16((u>>1)^-(u&1)))
		}
		return true
	}
	return false
}

func (c *compactReader) i32(what string) (int32, error) {
	u, err := c.varint(32, what)
	return int32(uint32(u)>>1) ^ -int32(u&1), err
}

// size reads a non-negative varint32 length or count.
func (c *compactReader) size(what string) (int, error) {
	u, err := c.varint(32, what)
	if err != nil {
		return 0, err
	}
	if n := int32(uint32(u)); n < 0 {
		return 0, protoErr(KindNegativeSize, what+" "+itoa(int(n))+" is negative", nil)
	}
	return int(u), nil
}

// bytes reads a varint length and that many bytes, aliasing the buffer.
func (c *compactReader) bytes(what string) ([]byte, error) {
	n, err := c.size("length")
	if err != nil {
		return nil, err
	}
	d := c.d
	if err := d.checkLen(what, n, d.lim.MaxStringLength); err != nil {
		return nil, err
	}
	if err := d.need(n, what); err != nil {
		return nil, err
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

func (c *compactReader) fixed(n int, what string) ([]byte, error) {
	d := c.d
	if err := d.need(n, what); err != nil {
		return nil, err
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

// message transcodes a message header and its body struct.
func (c *compactReader) message() error {
	b, err := c.byte("message header")
	if err != nil {
		return err
	}
	if b != compactProtocolID {
		return protoErr(KindBadVersion, "compact message starts with 0x"+hex32(uint32(b))[6:]+", not the protocol id 0x82", nil)
	}
	vt, err := c.byte("message header")
	if err != nil {
		return err
	}
	if vt&0x1f != compactVersion {
		return protoErr(KindBadVersion, "compact protocol version "+itoa(int(vt&0x1f))+", want 1", nil)
	}
	u, err := c.varint(32, "sequence id")
	if err != nil {
		return err
	}
	name, err := c.bytes("message name")
	if err != nil {
		return err
	}
	c.out = binary.BigEndian.AppendUint32(c.out, version1|uint32(vt>>5))
	c.out = binary.BigEndian.AppendUint32(c.out, uint32(len(name)))
	c.out = append(c.out, name...)
	c.out = binary.BigEndian.AppendUint32(c.out, uint32(u))
	return c.value(TypeStruct)
}

func (c *compactReader) value(t Type) error {
	switch t {
	case TypeBool:
		b, err := c.byte("bool")
		if err != nil {
			return err
		}
		c.out = appendBool(c.out, b == 1)
	case TypeI8:
		b, err := c.byte("i8")
		if err != nil {
			return err
		}
		c.out = append(c.out, b)
	case TypeI16:
		v, err := c.i32("i16")
		if err != nil {
			return err
		}
		c.out = binary.BigEndian.AppendUint16(c.out, uint16(int16(v)))
	case TypeI32:
		v, err := c.i32("i32")
		if err != nil {
			return err
		}
		c.out = binary.BigEndian.AppendUint32(c.out, uint32(v))
	case TypeI64:
		u, err := c.varint(64, "i64")
		if err != nil {
			return err
		}
		c.out = binary.BigEndian.AppendUint64(c.out, uint64(int64(u>>1)^-int64(u&1)))
	case TypeDouble:
		b, err := c.fixed(8, "double")
		if err != nil {
			return err
		}
		c.out = binary.BigEndian.AppendUint64(c.out, binary.LittleEndian.Uint64(b))
	case TypeString:
		d := c.d
		if p := d.pos; uint(p) < uint(len(d.buf)) && d.buf[p] < 0x80 {
			// A short string whose bytes are all at hand.
			n := int(d.buf[p])
			if p+1+n <= len(d.buf) && n <= d.lim.MaxStringLength {
				c.out = appendRaw(c.out, d.buf[p+1:p+1+n])
				d.pos = p + 1 + n
				return nil
			}
		}
		b, err := c.bytes("string")
		if err != nil {
			return err
		}
		c.out = appendRaw(c.out, b)
	case TypeUUID:
		b, err := c.fixed(16, "uuid")
		if err != nil {
			return err
		}
		c.out = append(c.out, b...)
	case TypeStruct:
		return c.structBody()
	case TypeList, TypeSet:
		h, err := c.byte("list header")
		if err != nil {
			return err
		}
		n := int(h >> 4)
		if n == 15 {
			if n, err = c.size("list size"); err != nil {
				return err
			}
		}
		et := binaryFromCompact[h&0x0f]
		if err := c.checkCount("list", n, et, TypeStop, h&0x0f); err != nil {
			return err
		}
		c.out = append(c.out, byte(et))
		c.out = binary.BigEndian.AppendUint32(c.out, uint32(n))
		switch et {
		case TypeI64:
			for range n {
				u, err := c.varint(64, "i64")
				if err != nil {
					return err
				}
				c.out = binary.BigEndian.AppendUint64(c.out, (u>>1)^-(u&1))
			}
		case TypeI32:
			for range n {
				v, err := c.i32("i32")
				if err != nil {
					return err
				}
				c.out = binary.BigEndian.AppendUint32(c.out, uint32(v))
			}
		default:
			for range n {
				if err := c.value(et); err != nil {
					return err
				}
			}
		}
		c.d.depth--
	case TypeMap:
		n, err := c.size("map size")
		if err != nil {
			return err
		}
		var kt, vt Type
		if n > 0 {
			h, err := c.byte("map header")
			if err != nil {
				return err
			}
			kt, vt = binaryFromCompact[h>>4], binaryFromCompact[h&0x0f]
			if kt == 0 || vt == 0 {
				return protoErr(KindInvalidData, "map of "+itoa(n)+" elements has invalid key or value type in 0x"+hex32(uint32(h))[6:], nil)
			}
		}
		if err := c.checkCount("map", n, kt, vt, 0); err != nil {
			return err
		}
		c.out = append(c.out, byte(kt), byte(vt))
		c.out = binary.BigEndian.AppendUint32(c.out, uint32(n))
		for range n {
			if err := c.value(kt); err != nil {
				return err
			}
			if err := c.value(vt); err != nil {
				return err
			}
		}
		c.d.depth--
	default:
		return protoErr(KindInvalidData, "cannot read a value of type "+t.String()+" at offset "+itoa(c.d.offset()), nil)
	}
	return nil
}

// checkCount vets a container count against the limits and the bytes left,
// as Decoder.checkCount does for binary, then enters one level of nesting.
func (c *compactReader) checkCount(what string, n int, k, v Type, raw byte) error {
	d := c.d
	if n > 0 {
		if n > d.lim.MaxContainerLength {
			return protoErr(KindSizeLimit, what+" of "+itoa(n)+" elements exceeds the limit of "+itoa(d.lim.MaxContainerLength), nil)
		}
		per := int(compactMinSizes[k])
		if per == 0 {
			return protoErr(KindInvalidData, what+" of "+itoa(n)+" elements has invalid element type "+itoa(int(raw)), nil)
		}
		if v != TypeStop {
			per += int(compactMinSizes[v])
		}
		if n > d.Remaining()/per {
			return d.budgetErr(what+" of "+itoa(n)+" elements", n*per)
		}
	}
	return d.enter(what)
}

func (c *compactReader) structBody() error {
	d := c.d
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	var last int16
	for {
		var h byte
		if p := d.pos; uint(p) < uint(len(d.buf)) {
			h = d.buf[p]
			d.pos = p + 1
		} else {
			var err error
			if h, err = d.readByteSlow("field header"); err != nil {
				return err
			}
		}
		if h == 0 {
			c.out = append(c.out, byte(TypeStop))
			break
		}
		t := binaryFromCompact[h&0x0f]
		if t == 0 {
			return protoErr(KindInvalidData, "field header 0x"+hex32(uint32(h))[6:]+" at offset "+itoa(d.offset()-1)+" has an invalid type", nil)
		}
		id := last + int16(h>>4)
		if h>>4 == 0 {
			v, err := c.i32("field id")
			if err != nil {
				return err
			}
			id = int16(v)
		}
		last = id
		c.out = append(c.out, byte(t), byte(uint16(id)>>8), byte(id))
		if t == TypeBool {
			c.out = appendBool(c.out, h&0x0f == 1)
			continue
		}
		if t == TypeI32 || t == TypeI64 || t == TypeI16 {
			if c.intFast(t) {
				continue
			}
		}
		if err := c.value(t); err != nil {
			return err
		}
	}
	d.ReadStructEnd()
	return nil
}

// ---- binary → compact (writing to a peer) ----

// binReader walks binary produced by our own Encoder. It still checks every
// bound and reports malformed input as an error, since the exported
// transcoding functions take bytes from anywhere.
type binReader struct {
	src   []byte
	pos   int
	depth int
}

// maxTranscodeDepth bounds the recursion of the binary walkers.
const maxTranscodeDepth = 1 << 10

//go:noinline
func (r *binReader) short() error { return r.errShort("value") }

//go:noinline
func (r *binReader) errShort(what string) error {
	return protoErr(KindUnknown, "binary input ends inside "+what+" at offset "+itoa(r.pos), io.ErrUnexpectedEOF)
}

func (r *binReader) take(n int, _ string) ([]byte, error) {
	if uint(n) > uint(len(r.src)-r.pos) {
		return nil, r.short()
	}
	b := r.src[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *binReader) u32(_ string) (uint32, error) {
	p := r.pos
	if uint(p)+4 > uint(len(r.src)) {
		return 0, r.short()
	}
	r.pos = p + 4
	return binary.BigEndian.Uint32(r.src[p:]), nil
}

// count reads an i32 count and checks it against the bytes left for
// elements of at least per bytes each (0 for an element type that cannot
// be on the wire).
func (r *binReader) count(what string, per int) (int, error) {
	v, err := r.u32(what)
	if err != nil {
		return 0, err
	}
	n := int(int32(v))
	if n < 0 {
		return 0, protoErr(KindNegativeSize, what+" "+itoa(n)+" is negative", nil)
	}
	if n > 0 && (per == 0 || n > (len(r.src)-r.pos)/per) {
		if per == 0 {
			return 0, protoErr(KindInvalidData, what+": invalid element type", nil)
		}
		return 0, r.errShort(what)
	}
	return n, nil
}

func (r *binReader) enter() error {
	r.depth++
	if r.depth > maxTranscodeDepth {
		return protoErr(KindDepthLimit, "binary input nests deeper than "+itoa(maxTranscodeDepth), nil)
	}
	return nil
}

// compactWriter appends compact to out from binary read by r.
type compactWriter struct {
	binReader
	out []byte
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendRaw(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, checkLen(len(v)))
	return append(b, v...)
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func zigzag32(v int32) uint64 { return uint64(uint32(v<<1) ^ uint32(v>>31)) }
func zigzag64(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func (w *compactWriter) message() error {
	v, err := w.u32("message header")
	if err != nil {
		return err
	}
	if v&versionMask != version1 {
		return protoErr(KindBadVersion, "binary input does not start with a strict message header", nil)
	}
	n, err := w.u32("message name")
	if err != nil {
		return err
	}
	name, err := w.take(int(int32(n)), "message name")
	if err != nil {
		return err
	}
	seq, err := w.u32("sequence id")
	if err != nil {
		return err
	}
	w.out = append(w.out, compactProtocolID, byte(v&0x07)<<5|compactVersion)
	w.out = appendUvarint(w.out, uint64(seq))
	w.out = appendUvarint(w.out, uint64(len(name)))
	w.out = append(w.out, name...)
	return w.value(TypeStruct)
}

func (w *compactWriter) value(t Type) error {
	switch t {
	case TypeBool:
		b, err := w.take(1, "bool")
		if err != nil {
			return err
		}
		if b[0] == 1 {
			w.out = append(w.out, 1)
		} else {
			w.out = append(w.out, 2)
		}
	case TypeI8:
		b, err := w.take(1, "i8")
		if err != nil {
			return err
		}
		w.out = append(w.out, b[0])
	case TypeI16:
		b, err := w.take(2, "i16")
		if err != nil {
			return err
		}
		w.out = appendUvarint(w.out, zigzag32(int32(int16(binary.BigEndian.Uint16(b)))))
	case TypeI32:
		p := w.pos
		if uint(p)+4 > uint(len(w.src)) {
			return w.short()
		}
		w.pos = p + 4
		w.out = appendUvarint(w.out, zigzag32(int32(binary.BigEndian.Uint32(w.src[p:]))))
	case TypeI64:
		p := w.pos
		if uint(p)+8 > uint(len(w.src)) {
			return w.short()
		}
		w.pos = p + 8
		w.out = appendUvarint(w.out, zigzag64(int64(binary.BigEndian.Uint64(w.src[p:]))))
	case TypeDouble:
		b, err := w.take(8, "double")
		if err != nil {
			return err
		}
		w.out = binary.LittleEndian.AppendUint64(w.out, binary.BigEndian.Uint64(b))
	case TypeString:
		p := w.pos
		if uint(p)+4 > uint(len(w.src)) {
			return w.short()
		}
		n := int(int32(binary.BigEndian.Uint32(w.src[p:])))
		p += 4
		if uint(n) > uint(len(w.src)-p) {
			return w.short()
		}
		w.pos = p + n
		w.out = appendUvarint(w.out, uint64(n))
		w.out = append(w.out, w.src[p:p+n]...)
	case TypeUUID:
		b, err := w.take(16, "uuid")
		if err != nil {
			return err
		}
		w.out = append(w.out, b...)
	case TypeStruct:
		return w.structBody()
	case TypeList, TypeSet:
		h, err := w.take(1, "list header")
		if err != nil {
			return err
		}
		et := Type(h[0])
		n, err := w.count("list size", int(minSizes[et]))
		if err != nil {
			return err
		}
		ct := compactFromBinary[et]
		if n < 15 {
			w.out = append(w.out, byte(n)<<4|ct)
		} else {
			w.out = append(w.out, 0xf0|ct)
			w.out = appendUvarint(w.out, uint64(n))
		}
		return w.elems(et, TypeStop, n)
	case TypeMap:
		h, err := w.take(2, "map header")
		if err != nil {
			return err
		}
		kt, vt := Type(h[0]), Type(h[1])
		per := int(minSizes[kt]) + int(minSizes[vt])
		if minSizes[kt] == 0 || minSizes[vt] == 0 {
			per = 0
		}
		n, err := w.count("map size", per)
		if err != nil {
			return err
		}
		w.out = appendUvarint(w.out, uint64(n))
		if n > 0 {
			w.out = append(w.out, compactFromBinary[kt]<<4|compactFromBinary[vt])
		}
		return w.elems(kt, vt, n)
	default:
		return protoErr(KindInvalidData, "binary input has a value of type "+t.String()+" at offset "+itoa(w.pos), nil)
	}
	return nil
}

func (w *compactWriter) elems(k, v Type, n int) error {
	if err := w.enter(); err != nil {
		return err
	}
	// The hot cases of large containers, without the switch per element.
	switch {
	case k == TypeI64 && v == TypeStop:
		b, err := w.take(8*n, "list")
		if err != nil {
			return err
		}
		for i := 0; i+8 <= len(b); i += 8 {
			w.out = appendUvarint(w.out, zigzag64(int64(binary.BigEndian.Uint64(b[i:]))))
		}
	case k == TypeI32 && v == TypeStop:
		b, err := w.take(4*n, "list")
		if err != nil {
			return err
		}
		for i := 0; i+4 <= len(b); i += 4 {
			w.out = appendUvarint(w.out, zigzag32(int32(binary.BigEndian.Uint32(b[i:]))))
		}
	default:
		for range n {
			if err := w.value(k); err != nil {
				return err
			}
			if v != TypeStop {
				if err := w.value(v); err != nil {
					return err
				}
			}
		}
	}
	w.depth--
	return nil
}

func (w *compactWriter) structBody() error {
	if err := w.enter(); err != nil {
		return err
	}
	var last int16
	for {
		p := w.pos
		if uint(p) >= uint(len(w.src)) {
			return w.short()
		}
		t := Type(w.src[p])
		if t == TypeStop {
			w.pos = p + 1
			w.out = append(w.out, 0)
			break
		}
		if p+3 > len(w.src) {
			return w.short()
		}
		id := int16(uint16(w.src[p+1])<<8 | uint16(w.src[p+2]))
		w.pos = p + 3
		ct := compactFromBinary[t]
		if ct == 0 {
			return protoErr(KindInvalidData, "binary input has a field of type "+t.String()+" at offset "+itoa(w.pos-3), nil)
		}
		if t == TypeBool {
			v, err := w.take(1, "bool")
			if err != nil {
				return err
			}
			if v[0] != 1 {
				ct = 2
			}
		}
		if id > last && id-last <= 15 {
			w.out = append(w.out, byte(id-last)<<4|ct)
		} else {
			w.out = append(w.out, ct)
			w.out = appendUvarint(w.out, zigzag32(int32(id)))
		}
		last = id
		if t == TypeBool {
			continue
		}
		if err := w.value(t); err != nil {
			return err
		}
	}
	w.depth--
	return nil
}
