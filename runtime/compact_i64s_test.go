package runtime

import (
	"bytes"
	"math"
	"testing"
)

// TestCompactWriteI64s checks that the bulk list writer gives the bytes of
// one WriteI64 per element, for every varint length (both sides of each
// 7-bit boundary, negative and positive) and across several blocks, after
// a prefix so that the windows start at odd offsets.
func TestCompactWriteI64s(t *testing.T) {
	var l []int64
	for s := range 64 {
		for _, v := range []int64{int64(1) << s, int64(1)<<s - 1, -(int64(1) << s), -(int64(1) << s) + 1} {
			l = append(l, v, v/2)
		}
	}
	l = append(l, 0, math.MaxInt64, math.MinInt64, -1, 1)
	for _, n := range []int{0, 1, varintBlock - 1, varintBlock, varintBlock + 1, len(l)} {
		for _, prefix := range []string{"", "abc"} {
			var bulk, loop CompactEncoder
			bulk.WriteString(prefix)
			loop.WriteString(prefix)
			bulk.WriteI64s(l[:n])
			for _, v := range l[:n] {
				loop.WriteI64(v)
			}
			if !bytes.Equal(bulk.Bytes(), loop.Bytes()) {
				t.Fatalf("%d elements after %q: WriteI64s wrote\n%x\nWriteI64 each\n%x", n, prefix, bulk.Bytes(), loop.Bytes())
			}
		}
	}
}

// benchSamples are the i64 list of interop's medium benchmark struct:
// varints of one to four bytes.
func benchSamples() []int64 {
	l := make([]int64, 100)
	for i := range l {
		l[i] = int64(i) * 1_000_003
	}
	return l
}

// BenchmarkCompactI64List compares WriteI64s with the WriteI64 loop that
// generated code had before it.
func BenchmarkCompactI64List(b *testing.B) {
	l := benchSamples()
	b.Run("bulk", func(b *testing.B) {
		var e CompactEncoder
		b.ReportAllocs()
		for b.Loop() {
			e.Reset()
			e.WriteI64s(l)
		}
	})
	b.Run("loop", func(b *testing.B) {
		var e CompactEncoder
		b.ReportAllocs()
		for b.Loop() {
			e.Reset()
			for _, v := range l {
				e.WriteI64(v)
			}
		}
	})
}
