package runtime

import (
	"bufio"
	"bytes"
	"testing"
)

// The benchmarks use the hand-written medium struct codec in codec_test.go,
// which calls the Encoder and Decoder the way generated code does.

func BenchmarkEncodeMedium(b *testing.B) {
	m := newMedium()
	e := NewEncoder(make([]byte, 0, 4096))
	m.Encode(e)
	b.SetBytes(int64(e.Len()))
	b.ReportAllocs()
	for b.Loop() {
		e.Reset()
		m.Encode(e)
	}
}

func BenchmarkMarshalMedium(b *testing.B) {
	m := newMedium()
	b.SetBytes(int64(len(encode(b, m))))
	b.ReportAllocs()
	for b.Loop() {
		Marshal(m)
	}
}

func BenchmarkDecodeMediumMemory(b *testing.B) {
	buf := encode(b, newMedium())
	d := NewDecoder(buf, Limits{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(buf)
		var m medium
		if err := m.Decode(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeMediumStream(b *testing.B) {
	buf := encode(b, newMedium())
	r := bytes.NewReader(buf)
	br := bufio.NewReader(r)
	d := NewStreamDecoder(br, Limits{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(buf)
		br.Reset(r)
		d.ResetStream(br)
		var m medium
		if err := m.Decode(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSkipMediumMemory(b *testing.B) {
	buf := encode(b, newMedium())
	d := NewDecoder(buf, Limits{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(buf)
		if err := d.Skip(TypeStruct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeI32s measures the per-value cost of the fast path.
func BenchmarkDecodeI32s(b *testing.B) {
	var e Encoder
	for i := range 1024 {
		e.WriteI32(int32(i))
	}
	buf := e.Bytes()
	d := NewDecoder(buf, Limits{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(buf)
		for range 1024 {
			if _, err := d.ReadI32(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkI64List is the medium benchmark struct's list<i64> of 100: read
// and written in one call (ReadI64s, WriteI64s: copy, then swap in place)
// and, for comparison, one ReadI64 / WriteI64 per element. The read
// allocates its list, from the decoder's chunk when it has room.
func BenchmarkI64List(b *testing.B) {
	l := make([]int64, 100)
	for i := range l {
		l[i] = int64(i) * 1_000_003
	}
	var w Encoder
	w.WriteI64s(l)
	wire := w.Bytes()
	var sink []int64
	b.Run("read/bulk", func(b *testing.B) {
		d := NewDecoder(wire, Limits{})
		for b.Loop() {
			d.Reset(wire)
			sink, _ = d.ReadI64s(len(l))
		}
	})
	b.Run("read/per-element", func(b *testing.B) {
		d := NewDecoder(wire, Limits{})
		for b.Loop() {
			d.Reset(wire)
			sink = make([]int64, len(l))
			for i := range sink {
				sink[i], _ = d.ReadI64()
			}
		}
	})
	e := NewEncoder(nil)
	b.Run("write/bulk", func(b *testing.B) {
		for b.Loop() {
			e.Reset()
			e.WriteI64s(l)
		}
	})
	b.Run("write/per-element", func(b *testing.B) {
		for b.Loop() {
			e.Reset()
			for _, v := range l {
				e.WriteI64(v)
			}
		}
	})
	_ = sink
}

// BenchmarkStringMap is what Go's map costs the medium benchmark struct's
// decode whoever decodes it: a map[string]string made with its size hint
// of 10 (four allocations), then with its ten entries inserted.
func BenchmarkStringMap(b *testing.B) {
	keys := make([]string, 10)
	for i := range keys {
		keys[i] = "label-" + itoa(i)
	}
	var sink map[string]string
	b.Run("make", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = make(map[string]string, len(keys))
		}
	})
	b.Run("make+insert", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := make(map[string]string, len(keys))
			for _, k := range keys {
				m[k] = k
			}
			sink = m
		}
	})
	_ = sink
}
