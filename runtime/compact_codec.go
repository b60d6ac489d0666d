package runtime

import (
	"encoding/binary"
	"math"
)

// CompactDecoder and CompactEncoder read and write TCompactProtocol
// directly, for the EncodeCompact and DecodeCompact methods the generator
// emits next to Encode and Decode (see "How generated code speaks several
// protocols" in protocol.go for why compact has its own generated methods
// and JSON does not). They have the method set of Decoder and Encoder that
// generated code uses, with the same meaning, so the generated compact
// methods are the binary ones with another parameter type.
//
// Compact differs from binary in three ways that need state here:
//
//   - field ids are deltas from the previous field of the same struct, so
//     ReadStructBegin/WriteStructBegin save the last id and start from 0,
//     ReadStructEnd/WriteFieldStop restore it;
//   - a bool field's value is its header's type (1 true, 2 false): on
//     reading, ReadFieldBegin keeps it for the ReadBool (or Skip) that
//     follows; on writing, WriteFieldBegin(TypeBool, id) is held back until
//     WriteBool knows the value;
//   - integers are zigzag varints; a varint longer than its type allows is
//     an error (the varint-loop CVE class of Apache's libraries).
//
// Every limit of Decoder holds: CompactDecoder wraps one and uses its
// budget, refill and error paths, and checks container counts against the
// fewest bytes an element takes in compact.

// CompactDecoder reads TCompactProtocol from a message in memory or from a
// stream. Create one with NewCompactDecoder; it is not safe for concurrent
// use.
type CompactDecoder struct {
	d       Decoder
	last    int16   // id of the previous field in the current struct
	ids     []int16 // the last ids of the enclosing structs
	boolSet bool    // a bool field header was read; boolVal is its value
	boolVal bool
	skip    []byte // scratch for Skip, which transcodes and drops

	// warm is set by a Codec from its second Unmarshal on: messages keep
	// coming, so a short string that needs a new chunk gets a whole one
	// (arenaChunk) that the strings of the next messages share, instead
	// of its own allocation (see ReadString).
	warm bool
}

// NewCompactDecoder returns a CompactDecoder that reads the struct in buf
// with the limits lim; buf is never modified or kept after Reset.
func NewCompactDecoder(buf []byte, lim Limits) *CompactDecoder {
	c := &CompactDecoder{}
	c.d.lim = lim.withDefaults()
	c.Reset(buf)
	return c
}

// Reset makes c read buf from its start, keeping the limits.
func (c *CompactDecoder) Reset(buf []byte) {
	c.d.Reset(buf)
	c.last, c.ids, c.boolSet = 0, c.ids[:0], false
}

// Remaining is Decoder.Remaining: the bytes the message may still hold.
func (c *CompactDecoder) Remaining() int { return c.d.Remaining() }

// reader gives the shared compact primitives of compact.go.
func (c *CompactDecoder) reader() compactReader { return compactReader{d: &c.d} }

// ReadStructBegin enters a struct (see Decoder.ReadStructBegin) and starts
// its field ids from 0.
func (c *CompactDecoder) ReadStructBegin() error {
	if err := c.d.ReadStructBegin(); err != nil {
		return err
	}
	c.ids = append(c.ids, c.last)
	c.last = 0
	return nil
}

// ReadStructEnd leaves the struct entered by ReadStructBegin.
func (c *CompactDecoder) ReadStructEnd() {
	c.d.depth--
	if n := len(c.ids); n > 0 {
		c.last = c.ids[n-1]
		c.ids = c.ids[:n-1]
	}
}

// ReadFieldBegin reads a field header and returns its binary type id
// (TypeBool for both compact bool types) and its absolute id.
func (c *CompactDecoder) ReadFieldBegin() (Type, int16, error) {
	// The inlined path: a short header of a non-bool type (binary ids
	// above TypeBool; 0 marks an invalid one). Stop, bools, long headers
	// and errors take the slow path.
	d := &c.d
	if p := d.pos; uint(p) < uint(len(d.buf)) {
		h := d.buf[p]
		if t := shortFieldTypes[h]; t != 0 {
			d.pos = p + 1
			c.last += int16(h >> 4)
			return t, c.last, nil
		}
	}
	return c.readFieldBeginSlow()
}

// shortFieldTypes maps a one-byte field header (id delta 1..15) of a
// non-bool type to its binary type id, and every other byte to 0: one
// lookup keeps ReadFieldBegin within the inlining budget.
var shortFieldTypes = func() (t [256]Type) {
	for h := 0x10; h < 0x100; h++ {
		if bt := binaryFromCompact[h&0x0f]; bt > TypeBool {
			t[h] = bt
		}
	}
	return t
}()

//go:noinline
func (c *CompactDecoder) readFieldBeginSlow() (Type, int16, error) {
	r := c.reader()
	h, err := r.byte("field header")
	if err != nil {
		return 0, 0, err
	}
	if h == 0 {
		return TypeStop, 0, nil
	}
	t := binaryFromCompact[h&0x0f]
	if t == 0 {
		return 0, 0, protoErr(KindInvalidData, "field header 0x"+hex32(uint32(h))[6:]+" at offset "+itoa(c.d.offset()-1)+" has an invalid type", nil)
	}
	id := c.last + int16(h>>4)
	if h>>4 == 0 {
		v, err := r.i32("field id")
		if err != nil {
			return 0, 0, err
		}
		id = int16(v)
	}
	c.last = id
	if t == TypeBool {
		c.boolSet, c.boolVal = true, h&0x0f == 1
	}
	return t, id, nil
}

// ReadBool returns the value of the bool field whose header was just read,
// or reads a container's bool byte (1 is true, as Apache reads it).
func (c *CompactDecoder) ReadBool() (bool, error) {
	if c.boolSet {
		c.boolSet = false
		return c.boolVal, nil
	}
	b, err := c.d.ReadI8()
	return b == 1, err
}

// ReadI8 reads one byte.
func (c *CompactDecoder) ReadI8() (int8, error) { return c.d.ReadI8() }

// varint32 reads a varint of at most 32 bits.
func (c *CompactDecoder) varint32(what string) (uint32, error) {
	d := &c.d
	if p := d.pos; uint(p) < uint(len(d.buf)) && d.buf[p] < 0x80 {
		d.pos = p + 1
		return uint32(d.buf[p]), nil
	}
	if p := d.pos; p >= 0 && p+10 <= len(d.buf) {
		// Ids and counts of several bytes, as ReadI64 does.
		if u, n := uvarintAt(d.buf[p:p+10], 32); n > 0 {
			d.pos = p + n
			return uint32(u), nil
		}
	}
	r := c.reader()
	u, err := r.varintLong(32, what)
	return uint32(u), err
}

// ReadI16 reads a zigzag varint i16 (Apache reads it as a varint32).
func (c *CompactDecoder) ReadI16() (int16, error) {
	u, err := c.varint32("i16")
	return int16(int32(u>>1) ^ -int32(u&1)), err
}

// ReadI32 reads a zigzag varint i32.
func (c *CompactDecoder) ReadI32() (int32, error) {
	u, err := c.varint32("i32")
	return int32(u>>1) ^ -int32(u&1), err
}

// ReadI64 reads a zigzag varint i64.
func (c *CompactDecoder) ReadI64() (int64, error) {
	d := &c.d
	if p := d.pos; p >= 0 && p+10 <= len(d.buf) {
		// Timestamps and ids are several bytes: decoded here without
		// the general path's calls.
		if u, n := uvarintAt(d.buf[p:p+10], 64); n > 0 {
			d.pos = p + n
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
	r := c.reader()
	u, err := r.varintLong(64, "i64")
	return int64(u>>1) ^ -int64(u&1), err
}

// ReadDouble reads 8 bytes little-endian.
func (c *CompactDecoder) ReadDouble() (float64, error) {
	d := &c.d
	if p := d.pos; p >= 0 && p+8 <= len(d.buf) {
		d.pos = p + 8
		return math.Float64frombits(binary.LittleEndian.Uint64(d.buf[p:])), nil
	}
	r := c.reader()
	b, err := r.fixed(8, "double")
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
}

// ReadString reads a varint length and that many bytes as a new string
// (from the Decoder's shared chunk, see batch.go).
func (c *CompactDecoder) ReadString() (string, error) {
	d := &c.d
	if p := d.pos; uint(p) < uint(len(d.buf)) && d.buf[p] < 0x80 {
		n := int(d.buf[p])
		if p+1+n <= len(d.buf) && n <= d.lim.MaxStringLength {
			d.pos = p + 1 + n
			if n > cap(d.arena)-len(d.arena) {
				if c.warm {
					// n < 128: one chunk holds the short strings of
					// many small messages, where a string of its own
					// was a fifth of the small benchmark struct's
					// decode. A kept string pins at most one chunk,
					// as documented in batch.go.
					d.arena = makeNoZero(arenaChunk)[:0:arenaChunk]
				} else if len(d.buf)-d.pos < arenaMinRest {
					return string(d.buf[p+1 : p+1+n]), nil // as in Decoder.ReadString
				}
			}
			return d.arenaString(d.buf[p+1 : p+1+n]), nil
		}
	}
	r := c.reader()
	b, err := r.bytes("string")
	if err != nil {
		return "", err
	}
	return d.arenaString(b), nil
}

// ReadBinary reads a varint length and that many bytes into a slice the
// caller owns; empty gives a non-nil empty slice, as Decoder.ReadBinary.
func (c *CompactDecoder) ReadBinary() ([]byte, error) {
	r := c.reader()
	b, err := r.bytes("binary")
	if err != nil {
		return nil, err
	}
	return c.d.arenaBytes(b), nil
}

// ReadUUID reads 16 raw bytes.
func (c *CompactDecoder) ReadUUID() (UUID, error) { return c.d.ReadUUID() }

// readSeqBegin reads a list or set header: size<<4|type, or 0xf?|type
// and a varint size. header and size name the parts in errors; they are
// passed as constants because building them from what cost a string
// concatenation per list (3% of the medium benchmark struct's decode).
func (c *CompactDecoder) readSeqBegin(what, header, size string) (Type, int, error) {
	r := c.reader()
	h, err := r.byte(header)
	if err != nil {
		return 0, 0, err
	}
	n := int(h >> 4)
	if n == 15 {
		if n, err = r.size(size); err != nil {
			return 0, 0, err
		}
	}
	et := binaryFromCompact[h&0x0f]
	if err := r.checkCount(what, n, et, TypeStop, h&0x0f); err != nil {
		return et, 0, err
	}
	return et, n, nil
}

// ReadListBegin reads a list header, checks the count and enters one level
// of nesting; call ReadListEnd after the elements.
func (c *CompactDecoder) ReadListBegin() (elem Type, n int, err error) {
	return c.readSeqBegin("list", "list header", "list size")
}

// ReadListEnd leaves the list entered by ReadListBegin.
func (c *CompactDecoder) ReadListEnd() { c.d.depth-- }

// ReadSetBegin reads a set header, laid out like a list's.
func (c *CompactDecoder) ReadSetBegin() (elem Type, n int, err error) {
	return c.readSeqBegin("set", "set header", "set size")
}

// ReadSetEnd leaves the set entered by ReadSetBegin.
func (c *CompactDecoder) ReadSetEnd() { c.d.depth-- }

// ReadMapBegin reads a map header: the varint size, then (key<<4 | value)
// unless the size is 0.
func (c *CompactDecoder) ReadMapBegin() (key, value Type, n int, err error) {
	r := c.reader()
	if n, err = r.size("map size"); err != nil {
		return 0, 0, 0, err
	}
	if n > 0 {
		h, err := r.byte("map header")
		if err != nil {
			return 0, 0, 0, err
		}
		key, value = binaryFromCompact[h>>4], binaryFromCompact[h&0x0f]
		if key == 0 || value == 0 {
			return 0, 0, 0, protoErr(KindInvalidData, "map of "+itoa(n)+" elements has invalid key or value type in 0x"+hex32(uint32(h))[6:], nil)
		}
	}
	if err := r.checkCount("map", n, key, value, 0); err != nil {
		return key, value, 0, err
	}
	return key, value, n, nil
}

// ReadMapEnd leaves the map entered by ReadMapBegin.
func (c *CompactDecoder) ReadMapEnd() { c.d.depth-- }

// Skip reads and discards one value of type t with every limit enforced.
// A bool field's value was in its header, so skipping it reads nothing.
func (c *CompactDecoder) Skip(t Type) error {
	if t == TypeBool && c.boolSet {
		c.boolSet = false
		return nil
	}
	// The transcoder already validates every compact value; its binary
	// output goes to a scratch buffer that is dropped.
	r := compactReader{d: &c.d, out: c.skip[:0]}
	err := r.value(t)
	if cap(r.out) <= maxKeptWriteBuf {
		c.skip = r.out[:0]
	} else {
		c.skip = nil
	}
	return err
}

// CompactEncoder appends TCompactProtocol to a byte slice it owns, as
// Apache's TCompactProtocol writes it byte for byte. The zero value is
// ready to use; Reset reuses the buffer.
type CompactEncoder struct {
	buf      []byte
	last     int16
	ids      []int16
	boolID   int16 // id of a bool field whose header waits for its value
	boolHeld bool

	// stopAt and tripped bound the buffer as Encoder's do (setMaxSize):
	// a connection's reply far larger than any peer accepts fails before
	// it is built. Checked where a write can be large (strings and
	// binaries) and at every struct's end; not in container headers, which
	// would put them past the inlining budget: the elements of a container
	// between two checks take at most a few bytes more each than the
	// caller's own values.
	stopAt  int
	tripped bool
}

// setMaxSize bounds the buffer to n bytes (n <= 0: no bound).
func (e *CompactEncoder) setMaxSize(n int) {
	e.stopAt = 0
	if n > 0 {
		e.stopAt = n + 1
	}
}

// over reports whether n more bytes would pass the bound; with none,
// stopAt-1 is the largest uint.
func (e *CompactEncoder) over(n int) bool {
	return uint(len(e.buf))+uint(n) > uint(e.stopAt-1)
}

// trip empties the buffer once the bound is passed; err reports it.
func (e *CompactEncoder) trip() { e.buf, e.tripped = e.buf[:0], true }

func (e *CompactEncoder) err() error {
	if !e.tripped {
		return nil
	}
	return protoErr(KindSizeLimit, "encoded message exceeds the limit of "+itoa(e.stopAt-1)+" bytes", nil)
}

// Reset empties e, keeping the buffer's capacity.
func (e *CompactEncoder) Reset() {
	e.buf, e.last, e.ids, e.boolHeld, e.tripped = e.buf[:0], 0, e.ids[:0], false, false
}

// Bytes returns the encoded bytes, valid until the next write or Reset.
func (e *CompactEncoder) Bytes() []byte { return e.buf }

// WriteStructBegin starts a struct's field ids from 0. Generated
// EncodeCompact methods call it first (binary needs no such call).
func (e *CompactEncoder) WriteStructBegin() {
	e.ids = append(e.ids, e.last)
	e.last = 0
}

// WriteFieldStop ends the struct begun by WriteStructBegin.
func (e *CompactEncoder) WriteFieldStop() {
	e.buf = append(e.buf, 0)
	if e.over(0) {
		e.trip()
	}
	if n := len(e.ids); n > 0 {
		e.last = e.ids[n-1]
		e.ids = e.ids[:n-1]
	}
}

// WriteFieldBegin writes a field header (a bool field's waits for
// WriteBool): one byte when the id is 1..15 above the previous field's,
// else the type byte and the id as a zigzag varint.
func (e *CompactEncoder) WriteFieldBegin(t Type, id int16) {
	if t == TypeBool {
		e.boolID, e.boolHeld = id, true
		return
	}
	e.fieldHeader(compactFromBinary[t], id)
}

func (e *CompactEncoder) fieldHeader(ct byte, id int16) {
	if id > e.last && id-e.last <= 15 {
		e.buf = append(e.buf, byte(id-e.last)<<4|ct)
	} else {
		e.buf = append(e.buf, ct)
		e.buf = appendUvarint(e.buf, zigzag32(int32(id)))
	}
	e.last = id
}

// WriteBool writes a held bool field's header with the value in its type,
// or a container's bool as one byte (1 true, 2 false).
func (e *CompactEncoder) WriteBool(v bool) {
	ct := byte(2)
	if v {
		ct = 1
	}
	if e.boolHeld {
		e.boolHeld = false
		e.fieldHeader(ct, e.boolID)
		return
	}
	e.buf = append(e.buf, ct)
}

// WriteI8 writes one byte.
func (e *CompactEncoder) WriteI8(v int8) { e.buf = append(e.buf, byte(v)) }

// WriteI16 writes a zigzag varint.
func (e *CompactEncoder) WriteI16(v int16) { e.buf = appendUvarint(e.buf, zigzag32(int32(v))) }

// WriteI32 writes a zigzag varint.
func (e *CompactEncoder) WriteI32(v int32) { e.buf = appendUvarint(e.buf, zigzag32(v)) }

// WriteI64 writes a zigzag varint.
func (e *CompactEncoder) WriteI64(v int64) { e.buf = appendUvarint(e.buf, zigzag64(v)) }

// WriteDouble writes 8 bytes little-endian.
func (e *CompactEncoder) WriteDouble(v float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
}

// WriteString writes a varint length and the bytes.
func (e *CompactEncoder) WriteString(v string) {
	if e.over(len(v) + 5) {
		e.tripped = true // without emptying the buffer, to stay inlinable
		return
	}
	e.buf = appendUvarint(e.buf, uint64(checkLen(len(v))))
	e.buf = append(e.buf, v...)
}

// WriteBinary writes a varint length and the bytes.
func (e *CompactEncoder) WriteBinary(v []byte) {
	if e.over(len(v) + 5) {
		e.tripped = true // without emptying the buffer, to stay inlinable
		return
	}
	e.buf = appendUvarint(e.buf, uint64(checkLen(len(v))))
	e.buf = append(e.buf, v...)
}

// WriteUUID writes the 16 bytes of v.
func (e *CompactEncoder) WriteUUID(v UUID) { e.buf = append(e.buf, v[:]...) }

func (e *CompactEncoder) seqBegin(elem Type, n int) {
	ct := compactFromBinary[elem]
	if n < 15 {
		e.buf = append(e.buf, byte(n)<<4|ct)
		return
	}
	e.buf = append(e.buf, 0xf0|ct)
	e.buf = appendUvarint(e.buf, uint64(checkLen(n)))
}

// WriteListBegin writes a list header; the n elements follow.
func (e *CompactEncoder) WriteListBegin(elem Type, n int) { e.seqBegin(elem, n) }

// WriteSetBegin writes a set header, laid out like a list's.
func (e *CompactEncoder) WriteSetBegin(elem Type, n int) { e.seqBegin(elem, n) }

// WriteMapBegin writes the varint size and, unless it is 0, the key and
// value types in one byte.
func (e *CompactEncoder) WriteMapBegin(key, value Type, n int) {
	e.buf = appendUvarint(e.buf, uint64(checkLen(n)))
	if n > 0 {
		e.buf = append(e.buf, compactFromBinary[key]<<4|compactFromBinary[value])
	}
}
