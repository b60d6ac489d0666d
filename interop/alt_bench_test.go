package interop

import (
	"bytes"
	"errors"
	"testing"

	"github.com/thriftsec/thriftsec/interop/gen/ours/interop/bench"
	"github.com/thriftsec/thriftsec/runtime"
)

// The designs runtime/protocol.go weighs for compact, on bench.Small:
// smallCompactEncode and smallCompactDecode are per-protocol methods written
// out by hand against a minimal encoder and decoder (no limits beyond
// bounds checks: a best case); "generated" is what thriftsec-gen emits
// (EncodeCompact/DecodeCompact through a Codec); "transcode" is the binary
// codec plus transcoding, the path of types without compact methods
// (binaryOnly hides them). TestAltCompactSame proves they write the same
// bytes.

// binaryOnly hides a generated struct's compact methods, so that a Codec
// takes the transcoding path.
type binaryOnly struct{ runtime.Struct }

func altUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func smallCompactEncode(b []byte, p *bench.Small) []byte {
	b = append(b, 0x15)
	b = altUvarint(b, uint64(uint32(p.ID<<1)^uint32(p.ID>>31)))
	b = append(b, 0x16)
	b = altUvarint(b, uint64(p.Stamp<<1)^uint64(p.Stamp>>63))
	b = append(b, 0x14)
	b = altUvarint(b, uint64(uint32(int32(p.Kind)<<1)^uint32(int32(p.Kind)>>31)))
	b = append(b, 0x18)
	b = altUvarint(b, uint64(len(p.Name)))
	b = append(b, p.Name...)
	return append(b, 0)
}

var errAlt = errors.New("bad input")

type altDecoder struct {
	b   []byte
	pos int
}

func (d *altDecoder) uvarint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.pos >= len(d.b) {
			return 0, errAlt
		}
		c := d.b[d.pos]
		d.pos++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errAlt
}

func smallCompactDecode(d *altDecoder, p *bench.Small) error {
	var last int16
	for {
		if d.pos >= len(d.b) {
			return errAlt
		}
		h := d.b[d.pos]
		d.pos++
		if h == 0 {
			return nil
		}
		id := last + int16(h>>4)
		last = id
		u, err := d.uvarint()
		if err != nil {
			return err
		}
		switch {
		case id == 1 && h&15 == 5:
			p.ID = int32(uint32(u)>>1) ^ -int32(u&1)
		case id == 2 && h&15 == 6:
			p.Stamp = int64(u>>1) ^ -int64(u&1)
		case id == 3 && h&15 == 4:
			p.Kind = int16(int32(uint32(u)>>1) ^ -int32(u&1))
		case id == 4 && h&15 == 8:
			if u > uint64(len(d.b)-d.pos) {
				return errAlt
			}
			p.Name = string(d.b[d.pos : d.pos+int(u)])
			d.pos += int(u)
		default:
			return errAlt // a real decoder would skip
		}
	}
}

func TestAltCompactSame(t *testing.T) {
	s, _ := smallValues()
	want, err := runtime.Compact.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := smallCompactEncode(nil, s); !bytes.Equal(got, want) {
		t.Fatalf("per-protocol prototype writes % x, EncodeCompact % x", got, want)
	}
	if got, err := runtime.Compact.Marshal(binaryOnly{s}); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("transcoding writes % x (%v), EncodeCompact % x", got, err, want)
	}
	var back bench.Small
	if err := smallCompactDecode(&altDecoder{b: want}, &back); err != nil || back != *s {
		t.Fatalf("per-protocol prototype decodes %v, %v", back, err)
	}
}

func BenchmarkAltCompact(b *testing.B) {
	s, _ := smallValues()
	data := smallCompactEncode(nil, s)
	b.Run("encode/per-protocol", func(b *testing.B) {
		buf := make([]byte, 0, 64)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			buf = smallCompactEncode(buf[:0], s)
		}
	})
	for _, alt := range []struct {
		name string
		wrap func(runtime.Struct) runtime.Struct
	}{
		{"generated", func(s runtime.Struct) runtime.Struct { return s }},
		{"transcode", func(s runtime.Struct) runtime.Struct { return binaryOnly{s} }},
	} {
		b.Run("encode/"+alt.name, func(b *testing.B) {
			c := runtime.NewCodec(runtime.Compact, runtime.Limits{})
			v := alt.wrap(s)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("decode/"+alt.name, func(b *testing.B) {
			c := runtime.NewCodec(runtime.Compact, runtime.Limits{})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Unmarshal(data, alt.wrap(new(bench.Small))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("decode/per-protocol", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := smallCompactDecode(&altDecoder{b: data}, new(bench.Small)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
