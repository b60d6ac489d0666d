package hostile

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/examples/thrifttest/gen/thrifttest"
)

var (
	soak         = flag.Bool("soak", false, "run TestSoak (make soak)")
	soakDuration = flag.Duration("soak.duration", time.Minute, "how long TestSoak runs")
)

// TestSoak runs 48 clients making mixed calls over TLS against one server
// for a minute: no call may fail, and the server's goroutines and memory
// must stay flat (the last quarter no higher than the second, with a
// little slack for the garbage collector's timing).
func TestSoak(t *testing.T) {
	if !*soak {
		t.Skip("run with -soak (make soak)")
	}
	s := startServer(t, "--stats=1s")
	const clients = 48
	ctx, cancel := context.WithTimeout(context.Background(), *soakDuration)
	defer cancel()
	end, _ := ctx.Deadline()
	var (
		wg    sync.WaitGroup
		calls atomic.Int64
		fails atomic.Int64
	)
	for i := range clients {
		c, _ := s.client(t)
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				// A call cut by the end of the run is not a failure; the
				// deadline passes a moment before ctx.Err() is set.
				if err := mixedCall(ctx, c, i, n); err != nil && time.Until(end) > 100*time.Millisecond {
					if fails.Add(1) <= 10 {
						t.Errorf("client %d call %d: %v", i, n, err)
					}
				}
				calls.Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("%d clients, %v: %d calls, %d failed", clients, *soakDuration, calls.Load(), fails.Load())

	stats := s.stderr.lines("testserver: stats ")
	if len(stats) < 8 {
		t.Fatalf("only %d stats lines from the server", len(stats))
	}
	gor, heap := series(t, stats, "goroutines"), series(t, stats, "heap_inuse")
	q := len(stats) / 4
	for _, x := range []struct {
		name  string
		v     []int64
		slack float64
	}{{"goroutines", gor, 1.1}, {"heap_inuse", heap, 1.5}} {
		second, last := maxOf(x.v[q:2*q]), maxOf(x.v[3*q:])
		t.Logf("%s: second quarter max %d, last quarter max %d", x.name, second, last)
		if float64(last) > float64(second)*x.slack+64 {
			t.Errorf("%s grew: %d in the second quarter, %d in the last", x.name, second, last)
		}
	}
	t.Logf("peak RSS %d MiB", s.peakRSS()/mib)
}

func mixedCall(ctx context.Context, c *thrifttest.ThriftTestClient, i, n int) error {
	switch n % 5 {
	case 0:
		want := fmt.Sprintf("client %d call %d", i, n)
		got, err := c.TestString(ctx, want)
		if err == nil && got != want {
			err = fmt.Errorf("testString = %q", got)
		}
		return err
	case 1:
		_, err := c.TestBinary(ctx, make([]byte, 1+(n*37)%65536))
		return err
	case 2:
		_, err := c.TestMapMap(ctx, int32(n))
		return err
	case 3:
		_, err := c.TestInsanity(ctx, &thrifttest.Insanity{Xtructs: []*thrifttest.Xtruct{{StringThing: "x", I32Thing: int32(n)}}})
		return err
	default:
		err := c.TestException(ctx, "Xception")
		var x *thrifttest.Xception
		if !asXception(err, &x) {
			return fmt.Errorf("testException: %v", err)
		}
		return nil
	}
}

func series(t *testing.T, lines []string, key string) []int64 {
	re := regexp.MustCompile(key + `=(\d+)`)
	var out []int64
	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("no %s in %q", key, l)
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, v)
	}
	return out
}

func maxOf(v []int64) int64 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func asXception(err error, x **thrifttest.Xception) bool { return errors.As(err, x) }
