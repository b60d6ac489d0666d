package interop

import (
	"context"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/thriftsec/thriftsec/runtime"
)

// The compact and JSON codec benchmarks, set up as BenchmarkEncode and
// BenchmarkDecode are for binary: ours through a reused runtime.Codec
// (generated binary codec plus transcoding, see runtime/protocol.go),
// Apache's through TCompactProtocol / TJSONProtocol over a TMemoryBuffer.

func benchProtocols() []apacheProto {
	return apacheProtos
}

func BenchmarkProtoEncode(b *testing.B) {
	ctx := context.Background()
	for _, ap := range benchProtocols() {
		for _, c := range benchCases() {
			b.Run(ap.name+"/"+c.name+"/thriftsec", func(b *testing.B) {
				codec := runtime.NewCodec(ap.ours, runtime.Limits{})
				out, err := codec.Marshal(c.ours)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := codec.Marshal(c.ours); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(ap.name+"/"+c.name+"/apache", func(b *testing.B) {
				buf := thrift.NewTMemoryBufferLen(4096)
				p := ap.new(buf)
				if err := c.apache.Write(ctx, p); err != nil {
					b.Fatal(err)
				}
				p.Flush(ctx)
				b.SetBytes(int64(buf.Len()))
				b.ReportAllocs()
				for b.Loop() {
					buf.Reset()
					if err := c.apache.Write(ctx, p); err != nil {
						b.Fatal(err)
					}
					if err := p.Flush(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkProtoDecode(b *testing.B) {
	ctx := context.Background()
	for _, ap := range benchProtocols() {
		for _, c := range benchCases() {
			data, err := ap.ours.Marshal(c.ours)
			if err != nil {
				b.Fatal(err)
			}
			if ad, err := ap.encode(c.apache); err != nil {
				b.Fatal(err)
			} else if m, err := sameProtoWire(ap.ours, ad, data, false); err != nil || m != wireSame {
				b.Fatalf("%s/%s: the two libraries encode the benchmark value differently (%v)", ap.name, c.name, err)
			}
			b.Run(ap.name+"/"+c.name+"/thriftsec", func(b *testing.B) {
				codec := runtime.NewCodec(ap.ours, runtime.Limits{})
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := codec.Unmarshal(data, c.newOurs()); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(ap.name+"/"+c.name+"/apache", func(b *testing.B) {
				buf := thrift.NewTMemoryBufferLen(len(data))
				p := ap.new(buf)
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
		}
	}
}
