package runtime

import "sync"

// Struct is implemented by every struct, union and exception type the
// generator emits.
type Struct interface {
	// Encode appends the struct to e. It fails only for values that have
	// no valid encoding: a required field unset, or a union with other
	// than exactly one field set.
	Encode(e *Encoder) error
	// Decode reads one struct from d, replacing the receiver's fields.
	Decode(d *Decoder) error
}

// CompactStruct is implemented by the structs of code generated since the
// runtime has CompactEncoder and CompactDecoder: they read and write
// TCompactProtocol directly. Codec uses these methods when they are there
// and transcodes through the binary ones otherwise.
type CompactStruct interface {
	Struct
	EncodeCompact(e *CompactEncoder) error
	DecodeCompact(d *CompactDecoder) error
}

// encoderPool recycles the Encoders of Marshal, so that a Marshal costs one
// allocation of exactly the encoded size once the pool is warm.
var encoderPool = sync.Pool{New: func() any { return new(Encoder) }}

// Marshal encodes s into a fresh buffer of exactly its size. To encode
// without allocating, reuse an Encoder and call s.Encode directly.
func Marshal(s Struct) ([]byte, error) {
	e := encoderPool.Get().(*Encoder)
	e.Reset()
	var out []byte
	err := s.Encode(e)
	if err == nil {
		out = append(make([]byte, 0, len(e.buf)), e.buf...)
	}
	if cap(e.buf) <= maxPooledFrame {
		encoderPool.Put(e)
	}
	return out, err
}

// Unmarshal decodes b, which must hold exactly one struct, into s using
// DefaultLimits. Bytes left after the struct are an error (ErrInvalidData):
// outside a framed message nothing may follow a struct, and silently
// ignoring them would hide a mismatch between writer and reader.
func Unmarshal(b []byte, s Struct) error {
	return UnmarshalWithLimits(b, s, Limits{})
}

// decoderPool recycles the Decoders of UnmarshalWithLimits, which would
// otherwise escape to the heap through the Struct interface.
var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

// UnmarshalWithLimits is Unmarshal with the given limits.
func UnmarshalWithLimits(b []byte, s Struct, lim Limits) error {
	d := decoderPool.Get().(*Decoder)
	d.lim = lim.withDefaults()
	d.Reset(b)
	err := s.Decode(d)
	if err == nil && d.pos != len(d.data) {
		err = protoErr(KindInvalidData, itoa(len(d.data)-d.pos)+" bytes follow the struct", nil)
	}
	*d = Decoder{} // drop the reference to b
	decoderPool.Put(d)
	return err
}
