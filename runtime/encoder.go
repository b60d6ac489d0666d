package runtime

import (
	"encoding/binary"
	"errors"
	"math"
)

// versionWord is the high half of the first i32 of a strict message header.
const (
	version1    = 0x80010000
	versionMask = 0xffff0000
)

// Encoder appends the binary protocol to a byte slice it owns. Writes cannot
// fail: the only limits are those of the wire format itself (lengths and
// counts must fit in an i32, which a Write method checks and panics on,
// because such a value could never be decoded by any peer).
//
// The zero Encoder is ready to use. Reuse one (Reset) to encode without
// allocating once its buffer has grown to the size of your messages.
type Encoder struct {
	buf []byte
	// frame is 1 + the offset of the pending frame header reserved by
	// BeginFrame, or 0 when there is none.
	frame int
	// stopAt is 1 + the largest length buf may reach, or 0 for no limit
	// (see SetMaxSize); tripped records that it was passed since Reset.
	stopAt  int
	tripped bool
	// b64 makes WriteBinary write base64 text, for the JSON protocol
	// (see json.go).
	b64 bool
}

// NewEncoder returns an Encoder that appends to buf[:0], reusing buf's
// capacity. buf may be nil.
func NewEncoder(buf []byte) *Encoder {
	return &Encoder{buf: buf[:0]}
}

// Reset empties the Encoder and forgets any pending frame and size error;
// the buffer keeps its capacity and the Encoder its size limit.
func (e *Encoder) Reset() {
	e.buf = e.buf[:0]
	e.frame = 0
	e.tripped = false
}

// SetMaxSize bounds what the Encoder will hold to n bytes (n <= 0: no
// bound, the default), so that encoding a value far larger than any peer
// would accept fails instead of building it in memory: a server's reply to
// a small request can otherwise be many times the request's size.
//
// The bound is checked where a value can be large (strings, binaries,
// container headers, whose element count times the smallest encoding of
// the element type is checked up front) and at the end of every struct, so
// the Encoder never holds more than n bytes plus one struct's fixed-size
// fields. Once passed, the Encoder drops what it holds and keeps dropping;
// Err reports it. Writes still cannot fail one by one, which keeps them
// small enough to inline.
func (e *Encoder) SetMaxSize(n int) {
	e.stopAt = 0
	if n > 0 {
		e.stopAt = n + 1
	}
}

// Err returns a *ProtocolError of kind KindSizeLimit if the Encoder passed
// the bound SetMaxSize set since the last Reset, else nil. The bytes are
// then incomplete and must not be sent.
func (e *Encoder) Err() error {
	if !e.tripped {
		return nil
	}
	return protoErr(KindSizeLimit, "encoded message exceeds the limit of "+itoa(e.stopAt-1)+" bytes", nil)
}

// over reports whether the buffer would pass the size bound after adding
// n more bytes. With no bound, stopAt-1 is -1, the largest uint.
func (e *Encoder) over(n int) bool {
	return uint(len(e.buf))+uint(n) > uint(e.stopAt-1)
}

// Bytes returns the encoded bytes. They alias the Encoder's buffer and are
// valid only until the next write or Reset.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of encoded bytes.
func (e *Encoder) Len() int { return len(e.buf) }

// WriteBool writes 1 for true and 0 for false.
func (e *Encoder) WriteBool(v bool) {
	var b byte
	if v {
		b = 1
	}
	e.buf = append(e.buf, b)
}

// WriteI8 writes one byte (IDL "byte" or "i8").
func (e *Encoder) WriteI8(v int8) {
	e.buf = append(e.buf, byte(v))
}

// WriteI16 writes v big-endian.
func (e *Encoder) WriteI16(v int16) {
	e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(v))
}

// WriteI32 writes v big-endian.
func (e *Encoder) WriteI32(v int32) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v))
}

// WriteI64 writes v big-endian.
func (e *Encoder) WriteI64(v int64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v))
}

// WriteDouble writes the IEEE 754 bits of v big-endian.
func (e *Encoder) WriteDouble(v float64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(v))
}

// WriteString writes an i32 length and the bytes of v. It does not check
// that v is UTF-8: Thrift strings carry whatever bytes they are given.
func (e *Encoder) WriteString(v string) {
	if e.over(len(v) + 4) {
		e.buf, e.tripped = e.buf[:0], true
		return
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, checkLen(len(v)))
	e.buf = append(e.buf, v...)
}

// WriteBinary writes an i32 length and v; a nil v is written as empty.
func (e *Encoder) WriteBinary(v []byte) {
	if e.over(len(v) + 4) {
		e.buf, e.tripped = e.buf[:0], true
		return
	}
	if e.b64 {
		e.writeBinaryB64(v)
		return
	}
	e.buf = binary.BigEndian.AppendUint32(e.buf, checkLen(len(v)))
	e.buf = append(e.buf, v...)
}

// WriteUUID writes the 16 bytes of v as they are (Thrift 0.19+).
func (e *Encoder) WriteUUID(v UUID) {
	e.buf = append(e.buf, v[:]...)
}

// WriteFieldBegin writes a field header: the type byte and the i16 id.
func (e *Encoder) WriteFieldBegin(t Type, id int16) {
	e.buf = append(e.buf, byte(t), byte(uint16(id)>>8), byte(id))
}

// WriteFieldStop ends the fields of a struct.
func (e *Encoder) WriteFieldStop() {
	e.buf = append(e.buf, byte(TypeStop))
	if e.over(0) {
		e.buf, e.tripped = e.buf[:0], true
	}
}

// WriteListBegin writes a list header: the element type and the i32 count n.
// The n elements follow; a list has no end marker.
func (e *Encoder) WriteListBegin(elem Type, n int) {
	if e.over(n * int(minSizes[elem])) {
		e.buf, e.tripped = e.buf[:0], true
	}
	e.buf = append(e.buf, byte(elem))
	e.buf = binary.BigEndian.AppendUint32(e.buf, checkLen(n))
}

// WriteSetBegin writes a set header, which is laid out like a list header.
func (e *Encoder) WriteSetBegin(elem Type, n int) {
	if e.over(n * int(minSizes[elem])) {
		e.buf, e.tripped = e.buf[:0], true
	}
	e.buf = append(e.buf, byte(elem))
	e.buf = binary.BigEndian.AppendUint32(e.buf, checkLen(n))
}

// WriteMapBegin writes a map header: key type, value type and the i32 number
// of pairs n. The pairs follow, each key before its value.
func (e *Encoder) WriteMapBegin(key, value Type, n int) {
	if e.over(n * int(minSizes[key]+minSizes[value])) {
		e.buf, e.tripped = e.buf[:0], true
	}
	e.buf = append(e.buf, byte(key), byte(value))
	e.buf = binary.BigEndian.AppendUint32(e.buf, checkLen(n))
}

// WriteMessageBegin writes a strict message header, as every Apache library
// does by default: the i32 0x80010000|typ, the method name as a string, and
// the i32 sequence id. The arguments or result struct follows; a message has
// no end marker.
func (e *Encoder) WriteMessageBegin(name string, typ MessageType, seq int32) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, version1|uint32(typ))
	e.WriteString(name)
	e.WriteI32(seq)
}

// checkLen converts a length or count to its wire form. Lengths above
// MaxInt32 cannot be represented; writing them truncated would corrupt the
// stream for every reader, so this is treated as a programming error and
// panics. (A plain panic of a static value keeps the callers inlinable.)
func checkLen(n int) uint32 {
	if uint64(n) > math.MaxInt32 {
		panic(errLenOverflow)
	}
	return uint32(n)
}

var errLenOverflow = errors.New("thriftsec/runtime: length does not fit in the i32 of the binary protocol")
