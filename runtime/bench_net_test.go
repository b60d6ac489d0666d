package runtime

import (
	"context"
	"testing"
	"time"
)

// benchCall measures one "add" round trip over loopback, one call at a
// time, on a warm pooled connection.
func benchCall(b *testing.B, sec security, tr Transport) {
	ts := startServer(b, sec, tr, nil)
	c := ts.dial(b, WithMaxConns(1))
	ctx := context.Background()
	args := &pairArgs{A: 1, B: 2}
	var res i32Result
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Call(ctx, "add", args, &res); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallPlaintextFramed(b *testing.B)   { benchCall(b, secPlain, Framed) }
func BenchmarkCallPlaintextBuffered(b *testing.B) { benchCall(b, secPlain, Buffered) }
func BenchmarkCallTLSFramed(b *testing.B)         { benchCall(b, secTLS, Framed) }
func BenchmarkCallMutualTLSFramed(b *testing.B)   { benchCall(b, secMTLS, Framed) }

// BenchmarkCallTLSFramedParallel shares one client among GOMAXPROCS
// goroutines, as a service handling concurrent requests would.
func BenchmarkCallTLSFramedParallel(b *testing.B) {
	ts := startServer(b, secTLS, Framed, nil)
	c := ts.dial(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		args := &pairArgs{A: 1, B: 2}
		var res i32Result
		for pb.Next() {
			if err := c.Call(ctx, "add", args, &res); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCallTLSFramedDeadline calls with a context that has a
// deadline (and so can be cancelled), as most callers' do: the call then
// also watches the context.
func BenchmarkCallTLSFramedDeadline(b *testing.B) {
	ts := startServer(b, secTLS, Framed, nil)
	c := ts.dial(b, WithMaxConns(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	args := &pairArgs{A: 1, B: 2}
	var res i32Result
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Call(ctx, "add", args, &res); err != nil {
			b.Fatal(err)
		}
	}
}
