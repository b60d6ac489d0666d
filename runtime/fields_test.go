package runtime

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// fieldCase writes one field both ways: with the one-call field write and
// with WriteFieldBegin followed by the value's write.
type fieldCase struct {
	name          string
	fused, pair   func(e *Encoder, id int16)
	cfused, cpair func(e *CompactEncoder, id int16)
}

func fieldCases() []fieldCase {
	long := strings.Repeat("x", 300)
	bin := []byte{0, 1, 2, 0xff}
	return []fieldCase{
		{"bool true",
			func(e *Encoder, id int16) { e.WriteBoolField(id, true) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeBool, id); e.WriteBool(true) },
			func(e *CompactEncoder, id int16) { e.WriteBoolField(id, true) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeBool, id); e.WriteBool(true) }},
		{"bool false",
			func(e *Encoder, id int16) { e.WriteBoolField(id, false) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeBool, id); e.WriteBool(false) },
			func(e *CompactEncoder, id int16) { e.WriteBoolField(id, false) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeBool, id); e.WriteBool(false) }},
		{"i8",
			func(e *Encoder, id int16) { e.WriteI8Field(id, -5) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeI8, id); e.WriteI8(-5) },
			func(e *CompactEncoder, id int16) { e.WriteI8Field(id, -5) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeI8, id); e.WriteI8(-5) }},
		{"i16",
			func(e *Encoder, id int16) { e.WriteI16Field(id, math.MinInt16) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeI16, id); e.WriteI16(math.MinInt16) },
			func(e *CompactEncoder, id int16) { e.WriteI16Field(id, math.MinInt16) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeI16, id); e.WriteI16(math.MinInt16) }},
		{"i32",
			func(e *Encoder, id int16) { e.WriteI32Field(id, -123456789) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeI32, id); e.WriteI32(-123456789) },
			func(e *CompactEncoder, id int16) { e.WriteI32Field(id, -123456789) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeI32, id); e.WriteI32(-123456789) }},
		{"i64",
			func(e *Encoder, id int16) { e.WriteI64Field(id, math.MaxInt64) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeI64, id); e.WriteI64(math.MaxInt64) },
			func(e *CompactEncoder, id int16) { e.WriteI64Field(id, math.MaxInt64) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeI64, id); e.WriteI64(math.MaxInt64) }},
		{"double",
			func(e *Encoder, id int16) { e.WriteDoubleField(id, -2.5e300) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeDouble, id); e.WriteDouble(-2.5e300) },
			func(e *CompactEncoder, id int16) { e.WriteDoubleField(id, -2.5e300) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeDouble, id); e.WriteDouble(-2.5e300) }},
		{"string",
			func(e *Encoder, id int16) { e.WriteStringField(id, "héllo") },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteString("héllo") },
			func(e *CompactEncoder, id int16) { e.WriteStringField(id, "héllo") },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteString("héllo") }},
		{"long string",
			func(e *Encoder, id int16) { e.WriteStringField(id, long) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteString(long) },
			func(e *CompactEncoder, id int16) { e.WriteStringField(id, long) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteString(long) }},
		{"binary",
			func(e *Encoder, id int16) { e.WriteBinaryField(id, bin) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteBinary(bin) },
			func(e *CompactEncoder, id int16) { e.WriteBinaryField(id, bin) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteBinary(bin) }},
		{"nil binary",
			func(e *Encoder, id int16) { e.WriteBinaryField(id, nil) },
			func(e *Encoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteBinary(nil) },
			func(e *CompactEncoder, id int16) { e.WriteBinaryField(id, nil) },
			func(e *CompactEncoder, id int16) { e.WriteFieldBegin(TypeString, id); e.WriteBinary(nil) }},
	}
}

// fieldIDs cover compact's short (delta 1..15) and long headers, ids that
// go down, negative ids and both ends of the i16.
var fieldIDs = []int16{1, 2, 17, 3, 0, -1, math.MaxInt16, math.MinInt16, 16, 31}

// TestFieldWritesMatchPairs: each one-call field write gives the bytes of
// WriteFieldBegin and the value's write, in binary, in binary's JSON mode
// (base64 binaries), and in compact, where a field's header depends on the
// previous field's id.
func TestFieldWritesMatchPairs(t *testing.T) {
	for _, c := range fieldCases() {
		for _, b64 := range []bool{false, true} {
			fused, pair := NewEncoder(nil), NewEncoder(nil)
			fused.b64, pair.b64 = b64, b64
			for _, id := range fieldIDs {
				c.fused(fused, id)
				c.pair(pair, id)
			}
			if !bytes.Equal(fused.Bytes(), pair.Bytes()) {
				t.Errorf("%s (base64 %v): binary\n got %x\nwant %x", c.name, b64, fused.Bytes(), pair.Bytes())
			}
		}
		fused, pair := new(CompactEncoder), new(CompactEncoder)
		for _, e := range []*CompactEncoder{fused, pair} {
			e.WriteStructBegin()
		}
		for _, id := range fieldIDs {
			c.cfused(fused, id)
			c.cpair(pair, id)
		}
		for _, e := range []*CompactEncoder{fused, pair} {
			e.WriteFieldStop()
		}
		if !bytes.Equal(fused.Bytes(), pair.Bytes()) {
			t.Errorf("%s: compact\n got %x\nwant %x", c.name, fused.Bytes(), pair.Bytes())
		}
	}
}

// TestFieldWritesKeepSizeBound: a string or binary field that passes
// SetMaxSize's bound trips the Encoder as WriteString and WriteBinary do.
func TestFieldWritesKeepSizeBound(t *testing.T) {
	for _, c := range fieldCases() {
		if !strings.Contains(c.name, "long") {
			continue
		}
		for _, limit := range []int{100, 306, 307, 308, 400} {
			fused, pair := NewEncoder(nil), NewEncoder(nil)
			fused.SetMaxSize(limit)
			pair.SetMaxSize(limit)
			c.fused(fused, 1)
			c.pair(pair, 1)
			if (fused.Err() == nil) != (pair.Err() == nil) || !bytes.Equal(fused.Bytes(), pair.Bytes()) {
				t.Errorf("%s, limit %d: err %v, %d bytes; pair: err %v, %d bytes", c.name, limit, fused.Err(), fused.Len(), pair.Err(), pair.Len())
			}
		}
	}
	e := NewEncoder(nil)
	e.SetMaxSize(9)
	e.WriteBinaryField(1, make([]byte, 2))
	if e.Err() != nil || e.Len() != 9 {
		t.Fatalf("9 bytes under a bound of 9: err %v, %d bytes held", e.Err(), e.Len())
	}
	e.WriteBinaryField(2, make([]byte, 2))
	if e.Err() == nil || e.Len() != 0 {
		t.Fatalf("binary field past the bound: err %v, %d bytes held", e.Err(), e.Len())
	}
}
