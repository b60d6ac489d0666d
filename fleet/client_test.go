package fleet

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

func TestSpread(t *testing.T) {
	rs := []*replica{startReplica(t), startReplica(t), startReplica(t)}
	for _, tc := range []struct {
		name   string
		policy Policy
		min    int64
	}{{"p2c", PowerOfTwo, 50}, {"rr", RoundRobin, 100}} {
		t.Run(tc.name, func(t *testing.T) {
			before := []int64{rs[0].calls.Load(), rs[1].calls.Load(), rs[2].calls.Load()}
			c := newClient(t, addrs(rs...), WithPolicy(tc.policy))
			for i := range 300 {
				if _, err := call(c, "who", ""); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			for i, r := range rs {
				if n := r.calls.Load() - before[i]; n < tc.min {
					t.Errorf("replica %d got %d of 300 calls, want at least %d", i, n, tc.min)
				}
			}
		})
	}
}

func TestEndpointsChangeLive(t *testing.T) {
	a, b := startReplica(t), startReplica(t)
	res := make(chanResolver, 1)
	res <- Update{Endpoints: []Endpoint{{Addr: a.addr}}}
	c := newClient(t, res)
	if got, err := call(c, "who", ""); err != nil || got != a.addr {
		t.Fatalf("who = %q, %v; want %s", got, err, a.addr)
	}
	res <- Update{Endpoints: []Endpoint{{Addr: a.addr}, {Addr: b.addr}}}
	eventually(t, 5*time.Second, "the added endpoint gets calls", func() bool {
		got, err := call(c, "who", "")
		return err == nil && got == b.addr
	})
	res <- Update{Err: errors.New("resolver down")} // keeps the set
	res <- Update{Endpoints: []Endpoint{{Addr: b.addr}}}
	eventually(t, 5*time.Second, "the removed endpoint leaves the set", func() bool {
		_, ok := c.Stats().Endpoints[a.addr]
		return !ok
	})
	n := a.calls.Load()
	for range 50 {
		if got, err := call(c, "who", ""); err != nil || got != b.addr {
			t.Fatalf("who = %q, %v; want %s", got, err, b.addr)
		}
	}
	if a.calls.Load() != n {
		t.Errorf("removed endpoint got %d more calls", a.calls.Load()-n)
	}
}

func TestNoEndpoints(t *testing.T) {
	c := newClient(t, Static{})
	if _, err := call(c, "echo", "x"); !errors.Is(err, ErrNoEndpoints) {
		t.Fatalf("err = %v, want ErrNoEndpoints", err)
	}
}

// load runs n callers of method for d, calling mid once at d/3, and
// returns the calls made and the errors seen.
func load(t *testing.T, c *Client, n int, d time.Duration, method, arg string, mid func()) (calls int64, errs []error) {
	t.Helper()
	var wg sync.WaitGroup
	var total atomic.Int64
	var mu sync.Mutex
	stop := time.Now().Add(d)
	for range n {
		wg.Go(func() {
			for time.Now().Before(stop) {
				_, err := call(c, method, arg)
				total.Add(1)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(d / 3)
	mid()
	wg.Wait()
	return total.Load(), errs
}

func TestGracefulDrainLosesNoCall(t *testing.T) {
	for name, opts := range map[string][]Option{
		"one call per connection": nil,
		// The calls queued behind the one a draining server refuses
		// did not run either: retried elsewhere, not lost.
		"pipelined": {WithClientOptions(runtime.WithPipelining(4), runtime.WithMaxConns(2))},
	} {
		t.Run(name, func(t *testing.T) {
			rs := []*replica{startReplica(t), startReplica(t), startReplica(t)}
			c := newClient(t, addrs(rs...), opts...)
			calls, errs := load(t, c, 16, 1500*time.Millisecond, "slow", "2ms", func() { rs[1].drain(t) })
			if len(errs) > 0 {
				t.Fatalf("%d of %d calls failed while one server drained; first: %v", len(errs), calls, errs[0])
			}
			t.Logf("%d calls, 0 failed; stats %+v", calls, c.Stats())
		})
	}
}

func TestKilledServerBoundedFailures(t *testing.T) {
	const callers = 16
	for _, idem := range []bool{false, true} {
		name := "not-idempotent"
		var opts []Option
		if idem {
			name = "idempotent"
			opts = append(opts, WithIdempotent("slow"))
		}
		t.Run(name, func(t *testing.T) {
			rs := []*replica{startReplica(t), startReplica(t), startReplica(t)}
			c := newClient(t, addrs(rs...), opts...)
			calls, errs := load(t, c, callers, 1500*time.Millisecond, "slow", "5ms", func() { rs[1].kill() })
			t.Logf("%d calls, %d failed; stats %+v", calls, len(errs), c.Stats())
			limit := callers // at most the calls in flight on the killed server
			if idem {
				limit = 0
			}
			if len(errs) > limit {
				t.Fatalf("%d calls failed, want at most %d; first: %v", len(errs), limit, errs[0])
			}
			if calls < 100 {
				t.Fatalf("only %d calls in 1.5 s", calls)
			}
		})
	}
}

func TestEjectionAndReadmission(t *testing.T) {
	a, b := startReplica(t), startReplica(t)
	// echo is idempotent here: a pooled connection the server's kernel
	// still held unaccepted (TCP_DEFER_ACCEPT) is reset only when the
	// first call is written on it, which cannot be told apart from a
	// crash after the handler ran.
	c := newClient(t, addrs(a, b), WithIdempotent("echo"), WithEjection(1, 50*time.Millisecond, 100*time.Millisecond))
	addr := a.addr
	a.kill()
	for i := range 50 {
		if _, err := call(c, "echo", "x"); err != nil {
			t.Fatalf("call %d with one server down: %v", i, err)
		}
	}
	if c.Stats().Ejections == 0 {
		t.Fatal("the dead endpoint was never ejected")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	back := serveReplica(t, ln)
	eventually(t, 5*time.Second, "the restarted endpoint is re-admitted", func() bool {
		call(c, "echo", "x")
		return back.calls.Load() > 0
	})
}

func TestRetryBudget(t *testing.T) {
	rs := []*replica{startReplica(t), startReplica(t), startReplica(t)}
	for _, r := range rs {
		r.notExec.Store(true)
	}
	c := newClient(t, addrs(rs...), WithRetryBudget(0.1, 5))
	const n = 200
	for range n {
		if _, err := call(c, "echo", "x"); !errors.Is(err, runtime.ErrNotExecuted) {
			t.Fatalf("err = %v, want ErrNotExecuted", err)
		}
	}
	st := c.Stats()
	if max := int64(5 + 0.1*n + 1); st.Retries > max {
		t.Fatalf("%d retries for %d calls, budget allows %d", st.Retries, n, max)
	}
	if st.Retries < 5 {
		t.Fatalf("%d retries, want the burst of 5 at least", st.Retries)
	}
	t.Logf("%d calls, %d retries", n, st.Retries)
}

func TestBudget(t *testing.T) {
	b := newBudget(0.5, 2)
	for i := range 2 {
		if !b.take() {
			t.Fatalf("take %d from a full bucket failed", i)
		}
	}
	if b.take() {
		t.Fatal("took from an empty bucket")
	}
	b.onCall()
	if b.take() {
		t.Fatal("half a token was enough")
	}
	b.onCall()
	if !b.take() {
		t.Fatal("two calls at ratio 0.5 did not earn a retry")
	}
	for range 100 {
		b.onCall()
	}
	if got := b.milli.Load(); got > 2000 {
		t.Fatalf("bucket holds %d milli-tokens, more than its burst", got)
	}
}

// TestDeadlineSpansAttempts: every server reads the request and drops the
// connection 250 ms later; an idempotent call retried three times would
// take 750 ms, but its 300 ms deadline ends it.
func TestDeadlineSpansAttempts(t *testing.T) {
	var s Static
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for range 100 {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					conn.SetDeadline(time.Now().Add(250 * time.Millisecond))
					buf := make([]byte, 512)
					for {
						if _, err := conn.Read(buf); err != nil {
							break
						}
					}
					conn.Close()
				}()
			}
		}()
		s = append(s, ln.Addr().String())
	}
	c := newClient(t, s, WithIdempotent("echo"))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, "echo", &str{ID: 1, S: "x"}, &str{})
	took := time.Since(start)
	if err == nil {
		t.Fatal("call succeeded")
	}
	if took > 600*time.Millisecond {
		t.Fatalf("call took %v with a 300 ms deadline (err %v)", took, err)
	}
	if c.Stats().Retries == 0 {
		t.Fatalf("the idempotent call was not retried (err %v)", err)
	}
}

// TestClassify reads errors as runtime.Client returns them: a refused
// dial and a closed client, taken from real calls, are not sent.
func TestClassify(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := ln.Addr().String()
	ln.Close()
	// A peer that hangs up on every connection: the pooled one is found
	// dead before the call, and the dial that replaces it is refused.
	hangUp, _ := net.Listen("tcp", "127.0.0.1:0")
	defer hangUp.Close()
	go func() {
		for {
			c, err := hangUp.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	first := true
	rc, err := runtime.Dial(context.Background(), hangUp.Addr().String(), runtime.WithPlaintext(), runtime.WithLogger(quietLogger()),
		runtime.WithDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			if first {
				first = false
				return d.DialContext(ctx, "tcp", addr)
			}
			return d.DialContext(ctx, "tcp", refused)
		}))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // for the hang-up to arrive
	_, dialErr := call(rc, "echo", "x")
	if !errors.Is(dialErr, syscall.ECONNREFUSED) {
		t.Fatalf("the call's dial was not refused: %v", dialErr)
	}
	rc.Close()
	_, closedErr := call(rc, "echo", "x")
	done, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	for _, tc := range []struct {
		ctx  context.Context
		err  error
		want outcome
	}{
		{bg, nil, answered},
		{bg, runtime.NewApplicationError(runtime.ExceptionInternalError, "x"), answered},
		{bg, runtime.NewApplicationError(runtime.ExceptionNotExecuted, "x"), notExecuted},
		{bg, dialErr, notSent},
		{bg, closedErr, notSent},
		{bg, errors.New("thrift: call x: unexpected EOF"), lost},
		{done, errors.New("thrift: call x: context canceled"), ctxEnded},
	} {
		if got := classify(tc.ctx, tc.err); got != tc.want {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
