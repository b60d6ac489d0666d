package runtime

import (
	"encoding/binary"
	"math"
)

// Field writes: a field header and its value in one call.
//
// Generated Encode methods write each field of a base type (bool, the
// integers, double, string, binary; enums as i32) with one of these
// instead of WriteFieldBegin followed by the value's write. The bytes are
// the same; what goes is one append per field, that is one capacity check
// and one store of the buffer's slice header. On a span batch (50 spans of
// 6 string tags each; bench/peers' BenchmarkCodecCells), where short strings
// make the field headers a large share of the work, this was ~15% of the
// encode in alternating runs. Every binary method here but WriteBinaryField
// inlines (that one has JSON's base64 text to take care of, and is one call
// as WriteBinary is).
//
// CompactEncoder has the same methods (compact methods are the binary
// ones' text with the names swapped; templates/codec_compact.go), which
// also write a bool field's value into its header directly.

// WriteBoolField writes field id of type bool holding v.
func (e *Encoder) WriteBoolField(id int16, v bool) {
	var b byte
	if v {
		b = 1
	}
	e.buf = append(e.buf, byte(TypeBool), byte(uint16(id)>>8), byte(id), b)
}

// WriteI8Field writes field id of type i8 (IDL "byte") holding v.
func (e *Encoder) WriteI8Field(id int16, v int8) {
	e.buf = append(e.buf, byte(TypeI8), byte(uint16(id)>>8), byte(id), byte(v))
}

// WriteI16Field writes field id of type i16 holding v.
func (e *Encoder) WriteI16Field(id int16, v int16) {
	e.buf = append(e.buf, byte(TypeI16), byte(uint16(id)>>8), byte(id), byte(uint16(v)>>8), byte(v))
}

// WriteI32Field writes field id of type i32 holding v.
func (e *Encoder) WriteI32Field(id int16, v int32) {
	e.buf = binary.BigEndian.AppendUint32(append(e.buf, byte(TypeI32), byte(uint16(id)>>8), byte(id)), uint32(v))
}

// WriteI64Field writes field id of type i64 holding v.
func (e *Encoder) WriteI64Field(id int16, v int64) {
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, byte(TypeI64), byte(uint16(id)>>8), byte(id)), uint64(v))
}

// WriteDoubleField writes field id of type double holding v.
func (e *Encoder) WriteDoubleField(id int16, v float64) {
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, byte(TypeDouble), byte(uint16(id)>>8), byte(id)), math.Float64bits(v))
}

// WriteStringField writes field id of type string holding v, under the
// size bound as WriteString is.
func (e *Encoder) WriteStringField(id int16, v string) {
	if e.over(len(v) + 7) {
		e.buf, e.tripped = e.buf[:0], true
		return
	}
	e.buf = append(binary.BigEndian.AppendUint32(append(e.buf, byte(TypeString), byte(uint16(id)>>8), byte(id)), checkLen(len(v))), v...)
}

// WriteBinaryField writes field id of type binary holding v (nil as
// empty), under the size bound as WriteBinary is.
func (e *Encoder) WriteBinaryField(id int16, v []byte) {
	if e.over(len(v)+7) || e.b64 {
		e.binaryField(id, v)
		return
	}
	e.buf = append(binary.BigEndian.AppendUint32(append(e.buf, byte(TypeString), byte(uint16(id)>>8), byte(id)), checkLen(len(v))), v...)
}

// binaryField is WriteBinaryField's slow path, out of line so that the
// fast one inlines: the size bound passed, or JSON's base64 text.
//
//go:noinline
func (e *Encoder) binaryField(id int16, v []byte) {
	e.WriteFieldBegin(TypeString, id)
	e.WriteBinary(v)
}

// WriteBoolField writes field id of type bool: v is in the header's type.
func (e *CompactEncoder) WriteBoolField(id int16, v bool) {
	ct := byte(2)
	if v {
		ct = 1
	}
	e.fieldHeader(ct, id)
}

// WriteI8Field writes field id of type i8 (IDL "byte") holding v.
func (e *CompactEncoder) WriteI8Field(id int16, v int8) {
	e.fieldHeader(compactFromBinary[TypeI8], id)
	e.WriteI8(v)
}

// WriteI16Field writes field id of type i16 holding v.
func (e *CompactEncoder) WriteI16Field(id int16, v int16) {
	e.fieldHeader(compactFromBinary[TypeI16], id)
	e.WriteI16(v)
}

// WriteI32Field writes field id of type i32 holding v.
func (e *CompactEncoder) WriteI32Field(id int16, v int32) {
	e.fieldHeader(compactFromBinary[TypeI32], id)
	e.WriteI32(v)
}

// WriteI64Field writes field id of type i64 holding v.
func (e *CompactEncoder) WriteI64Field(id int16, v int64) {
	e.fieldHeader(compactFromBinary[TypeI64], id)
	e.WriteI64(v)
}

// WriteDoubleField writes field id of type double holding v.
func (e *CompactEncoder) WriteDoubleField(id int16, v float64) {
	e.fieldHeader(compactFromBinary[TypeDouble], id)
	e.WriteDouble(v)
}

// WriteStringField writes field id of type string holding v.
func (e *CompactEncoder) WriteStringField(id int16, v string) {
	e.fieldHeader(compactFromBinary[TypeString], id)
	e.WriteString(v)
}

// WriteBinaryField writes field id of type binary holding v.
func (e *CompactEncoder) WriteBinaryField(id int16, v []byte) {
	e.fieldHeader(compactFromBinary[TypeString], id)
	e.WriteBinary(v)
}
