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
