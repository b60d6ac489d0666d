package main

import (
	"testing"

	"github.com/cloudwego/frugal"

	kitexbench "github.com/thriftsec/thriftsec/bench/peers/gen/kitex/interop/bench"
	"github.com/thriftsec/thriftsec/bench/peers/gen/ours/interop/bench"
	"github.com/thriftsec/thriftsec/runtime"
)

// BenchmarkDecodeMedium is the codec table's medium decode cell for each
// library as a go test benchmark, for what the table cannot give: a CPU
// profile of one cell, or many runs of it alone (the case where thriftsec's
// lead is smallest; README, "Decode ahead of Kitex and frugal"):
//
//	go test -ldflags=-checklinkname=0 -run '^$' -bench DecodeMedium \
//	    -count 8 -cpuprofile /tmp/medium.prof ./cmd/peerbench
func BenchmarkDecodeMedium(b *testing.B) {
	data, err := runtime.Marshal(mediumValue())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("thriftsec", func(b *testing.B) {
		d := runtime.NewDecoder(data, runtime.Limits{})
		b.ReportAllocs()
		for b.Loop() {
			d.Reset(data)
			var v runtime.Struct = new(bench.Medium) // on the heap, as in the table
			if err := v.Decode(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kitex", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kitexbench.NewMedium().FastRead(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("frugal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := frugal.DecodeObject(data, kitexbench.NewMedium()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCodecCells runs every cell of the codec table as a go test
// benchmark (named case/library/op, spaces as underscores), to profile one
// cell or repeat a few alone:
//
//	go test -ldflags=-checklinkname=0 -run '^$' -count 6 \
//	    -bench 'CodecCells/span_batch/(thriftsec|Kitex_fast)/encode' ./cmd/peerbench
func BenchmarkCodecCells(b *testing.B) {
	cells, err := codecBenches()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cells {
		b.Run(c.caseName+"/"+c.lib+"/"+c.op, c.run)
	}
}
