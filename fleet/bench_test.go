package fleet

import (
	"context"
	"runtime"
	"testing"
	"time"

	thrift "github.com/thriftsec/thriftsec/runtime"
)

// The balancer's overhead: 64 concurrent callers of one loopback server,
// through a direct runtime.Client and through a fleet Client over the
// same server (same pool size), so the difference is the balancer's.
//
//	go test -run '^$' -bench 'Callers64' -count 6 ./fleet

const benchCallers = 64

func benchCalls(b *testing.B, c thrift.Caller) {
	b.ReportAllocs()
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args := &str{ID: 1, S: "hello"}
		res := &str{ID: 0}
		for pb.Next() {
			if err := c.Call(ctx, "echo", args, res); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkDirectCallers64(b *testing.B) {
	r := startReplica(b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := thrift.Dial(ctx, r.addr, thrift.WithPlaintext(), thrift.WithMaxConns(benchCallers), thrift.WithLogger(quietLogger()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	benchCalls(b, c)
}

func BenchmarkFleetCallers64(b *testing.B) {
	r := startReplica(b)
	c := newClient(b, Static{r.addr}, WithClientOptions(thrift.WithMaxConns(benchCallers)))
	benchCalls(b, c)
}

func BenchmarkFleet3Callers64(b *testing.B) {
	rs := []*replica{startReplica(b), startReplica(b), startReplica(b)}
	c := newClient(b, addrs(rs...), WithClientOptions(thrift.WithMaxConns(benchCallers)))
	benchCalls(b, c)
}

// BenchmarkBalancerPathCallers64 times only what the fleet Client adds to
// each call (deadline check, budget, pick, in-flight counts, outcome),
// without the round trip, at 64 concurrent callers over 3 endpoints.
func BenchmarkBalancerPathCallers64(b *testing.B) {
	rs := []*replica{startReplica(b), startReplica(b), startReplica(b)}
	c := newClient(b, addrs(rs...))
	b.ReportAllocs()
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for pb.Next() {
			if _, ok := ctx.Deadline(); !ok {
				b.Fatal("no deadline")
			}
			c.calls.Add(1)
			c.budget.onCall()
			var tried [maxAttemptsCap]*endpoint
			e, _ := c.pick(tried[:0])
			e.inflight.Add(1)
			e.inflight.Add(-1)
			c.record(e, classify(ctx, nil), nil)
		}
	})
}
