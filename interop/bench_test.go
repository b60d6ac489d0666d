package interop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	apachebench "github.com/thriftsec/thriftsec/interop/gen/apache/interop/bench"
	"github.com/thriftsec/thriftsec/interop/gen/ours/interop/bench"
	"github.com/thriftsec/thriftsec/runtime"
)

// The codec benchmarks: the same values (idl/bench.thrift) encoded and
// decoded by both libraries, each in the fastest setup its API offers
// without changing the wire:
//
//   - encode: Apache's TBinaryProtocol (strict write) over one TMemoryBuffer
//     Reset before each op; ours into one Encoder Reset before each op.
//   - decode: a fresh struct each op on both sides (New<T>() for Apache, whose
//     reader relies on it, a zero value for ours). Apache reads from a
//     TMemoryBuffer refilled with the bytes each op (one memcpy, the cheapest
//     way to rewind it); ours Resets one Decoder on the bytes.
//   - decode from a stream: bytes.Reader under bufio for ours
//     (NewStreamDecoder) and under TBufferedTransport for Apache.
//
// SetBytes is the encoded size, so MB/s compares throughput directly.

func smallValues() (*bench.Small, *apachebench.Small) {
	return &bench.Small{ID: 12345, Stamp: 1_700_000_000_000, Kind: 3, Name: "hello, world"},
		&apachebench.Small{ID: 12345, Stamp: 1_700_000_000_000, Kind: 3, Name: "hello, world"}
}

func mediumValues() (*bench.Medium, *apachebench.Medium) {
	payload := make([]byte, 1024)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	samples := make([]int64, 100)
	for i := range samples {
		samples[i] = int64(i) * 1_000_003
	}
	labels := map[string]string{}
	for i := range 10 {
		labels[fmt.Sprintf("label-%02d", i)] = fmt.Sprintf("value number %d", i)
	}
	o := &bench.Medium{ID: 42, Version: 7, Created: 1_700_000_000_000, Updated: 1_700_000_123_456,
		Title: "a medium sized struct for benchmarks", Payload: payload, Samples: samples, Labels: labels,
		Inner: &bench.Inner{A: 1, B: 2, C: "inner"}}
	a := &apachebench.Medium{ID: 42, Version: 7, Created: 1_700_000_000_000, Updated: 1_700_000_123_456,
		Title: "a medium sized struct for benchmarks", Payload: payload, Samples: samples, Labels: labels,
		Inner: &apachebench.Inner{A: 1, B: 2, C: "inner"}}
	return o, a
}

// listValues is the 1,000-item list<struct> of issue 10.
func listValues() *bench.ItemList {
	l := &bench.ItemList{Items: make([]*bench.Item, 1000)}
	for i := range l.Items {
		l.Items[i] = &bench.Item{ID: int64(i) * 7919, Name: fmt.Sprintf("item-%04d", i), Score: float64(i) / 3, Flags: int32(i % 17), Active: i%3 == 0}
	}
	return l
}

// spanValues is a tracing-span batch shaped like a Jaeger agent's: one
// process with 3 tags, 100 spans of 5 tags each.
func spanValues() *bench.SpanBatch {
	tags := func(n, seed int) []*bench.Tag {
		t := make([]*bench.Tag, n)
		for i := range t {
			t[i] = &bench.Tag{Key: fmt.Sprintf("tag.key.%d", i), VType: int32(i % 4), VStr: fmt.Sprintf("value-%d-%d", seed, i), VLong: int64(seed*31 + i)}
		}
		return t
	}
	b := &bench.SpanBatch{Process: &bench.Process{ServiceName: "checkout-service", Tags: tags(3, 0)}, Spans: make([]*bench.Span, 100)}
	for i := range b.Spans {
		b.Spans[i] = &bench.Span{TraceIdLow: 0x1234_5678_9abc + int64(i), TraceIdHigh: 0x0fed_cba9, SpanId: int64(i + 1), ParentSpanId: int64(i),
			OperationName: fmt.Sprintf("GET /api/v1/orders/%d", i), Flags: 1, StartTime: 1_700_000_000_000_000 + int64(i)*1000, Duration: int64(250 + i), Tags: tags(5, i)}
	}
	return b
}

// apacheOf returns a, filled by Apache's reader from the binary encoding
// of ours: the same value without building it twice.
func apacheOf[T thrift.TStruct](ours runtime.Struct, a T) T {
	b, err := runtime.Marshal(ours)
	if err == nil {
		err = apacheDecode(b, a)
	}
	if err != nil {
		panic(err)
	}
	return a
}

type benchCase struct {
	name      string
	ours      runtime.Struct
	apache    thrift.TStruct
	newOurs   func() runtime.Struct
	newApache func() thrift.TStruct
}

func benchCases() []benchCase {
	so, sa := smallValues()
	mo, ma := mediumValues()
	lo, sp := listValues(), spanValues()
	return []benchCase{
		{"small", so, sa, func() runtime.Struct { return new(bench.Small) }, func() thrift.TStruct { return apachebench.NewSmall() }},
		{"medium", mo, ma, func() runtime.Struct { return new(bench.Medium) }, func() thrift.TStruct { return apachebench.NewMedium() }},
		{"list1000", lo, apacheOf(lo, apachebench.NewItemList()), func() runtime.Struct { return new(bench.ItemList) }, func() thrift.TStruct { return apachebench.NewItemList() }},
		{"spans", sp, apacheOf(sp, apachebench.NewSpanBatch()), func() runtime.Struct { return new(bench.SpanBatch) }, func() thrift.TStruct { return apachebench.NewSpanBatch() }},
	}
}

func strictConf() *thrift.TConfiguration {
	return &thrift.TConfiguration{TBinaryStrictWrite: thrift.BoolPtr(true)}
}

func BenchmarkEncode(b *testing.B) {
	ctx := context.Background()
	for _, c := range benchCases() {
		b.Run(c.name+"/thriftsec", func(b *testing.B) {
			e := runtime.NewEncoder(nil)
			if err := c.ours.Encode(e); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(e.Len()))
			b.ReportAllocs()
			for b.Loop() {
				e.Reset()
				if err := c.ours.Encode(e); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/apache", func(b *testing.B) {
			buf := thrift.NewTMemoryBufferLen(4096)
			p := thrift.NewTBinaryProtocolConf(buf, strictConf())
			if err := c.apache.Write(ctx, p); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := c.apache.Write(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	ctx := context.Background()
	for _, c := range benchCases() {
		data, err := runtime.Marshal(c.ours)
		if err != nil {
			b.Fatal(err)
		}
		if ab, err := apacheEncode(c.apache); err != nil {
			b.Fatal(err)
		} else if m, _ := sameWire(ab, data, false); m != wireSame {
			b.Fatalf("%s: the two libraries encode the benchmark value differently", c.name)
		}
		b.Run(c.name+"/thriftsec", func(b *testing.B) {
			d := runtime.NewDecoder(data, runtime.Limits{})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				d.Reset(data)
				if err := c.newOurs().Decode(d); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/apache", func(b *testing.B) {
			buf := thrift.NewTMemoryBufferLen(len(data))
			p := thrift.NewTBinaryProtocolConf(buf, strictConf())
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				buf.Write(data)
				if err := c.newApache().Read(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/thriftsec-stream", func(b *testing.B) {
			rd := bytes.NewReader(data)
			br := bufio.NewReaderSize(rd, 4096)
			d := runtime.NewStreamDecoder(br, runtime.Limits{})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(data)
				br.Reset(rd)
				d.ResetStream(br)
				if err := c.newOurs().Decode(d); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/apache-stream", func(b *testing.B) {
			rd := bytes.NewReader(data)
			tr := thrift.NewTBufferedTransport(thrift.NewStreamTransportR(rd), 4096)
			p := thrift.NewTBinaryProtocolConf(tr, strictConf())
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				// Each op reads exactly one message, so the buffer is empty
				// again when the reader is rewound.
				rd.Reset(data)
				if err := c.newApache().Read(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestEncodeAllocs pins the target: encoding into a reused Encoder
// allocates nothing.
func TestEncodeAllocs(t *testing.T) {
	for _, c := range benchCases() {
		e := runtime.NewEncoder(nil)
		_ = c.ours.Encode(e)
		n := testing.AllocsPerRun(100, func() {
			e.Reset()
			_ = c.ours.Encode(e)
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per encode into a reused Encoder, want 0", c.name, n)
		}
	}
}

// TestDecodeAllocs pins the other target: decoding allocates no more than
// the value holds (the struct, each nested struct, string, binary and
// container, and a map's buckets), here counted per benchmark value.
func TestDecodeAllocs(t *testing.T) {
	for _, c := range benchCases() {
		data, _ := runtime.Marshal(c.ours)
		d := runtime.NewDecoder(data, runtime.Limits{})
		n := testing.AllocsPerRun(100, func() {
			d.Reset(data)
			if err := c.newOurs().Decode(d); err != nil {
				t.Fatal(err)
			}
		})
		// Strings and binaries up to 256 bytes share chunks of up to 6
		// KiB, longer ones and bulk-read lists of numbers take a chunk's
		// free room when they fit in it, list<struct> elements backing
		// arrays, and a list of up to 16 structs shares one allocation
		// with its []*S (runtime/batch.go). small: struct + name = 2.
		// medium: struct, the map (4: what Go itself allocates for a map
		// of 10 string pairs made with its size hint), inner struct, and
		// the chunk that its strings, payload (1 KiB) and samples share,
		// ~2.1 KB a decode; the decode that finds the chunk full gives
		// payload and samples their own = 6 (it was 8 with both always
		// their own: frugal's count). list1000: struct, []*Item, []Item, 2-3 chunks for
		// 9,000 bytes of names = 6 at most. spans: struct, process and
		// the box of its tags, []*Span, []Span, 100 boxes of five tags,
		// 2-3 chunks = 108 at most.
		want := map[string]float64{"small": 2, "medium": 6, "list1000": 6, "spans": 108}[c.name]
		if n > want {
			t.Errorf("%s: %v allocations per decode, want at most %v", c.name, n, want)
		}
		t.Logf("%s: %v allocations per decode", c.name, n)
	}
}
