package runtime

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// TestUvarintAt compares the unrolled varint decoder with encoding/binary
// (64 bits) and with its own 32-bit rule, on every length and on the
// overlong and overflowing forms it must refuse.
func TestUvarintAt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []uint64{0, 1, 127, 128, 16383, 16384, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64, math.MaxUint64}
	for range 2000 {
		vals = append(vals, r.Uint64()>>(r.UintN(64)))
	}
	for _, want := range vals {
		b := binary.AppendUvarint(nil, want)
		b = append(b, make([]byte, 10)...)[:10]
		for i := len(binary.AppendUvarint(nil, want)); i < 10; i++ {
			b[i] = 0xff // bytes after the varint must not be read
		}
		v, n := uvarintAt(b, 64)
		if wn := len(binary.AppendUvarint(nil, want)); v != want || n != wn {
			t.Fatalf("64 bits: % x gave %d, %d; want %d, %d", b, v, n, want, wn)
		}
		v, n = uvarintAt(b, 32)
		if want <= math.MaxUint32 {
			if v != want || n != len(binary.AppendUvarint(nil, want)) {
				t.Fatalf("32 bits: % x gave %d, %d; want %d", b, v, n, want)
			}
		} else if n != 0 {
			t.Fatalf("32 bits: % x (%d) accepted as %d, %d", b, want, v, n)
		}
	}
	bad := map[uint][]byte{
		32: {0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0, 0, 0}, // 33rd bit
		64: {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
	}
	for bits, b := range bad {
		if v, n := uvarintAt(b, bits); n != 0 {
			t.Errorf("%d bits: % x accepted as %d, %d", bits, b, v, n)
		}
	}
	if v, n := uvarintAt([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 64); n != 0 {
		t.Errorf("11-byte varint accepted as %d, %d", v, n)
	}
}
