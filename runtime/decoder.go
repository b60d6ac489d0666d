package runtime

import (
	"encoding/binary"
	"io"
	"math"
	"unsafe"
)

// Decoder reads the binary protocol from a message held in memory
// (NewDecoder) or from an unframed stream (NewStreamDecoder).
//
// Both modes share one representation: data holds the bytes at hand (the
// caller's slice, or the Decoder's own buffer filled from the stream), and
// buf is data cut at the end of the current message's MaxMessageSize budget.
// The inlined fast paths only ever look at buf, so they cannot read past the
// budget; running out of buf sends a read to the out-of-line slow path,
// which refills from the stream or reports truncation or the size limit.
type Decoder struct {
	buf   []byte // data[:min(len(data), end)]: what the fast paths may read
	pos   int    // next byte of buf to read
	depth int    // current nesting of structs and containers
	lim   Limits // with defaults filled in

	data  []byte    // all bytes at hand (stream: the own buffer, filled part)
	start int       // index in data where the current message began; negative once compaction dropped its head
	end   int       // start + lim.MaxMessageSize
	r     io.Reader // nil in memory mode

	// b64: binary values are base64 text, for the JSON protocol (json.go).
	b64 bool

	// arena is the chunk that decoded strings and binaries are copied into
	// (batch.go); its filled part is never written again.
	arena     []byte
	chunkSize int // cap of the latest chunk (batch.go, newChunk)

	names nameCache // recent message names (msgname.go)
}

// minStreamBuf is the initial size of a stream Decoder's buffer, and the
// size it falls back to after a large message.
const minStreamBuf = 4 << 10

// maxKeptStreamBuf is the largest buffer a stream Decoder keeps between
// messages; one grown larger for a big message is dropped when the next
// message begins, so idle connections do not pin memory.
const maxKeptStreamBuf = 256 << 10

// NewDecoder returns a Decoder that reads the message in buf. It never copies
// buf (ReadBinary and ReadString do copy what they return) and never
// modifies it; buf must not change while the Decoder uses it.
func NewDecoder(buf []byte, lim Limits) *Decoder {
	d := &Decoder{lim: lim.withDefaults()}
	d.Reset(buf)
	return d
}

// NewStreamDecoder returns a Decoder for an unframed ("buffered") transport:
// it reads from r as needed into a buffer of its own. It may read past the
// end of the current message (as bufio.Reader does), so r must not be read
// by anyone else while the Decoder is in use.
func NewStreamDecoder(r io.Reader, lim Limits) *Decoder {
	d := &Decoder{lim: lim.withDefaults()}
	d.ResetStream(r)
	return d
}

// Reset makes d read the in-memory message buf from its start, keeping the
// limits. Any stream and its buffered bytes are forgotten.
func (d *Decoder) Reset(buf []byte) {
	d.r = nil
	d.data = buf
	d.pos = 0
	d.depth = 0
	d.beginMessage()
}

// ResetStream makes d read from r, keeping the limits and, when it is not
// too large, the buffer. Bytes buffered from a previous stream are dropped.
func (d *Decoder) ResetStream(r io.Reader) {
	if d.r == nil || cap(d.data) > maxKeptStreamBuf {
		// Never write into a caller's slice left from memory mode.
		d.data = nil
	}
	d.r = r
	d.data = d.data[:0]
	d.pos = 0
	d.depth = 0
	d.beginMessage()
}

// Limits returns the limits d enforces, with defaults filled in.
func (d *Decoder) Limits() Limits { return d.lim }

// Remaining returns how many more bytes the current message may hold: in
// memory mode the unread bytes, in stream mode MaxMessageSize less the bytes
// consumed since the message began (they may not have arrived yet). Lengths
// and container counts are checked against it before any allocation.
func (d *Decoder) Remaining() int {
	if d.r == nil {
		return len(d.buf) - d.pos
	}
	return d.end - d.pos
}

// beginMessage starts the MaxMessageSize budget at the current position.
func (d *Decoder) beginMessage() {
	d.start = d.pos
	d.end = d.pos + d.lim.MaxMessageSize
	d.window()
}

// window recomputes buf after data, start or end changed.
func (d *Decoder) window() {
	e := min(d.end, len(d.data))
	d.buf = d.data[:e:e]
}

// offset is the position in the current message, for error messages.
func (d *Decoder) offset() int { return d.pos - d.start }

// ReadBool reads one byte: 1 is true and anything else false, as in
// Apache's Go library (which is more lenient than rejecting other values,
// and that is what peers built with it expect).
func (d *Decoder) ReadBool() (bool, error) {
	if d.pos < len(d.buf) {
		b := d.buf[d.pos]
		d.pos++
		return b == 1, nil
	}
	b, err := d.readByteSlow("bool")
	return b == 1, err
}

// ReadI8 reads one byte as a signed integer.
func (d *Decoder) ReadI8() (int8, error) {
	if d.pos < len(d.buf) {
		b := d.buf[d.pos]
		d.pos++
		return int8(b), nil
	}
	b, err := d.readByteSlow("i8")
	return int8(b), err
}

// ReadI16 reads a big-endian i16.
func (d *Decoder) ReadI16() (int16, error) {
	if p := d.pos; p >= 0 && p+2 <= len(d.buf) {
		d.pos = p + 2
		return int16(binary.BigEndian.Uint16(d.buf[p:])), nil
	}
	v, err := d.readSlow(2, "i16")
	return int16(v), err
}

// ReadI32 reads a big-endian i32.
func (d *Decoder) ReadI32() (int32, error) {
	if p := d.pos; p >= 0 && p+4 <= len(d.buf) {
		d.pos = p + 4
		return int32(binary.BigEndian.Uint32(d.buf[p:])), nil
	}
	v, err := d.readSlow(4, "i32")
	return int32(v), err
}

// ReadI64 reads a big-endian i64.
func (d *Decoder) ReadI64() (int64, error) {
	if p := d.pos; p >= 0 && p+8 <= len(d.buf) {
		d.pos = p + 8
		return int64(binary.BigEndian.Uint64(d.buf[p:])), nil
	}
	v, err := d.readSlow(8, "i64")
	return int64(v), err
}

// ReadDouble reads a big-endian IEEE 754 double.
func (d *Decoder) ReadDouble() (float64, error) {
	if p := d.pos; p >= 0 && p+8 <= len(d.buf) {
		d.pos = p + 8
		return math.Float64frombits(binary.BigEndian.Uint64(d.buf[p:])), nil
	}
	v, err := d.readSlow(8, "double")
	return math.Float64frombits(v), err
}

// ReadString reads an i32 length and that many bytes, returned as a new
// string. The bytes are not checked for UTF-8, as no Thrift library does.
func (d *Decoder) ReadString() (string, error) {
	// The slicing of fastread.go, for the bounds checks.
	if b, p := d.buf, d.pos; uint(p) < uint(len(b)) {
		if r := b[p:]; len(r) >= 4 {
			n := int(int32(binary.BigEndian.Uint32(r)))
			r = r[4:]
			if uint(n) <= uint(len(r)) && n <= d.lim.MaxStringLength {
				d.pos = p + 4 + n
				v := r[:n]
				if a := len(d.arena); uint(n-1) < arenaMaxValue && n <= cap(d.arena)-a {
					// Room in the current chunk: arenaString's
					// common case here, saving the call (and in
					// its write-barrier-free form, see batch.go).
					d.arena = d.arena[:a+n]
					if n <= 16 && len(r) >= 16 && cap(d.arena)-a >= 16 {
						// Short, as most are: two 8-byte moves
						// instead of a call to memmove. The bytes
						// past n land in the chunk's free tail,
						// which no value has been handed out of
						// and which the next one overwrites.
						copy16(d.arena[a:a+16], r[:16])
					} else {
						copy(d.arena[a:], v)
					}
					return unsafe.String(&d.arena[a], n), nil
				}
				if len(r)-n < arenaMinRest {
					// The last string of a message, as in most
					// small ones: copied on its own, without the
					// call.
					return string(v), nil
				}
				return d.arenaString(v), nil
			}
		}
	}
	return d.readStringSlow()
}

// ReadBinary reads an i32 length and that many bytes, returned in a fresh
// slice that the caller owns (the input buffer is reused by callers, so it
// is never aliased). An empty binary is returned as a non-nil []byte{}, so
// that a decoded optional binary field reads as set.
func (d *Decoder) ReadBinary() ([]byte, error) {
	if d.b64 {
		return d.readBinaryB64()
	}
	b, err := d.readBytes("binary")
	if err != nil {
		return nil, err
	}
	return d.arenaBytes(b), nil
}

// ReadUUID reads 16 raw bytes (Thrift 0.19+).
func (d *Decoder) ReadUUID() (UUID, error) {
	var u UUID
	if p := d.pos; p >= 0 && p+16 <= len(d.buf) {
		d.pos = p + 16
		copy(u[:], d.buf[p:p+16])
		return u, nil
	}
	if err := d.need(16, "uuid"); err != nil {
		return u, err
	}
	copy(u[:], d.buf[d.pos:])
	d.pos += 16
	return u, nil
}

// ReadStructBegin enters a struct: it counts one level of nesting and fails
// with ErrDepthLimit past MaxDepth. Nothing is read; a struct has no header.
func (d *Decoder) ReadStructBegin() error {
	d.depth++
	if d.depth > d.lim.MaxDepth {
		return d.depthErr("struct")
	}
	return nil
}

// ReadStructEnd leaves the struct entered by ReadStructBegin.
func (d *Decoder) ReadStructEnd() { d.depth-- }

// ReadFieldBegin reads a field header. At the end of a struct it returns
// TypeStop and id 0. The type is returned as read: callers check it against
// the type they expect and Skip mismatches, and Skip rejects unknown types.
func (d *Decoder) ReadFieldBegin() (Type, int16, error) {
	if p := d.pos; p >= 0 && p+3 <= len(d.buf) {
		t := Type(d.buf[p])
		if t == TypeStop {
			d.pos = p + 1
			return TypeStop, 0, nil
		}
		d.pos = p + 3
		return t, int16(binary.BigEndian.Uint16(d.buf[p+1:])), nil
	}
	return d.readFieldBeginSlow()
}

// ReadListBegin reads a list header, checks the count (see Limits) and
// enters one level of nesting; call ReadListEnd after the elements.
func (d *Decoder) ReadListBegin() (elem Type, n int, err error) {
	return d.readSeqBegin("list")
}

// ReadListEnd leaves the list entered by ReadListBegin.
func (d *Decoder) ReadListEnd() { d.depth-- }

// ReadSetBegin reads a set header, checks the count (see Limits) and enters
// one level of nesting; call ReadSetEnd after the elements. Duplicate
// elements are not detected here; that is the generated code's choice.
func (d *Decoder) ReadSetBegin() (elem Type, n int, err error) {
	return d.readSeqBegin("set")
}

// ReadSetEnd leaves the set entered by ReadSetBegin.
func (d *Decoder) ReadSetEnd() { d.depth-- }

// ReadMapBegin reads a map header, checks the count (see Limits) and enters
// one level of nesting; call ReadMapEnd after the pairs.
func (d *Decoder) ReadMapBegin() (key, value Type, n int, err error) {
	var kt, vt byte
	var size int32
	if p := d.pos; p >= 0 && p+6 <= len(d.buf) {
		kt, vt = d.buf[p], d.buf[p+1]
		size = int32(binary.BigEndian.Uint32(d.buf[p+2:]))
		d.pos = p + 6
	} else {
		if err := d.need(6, "map header"); err != nil {
			return 0, 0, 0, err
		}
		kt, vt = d.buf[d.pos], d.buf[d.pos+1]
		size = int32(binary.BigEndian.Uint32(d.buf[d.pos+2:]))
		d.pos += 6
	}
	key, value, n = Type(kt), Type(vt), int(size)
	if err := d.checkCount("map", n, key, value); err != nil {
		return key, value, 0, err
	}
	return key, value, n, d.enter("map")
}

// ReadMapEnd leaves the map entered by ReadMapBegin.
func (d *Decoder) ReadMapEnd() { d.depth-- }

// ReadMessageBegin reads a message header and starts a new message: the
// MaxMessageSize budget and the nesting depth count from here.
//
// Both header forms Apache accepts are read: strict (i32 version word
// 0x8001xxxx whose low byte is the type, name, i32 seq) and the old
// non-strict form (i32 name length, name, type byte, i32 seq). A strict
// header with another version gives ErrBadVersion; a message type other
// than call, reply, exception or oneway gives ErrInvalidData.
//
// When no byte of a new message is available (the stream ended cleanly, or
// an in-memory buffer is used up) it returns io.EOF itself, so that a server
// can tell a peer's orderly close from a message cut short.
func (d *Decoder) ReadMessageBegin() (name string, typ MessageType, seq int32, err error) {
	d.depth = 0
	if d.r != nil && cap(d.data) > maxKeptStreamBuf && len(d.data)-d.pos <= minStreamBuf {
		// The last message grew the buffer large; let it go, keeping
		// what was read ahead.
		nb := make([]byte, len(d.data)-d.pos, minStreamBuf)
		copy(nb, d.data[d.pos:])
		d.data, d.pos = nb, 0
	}
	d.beginMessage()
	if d.pos == len(d.buf) {
		if d.r == nil {
			return "", 0, 0, io.EOF
		}
		if err := d.fill(1); err != nil {
			return "", 0, 0, err // io.EOF when the stream ended cleanly
		}
	}
	w, err := d.ReadI32()
	if err != nil {
		return "", 0, 0, err
	}
	if w < 0 {
		if uint32(w)&versionMask != version1 {
			return "", 0, 0, protoErr(KindBadVersion, "message header starts with 0x"+hex32(uint32(w))+", not the version word 0x8001xxxx", nil)
		}
		typ = MessageType(w)
		if name, err = d.readMessageName(); err != nil {
			return "", 0, 0, err
		}
	} else {
		// Non-strict: w is the length of the name.
		if err := d.checkLen("message name", int(w), d.lim.MaxStringLength); err != nil {
			return "", 0, 0, err
		}
		if err := d.need(int(w), "message name"); err != nil {
			return "", 0, 0, err
		}
		name = string(d.buf[d.pos : d.pos+int(w)])
		d.pos += int(w)
		t, err := d.ReadI8()
		if err != nil {
			return "", 0, 0, err
		}
		typ = MessageType(t)
	}
	if typ < MessageCall || typ > MessageOneway {
		return "", 0, 0, protoErr(KindInvalidData, "message type "+itoa(int(typ))+" is not call, reply, exception or oneway", nil)
	}
	if seq, err = d.ReadI32(); err != nil {
		return "", 0, 0, err
	}
	return name, typ, seq, nil
}

func hex32(v uint32) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[:])
}

// ---- slow paths: never inlined, so the fast paths above stay small ----

// need makes n bytes available at d.pos, refilling from the stream, or
// reports why it cannot: the message budget is spent (ErrSizeLimit) or the
// input ends (an error wrapping io.ErrUnexpectedEOF).
//
//go:noinline
func (d *Decoder) need(n int, what string) error {
	if d.pos+n <= len(d.buf) {
		return nil
	}
	if d.r == nil && d.pos+n > len(d.data) {
		return d.truncErr(n, what)
	}
	if d.pos+n > d.end {
		return protoErr(KindSizeLimit, what+" at offset "+itoa(d.offset())+" runs past the message size limit of "+itoa(d.lim.MaxMessageSize)+" bytes", nil)
	}
	if err := d.fill(n); err != nil {
		if err == io.EOF {
			return d.truncErr(n, what)
		}
		return err
	}
	return nil
}

func (d *Decoder) truncErr(n int, what string) error {
	return protoErr(KindUnknown, "input ends inside "+what+" at offset "+itoa(d.offset())+": need "+itoa(n)+" bytes, have "+itoa(len(d.buf)-d.pos), io.ErrUnexpectedEOF)
}

// fill reads from the stream until n bytes are buffered at d.pos. The
// buffer grows only when it is full of bytes that did arrive, so its size
// stays within twice what the peer actually sent. It returns io.EOF when the
// stream ends first (the caller decides whether that is a clean end).
func (d *Decoder) fill(n int) error {
	if d.pos > 0 {
		// Move the unread bytes to the front; there are fewer than n of them.
		k := copy(d.data[:cap(d.data)], d.data[d.pos:])
		d.data = d.data[:k]
		d.start -= d.pos
		d.end -= d.pos
		d.pos = 0
	}
	empty := 0
	for len(d.data) < n {
		if len(d.data) == cap(d.data) {
			nb := make([]byte, len(d.data), max(2*cap(d.data), minStreamBuf))
			copy(nb, d.data)
			d.data = nb
		}
		m, err := d.r.Read(d.data[len(d.data):cap(d.data)])
		if m < 0 || m > cap(d.data)-len(d.data) {
			d.window()
			return protoErr(KindUnknown, "reader returned an invalid count", nil)
		}
		d.data = d.data[:len(d.data)+m]
		if err != nil {
			if len(d.data) >= n {
				break // the reader will report err again on the next Read
			}
			d.window()
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return err
		}
		if m == 0 {
			if empty++; empty >= 100 {
				d.window()
				return io.ErrNoProgress
			}
		} else {
			empty = 0
		}
	}
	d.window()
	return nil
}

//go:noinline
func (d *Decoder) readByteSlow(what string) (byte, error) {
	if err := d.need(1, what); err != nil {
		return 0, err
	}
	b := d.buf[d.pos]
	d.pos++
	return b, nil
}

// readSlow reads a big-endian integer of n (2, 4 or 8) bytes.
//
//go:noinline
func (d *Decoder) readSlow(n int, what string) (uint64, error) {
	if err := d.need(n, what); err != nil {
		return 0, err
	}
	var v uint64
	for _, b := range d.buf[d.pos : d.pos+n] {
		v = v<<8 | uint64(b)
	}
	d.pos += n
	return v, nil
}

//go:noinline
func (d *Decoder) readStringSlow() (string, error) {
	b, err := d.readBytes("string")
	return d.arenaString(b), err
}

// readBytes reads a length-prefixed byte string and returns it aliasing the
// buffer, valid until the next read.
func (d *Decoder) readBytes(what string) ([]byte, error) {
	n, err := d.ReadI32()
	if err != nil {
		return nil, err
	}
	if err := d.checkLen(what, int(n), d.lim.MaxStringLength); err != nil {
		return nil, err
	}
	if err := d.need(int(n), what); err != nil {
		return nil, err
	}
	b := d.buf[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

// checkLen vets the length of a string, binary or message name that the
// next n bytes should hold, before anything is read or allocated for it.
func (d *Decoder) checkLen(what string, n, max int) error {
	switch {
	case n < 0:
		return protoErr(KindNegativeSize, what+" length "+itoa(n)+" is negative", nil)
	case n > max:
		return protoErr(KindSizeLimit, what+" of "+itoa(n)+" bytes exceeds the limit of "+itoa(max), nil)
	case n > d.Remaining():
		return d.budgetErr(what+" of "+itoa(n)+" bytes", n)
	}
	return nil
}

// budgetErr reports a declared size that cannot fit in what is left of the
// message. In memory mode the bytes are simply not there, so the error also
// wraps io.ErrUnexpectedEOF, like any other truncation.
func (d *Decoder) budgetErr(what string, need int) error {
	rem := d.Remaining()
	if d.r == nil && d.pos+need > len(d.data) {
		return protoErr(KindSizeLimit, what+" exceeds the "+itoa(rem)+" bytes left in the message", io.ErrUnexpectedEOF)
	}
	return protoErr(KindSizeLimit, what+" exceeds the "+itoa(rem)+" bytes left under the message size limit of "+itoa(d.lim.MaxMessageSize), nil)
}

//go:noinline
func (d *Decoder) readFieldBeginSlow() (Type, int16, error) {
	b, err := d.readByteSlow("field header")
	if err != nil {
		return 0, 0, err
	}
	if Type(b) == TypeStop {
		return TypeStop, 0, nil
	}
	if err := d.need(2, "field header"); err != nil {
		return 0, 0, err
	}
	id := int16(binary.BigEndian.Uint16(d.buf[d.pos:]))
	d.pos += 2
	return Type(b), id, nil
}

func (d *Decoder) readSeqBegin(what string) (Type, int, error) {
	var et byte
	var size int32
	if p := d.pos; p >= 0 && p+5 <= len(d.buf) {
		et = d.buf[p]
		size = int32(binary.BigEndian.Uint32(d.buf[p+1:]))
		d.pos = p + 5
	} else {
		if err := d.need(5, what+" header"); err != nil {
			return 0, 0, err
		}
		et = d.buf[d.pos]
		size = int32(binary.BigEndian.Uint32(d.buf[d.pos+1:]))
		d.pos += 5
	}
	elem, n := Type(et), int(size)
	if err := d.checkCount(what, n, elem, TypeStop); err != nil {
		return elem, 0, err
	}
	return elem, n, d.enter(what)
}

// checkCount vets a container count before the caller allocates for it:
// not negative, within MaxContainerLength, and small enough that n values of
// the declared element types (value is TypeStop for lists and sets) can fit
// in the rest of the message.
func (d *Decoder) checkCount(what string, n int, key, value Type) error {
	if n == 0 {
		// Apache accepts empty containers of any declared type.
		return nil
	}
	if n < 0 {
		return protoErr(KindNegativeSize, what+" size "+itoa(n)+" is negative", nil)
	}
	if n > d.lim.MaxContainerLength {
		return protoErr(KindSizeLimit, what+" of "+itoa(n)+" elements exceeds the limit of "+itoa(d.lim.MaxContainerLength), nil)
	}
	per := int(minSizes[key])
	if per == 0 {
		return protoErr(KindInvalidData, what+" of "+itoa(n)+" elements has invalid element type "+key.String(), nil)
	}
	if what == "map" {
		vs := int(minSizes[value])
		if vs == 0 {
			return protoErr(KindInvalidData, what+" of "+itoa(n)+" elements has invalid value type "+value.String(), nil)
		}
		per += vs
	}
	// n <= MaxContainerLength <= maxLimit and per <= 32, so no overflow on
	// 64-bit; compare by division to stay safe on 32-bit too.
	if n > d.Remaining()/per {
		need := n * per
		if need/per != n {
			need = maxLimit
		}
		return d.budgetErr(what+" of "+itoa(n)+" elements", need)
	}
	return nil
}

// enter counts one more level of nesting.
func (d *Decoder) enter(what string) error {
	d.depth++
	if d.depth > d.lim.MaxDepth {
		return d.depthErr(what)
	}
	return nil
}

//go:noinline
func (d *Decoder) depthErr(what string) error {
	return protoErr(KindDepthLimit, what+" at offset "+itoa(d.offset())+" nests deeper than the limit of "+itoa(d.lim.MaxDepth), nil)
}

// buffered returns how many bytes a stream Decoder holds that it has not
// consumed yet (read ahead of the current position).
func (d *Decoder) buffered() int { return len(d.data) - d.pos }

// waitByte blocks until a stream Decoder holds at least one unconsumed
// byte, so a server can see the next request begin without reading it.
// It returns io.EOF if the stream ends cleanly first.
func (d *Decoder) waitByte() error {
	if d.pos < len(d.data) {
		return nil
	}
	return d.fill(1)
}
