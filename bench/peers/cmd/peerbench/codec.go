package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/cloudwego/frugal"
	kthrift "github.com/cloudwego/gopkg/protocol/thrift"

	apachebench "github.com/thriftsec/thriftsec/bench/peers/gen/apache/interop/bench"
	apachepeers "github.com/thriftsec/thriftsec/bench/peers/gen/apache/peers"
	kitexbench "github.com/thriftsec/thriftsec/bench/peers/gen/kitex/interop/bench"
	kitexpeers "github.com/thriftsec/thriftsec/bench/peers/gen/kitex/peers"
	"github.com/thriftsec/thriftsec/bench/peers/gen/ours/interop/bench"
	"github.com/thriftsec/thriftsec/bench/peers/gen/ours/peers"
	"github.com/thriftsec/thriftsec/runtime"
)

// The codec table: each library encodes and decodes the same values in the
// fastest setup its API offers without changing the wire.
//
//   - thriftsec: Encode into one Encoder Reset before each op; decode a
//     fresh struct from one Decoder Reset on the bytes.
//   - Apache 0.17: TBinaryProtocol (strict write) over one TMemoryBuffer,
//     Reset (and, to decode, refilled: one memcpy) before each op; a New<T>()
//     struct per decode, which its reader relies on.
//   - Kitex fast codec: BLength then FastWriteNocopy into a reused buffer
//     (BLength is part of every Kitex encode: it sizes the buffer);
//     FastRead of a fresh struct.
//   - frugal: EncodedSize then EncodeObject into a reused buffer;
//     DecodeObject into a fresh struct (frugal works on the Kitex types).

// kitexStruct is what the Kitex-generated types offer.
type kitexStruct interface {
	FastRead(buf []byte) (int, error)
	FastWriteNocopy(buf []byte, w kthrift.NocopyWriter) int
	BLength() int
}

type codecCase struct {
	name      string
	ours      runtime.Struct
	newOurs   func() runtime.Struct
	newApache func() thrift.TStruct
	newKitex  func() kitexStruct
}

func codecCases() []codecCase {
	return []codecCase{
		{"small", smallValue(), func() runtime.Struct { return new(bench.Small) },
			func() thrift.TStruct { return apachebench.NewSmall() }, func() kitexStruct { return kitexbench.NewSmall() }},
		{"medium", mediumValue(), func() runtime.Struct { return new(bench.Medium) },
			func() thrift.TStruct { return apachebench.NewMedium() }, func() kitexStruct { return kitexbench.NewMedium() }},
		{"1,000-item list", itemsValue(), func() runtime.Struct { return new(peers.ItemList) },
			func() thrift.TStruct { return apachepeers.NewItemList() }, func() kitexStruct { return kitexpeers.NewItemList() }},
		{"span batch", spansValue(), func() runtime.Struct { return new(peers.SpanBatch) },
			func() thrift.TStruct { return apachepeers.NewSpanBatch() }, func() kitexStruct { return kitexpeers.NewSpanBatch() }},
	}
}

// codecLibs names the columns, thriftsec first.
var codecLibs = []string{"thriftsec", "Apache 0.17", "Kitex fast", "frugal 0.3.0"}

// codecBench is one cell's benchmark: a case, a library, encode or decode.
type codecBench struct {
	caseName, lib, op string
	run               func(b *testing.B)
}

func strictConf() *thrift.TConfiguration {
	return &thrift.TConfiguration{TBinaryStrictWrite: thrift.BoolPtr(true)}
}

// codecBenches prepares every cell, after checking that each library
// decodes thriftsec's bytes and that what it encodes is as long and reads
// back with thriftsec as the same value. Bytes may differ: Kitex writes
// fixed-size fields before the others, and map order follows Go's map
// iteration in every library (so the medium case, which has a map, is
// checked for length and readability only).
func codecBenches() ([]codecBench, error) {
	ctx := context.Background()
	var out []codecBench
	for _, c := range codecCases() {
		data, err := runtime.Marshal(c.ours)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		av := c.newApache()
		buf := thrift.NewTMemoryBufferLen(len(data))
		buf.Write(data)
		if err := av.Read(ctx, thrift.NewTBinaryProtocolConf(buf, strictConf())); err != nil {
			return nil, fmt.Errorf("%s: Apache cannot read thriftsec's bytes: %w", c.name, err)
		}
		kv := c.newKitex()
		if _, err := kv.FastRead(data); err != nil {
			return nil, fmt.Errorf("%s: Kitex cannot read thriftsec's bytes: %w", c.name, err)
		}
		fv := c.newKitex()
		if _, err := frugal.DecodeObject(data, fv); err != nil {
			return nil, fmt.Errorf("%s: frugal cannot read thriftsec's bytes: %w", c.name, err)
		}
		ab := thrift.NewTMemoryBufferLen(len(data))
		if err := av.Write(ctx, thrift.NewTBinaryProtocolConf(ab, strictConf())); err != nil {
			return nil, err
		}
		kb := make([]byte, kv.BLength())
		kb = kb[:kv.FastWriteNocopy(kb, nil)]
		fb := make([]byte, frugal.EncodedSize(fv))
		n, err := frugal.EncodeObject(fb, nil, fv)
		if err != nil {
			return nil, fmt.Errorf("%s: frugal: %w", c.name, err)
		}
		for lib, enc := range map[string][]byte{"Apache": ab.Bytes(), "Kitex": kb, "frugal": fb[:n]} {
			if len(enc) != len(data) {
				return nil, fmt.Errorf("%s: %s encodes %d bytes, thriftsec %d", c.name, lib, len(enc), len(data))
			}
			back := c.newOurs()
			if err := runtime.Unmarshal(enc, back); err != nil {
				return nil, fmt.Errorf("%s: thriftsec cannot read %s's bytes: %w", c.name, lib, err)
			}
			again, err := runtime.Marshal(back)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(again, data) && c.name != "medium" {
				return nil, fmt.Errorf("%s: %s encodes another value than thriftsec's", c.name, lib)
			}
		}
		out = append(out, codecPair(c, data, av, kv, fv)...)
	}
	return out, nil
}

func codecPair(c codecCase, data []byte, av thrift.TStruct, kv, fv kitexStruct) []codecBench {
	ctx := context.Background()
	cell := func(lib, op string, run func(b *testing.B)) codecBench {
		return codecBench{c.name, lib, op, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			run(b)
		}}
	}
	return []codecBench{
		cell("thriftsec", "encode", func(b *testing.B) {
			e := runtime.NewEncoder(nil)
			for b.Loop() {
				e.Reset()
				if err := c.ours.Encode(e); err != nil {
					b.Fatal(err)
				}
			}
		}),
		cell("Apache 0.17", "encode", func(b *testing.B) {
			buf := thrift.NewTMemoryBufferLen(len(data))
			p := thrift.NewTBinaryProtocolConf(buf, strictConf())
			for b.Loop() {
				buf.Reset()
				if err := av.Write(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		}),
		cell("Kitex fast", "encode", func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				n := kv.BLength()
				if cap(buf) < n {
					buf = make([]byte, n)
				}
				kv.FastWriteNocopy(buf[:n], nil)
			}
		}),
		cell("frugal 0.3.0", "encode", func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				n := frugal.EncodedSize(fv)
				if cap(buf) < n {
					buf = make([]byte, n)
				}
				if _, err := frugal.EncodeObject(buf[:n], nil, fv); err != nil {
					b.Fatal(err)
				}
			}
		}),
		cell("thriftsec", "decode", func(b *testing.B) {
			d := runtime.NewDecoder(data, runtime.Limits{})
			for b.Loop() {
				d.Reset(data)
				if err := c.newOurs().Decode(d); err != nil {
					b.Fatal(err)
				}
			}
		}),
		cell("Apache 0.17", "decode", func(b *testing.B) {
			buf := thrift.NewTMemoryBufferLen(len(data))
			p := thrift.NewTBinaryProtocolConf(buf, strictConf())
			for b.Loop() {
				buf.Reset()
				buf.Write(data)
				if err := c.newApache().Read(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		}),
		cell("Kitex fast", "decode", func(b *testing.B) {
			for b.Loop() {
				if _, err := c.newKitex().FastRead(data); err != nil {
					b.Fatal(err)
				}
			}
		}),
		cell("frugal 0.3.0", "decode", func(b *testing.B) {
			for b.Loop() {
				if _, err := frugal.DecodeObject(data, c.newKitex()); err != nil {
					b.Fatal(err)
				}
			}
		}),
	}
}
