package main

import (
	"fmt"

	"github.com/thriftsec/thriftsec/bench/peers/gen/ours/interop/bench"
	"github.com/thriftsec/thriftsec/bench/peers/gen/ours/peers"
)

// The benchmark values are built once, as thriftsec types; every other
// library gets them by decoding thriftsec's bytes, so all of them work on
// the same data and the wire equality is checked along the way.

func smallValue() *bench.Small {
	return &bench.Small{ID: 12345, Stamp: 1_700_000_000_000, Kind: 3, Name: "hello, world"}
}

// mediumValue is the one of interop/bench_test.go: 1 KiB of binary, 100
// samples, 10 labels and a nested struct.
func mediumValue() *bench.Medium {
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
	return &bench.Medium{ID: 42, Version: 7, Created: 1_700_000_000_000, Updated: 1_700_000_123_456,
		Title: "a medium sized struct for benchmarks", Payload: payload, Samples: samples, Labels: labels,
		Inner: &bench.Inner{A: 1, B: 2, C: "inner"}}
}

// itemsValue is a 1,000-element list<struct>, the case where decoders
// differ most in allocations.
func itemsValue() *peers.ItemList {
	l := &peers.ItemList{Items: make([]*peers.Item, 1000)}
	for i := range l.Items {
		l.Items[i] = &peers.Item{ID: int64(i) * 7919, Name: fmt.Sprintf("item %d", i), Price: float64(i) * 1.25,
			Quantity: int32(i % 17), Active: i%3 != 0}
	}
	return l
}

// spansValue is a tracing-span batch as a tracing agent sends it: 50
// spans of 6 tags each.
func spansValue() *peers.SpanBatch {
	b := &peers.SpanBatch{ServiceName: "checkout", Spans: make([]*peers.Span, 50)}
	for i := range b.Spans {
		tags := make([]*peers.Tag, 6)
		for j := range tags {
			tags[j] = &peers.Tag{Key: fmt.Sprintf("tag.key.%d", j), Value: fmt.Sprintf("value %d/%d", i, j)}
		}
		b.Spans[i] = &peers.Span{TraceIDLow: 0x1234_5678_9abc_def0, TraceIDHigh: 0x0fed_cba9_8765_4321,
			SpanID: int64(i + 1), ParentSpanID: int64(i), OperationName: fmt.Sprintf("GET /api/v1/items/%d", i),
			StartTime: 1_700_000_000_000_000 + int64(i)*1000, Duration: int64(100 + i), Flags: 1, Tags: tags}
	}
	return b
}
