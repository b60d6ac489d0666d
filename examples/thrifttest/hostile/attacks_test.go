package hostile

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/examples/thrifttest/gen/thrifttest"
	"github.com/thriftsec/thriftsec/runtime"
)

// binaryRequest is a framed testBinary call carrying n bytes.
func binaryRequest(seq int32, n int) []byte {
	payload := make([]byte, n)
	return frame("testBinary", runtime.MessageCall, seq, func(e *runtime.Encoder) {
		e.WriteFieldBegin(runtime.TypeString, 1)
		e.WriteBinary(payload)
		e.WriteFieldStop()
	})
}

// pipelineAttack opens conns TLS connections that each send two 15 MiB
// testBinary requests back to back and never read the replies, while a
// legitimate client keeps calling; it returns the server's peak RSS.
func pipelineAttack(t *testing.T, s *server, conns int, hold time.Duration) int64 {
	req1, req2 := binaryRequest(1, 15*mib), binaryRequest(2, 15*mib)
	var wg sync.WaitGroup
	for range conns {
		c := s.rawTLS(t)
		wg.Go(func() {
			c.SetWriteDeadline(time.Now().Add(hold + 10*time.Second))
			if _, err := c.Write(req1); err == nil {
				c.Write(req2)
			}
		})
	}
	legit, _ := s.client(t)
	deadline := time.Now().Add(hold)
	calls := 0
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		got, err := legit.TestString(ctx, "still served")
		cancel()
		if err != nil || got != "still served" {
			t.Fatalf("legitimate call %d during the attack: %q, %v", calls, got, err)
		}
		calls++
		time.Sleep(200 * time.Millisecond)
	}
	peak := s.peakRSS()
	t.Logf("%d attacking connections × 2 × 15 MiB pipelined: peak RSS %d MiB; %d legitimate calls served meanwhile", conns, peak/mib, calls)
	return peak
}

// TestMemoryBudget is attack 1: pipelined large requests whose replies are
// never read. With a 64 MiB budget the server stays under 200 MiB and
// serves a legitimate client throughout.
func TestMemoryBudget(t *testing.T) {
	s := startServer(t, "--max-inflight-bytes=67108864", "--write-timeout=5s")
	if peak := pipelineAttack(t, s, 8, pick(4*time.Second, 8*time.Second)); peak > 200*mib {
		t.Fatalf("peak RSS %d MiB with a 64 MiB budget, want < 200 MiB", peak/mib)
	}
}

// TestMemoryBudgetDefaults is attack 1 against the defaults: under 1 GiB.
func TestMemoryBudgetDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("full suite only (make hostile)")
	}
	s := startServer(t)
	if peak := pipelineAttack(t, s, 8, 8*time.Second); peak > 1024*mib {
		t.Fatalf("peak RSS %d MiB with the default budget, want < 1 GiB", peak/mib)
	}
}

// TestReplyLargerThanLimit: a 9 MiB testInsanity request whose reply (the
// argument twice) passes the 16 MiB message limit gets an application
// exception, and the server logs it; the connection keeps serving.
func TestReplyLargerThanLimit(t *testing.T) {
	s := startServer(t)
	c, _ := s.client(t)
	arg := &thrifttest.Insanity{}
	for range 9 * mib / 40 {
		arg.Xtructs = append(arg.Xtructs, &thrifttest.Xtruct{StringThing: "0123456789012345678901234"})
	}
	_, err := c.TestInsanity(context.Background(), arg)
	var ae *runtime.ApplicationError
	if !errors.As(err, &ae) || ae.Type != runtime.ExceptionInternalError || !strings.Contains(ae.Message, "exceeds the message size limit") {
		t.Fatalf("oversized reply: %v, want INTERNAL_ERROR about the size limit", err)
	}
	if got, err := c.TestString(context.Background(), "after"); err != nil || got != "after" {
		t.Fatalf("after the refused reply: %q, %v", got, err)
	}
	waitLog(t, s, "reply not sent")
	if peak := s.peakRSS(); peak > 200*mib {
		t.Errorf("peak RSS %d MiB", peak/mib)
	}
}

// TestOnewayIdle is attack 2: testOneway(3600) then silence. IdleTimeout
// still closes the connection.
func TestOnewayIdle(t *testing.T) {
	const idle = 2 * time.Second
	s := startServer(t, "--idle-timeout="+idle.String())
	c := s.rawTLS(t)
	if _, err := c.Write(frame("testOneway", runtime.MessageOneway, 1, func(e *runtime.Encoder) {
		e.WriteFieldBegin(runtime.TypeI32, 1)
		e.WriteI32(3600)
		e.WriteFieldStop()
	})); err != nil {
		t.Fatal(err)
	}
	d, err := readsEOF(c, idle+10*time.Second)
	if err != nil {
		t.Fatalf("connection not closed: %v after %v", err, d)
	}
	if d < idle-100*time.Millisecond || d > idle+3*time.Second {
		t.Fatalf("closed after %v, want about IdleTimeout %v", d, idle)
	}
}

// TestSilentFlood is attack 3: an attacker on the client's own address
// keeps 300 silent connections open (re-opening each one the server cuts)
// against MaxConns 64; a legitimate TLS client still gets in at least 4
// times in 5.
func TestSilentFlood(t *testing.T) { flood(t, nil) }

// TestTrickleFlood is attack 3 with connections that send the first byte
// of a TLS record and stall: they get past TCP_DEFER_ACCEPT, so the
// server's pending pool must tell them from the client.
func TestTrickleFlood(t *testing.T) { flood(t, []byte{22}) }

func flood(t *testing.T, first []byte) {
	s := startServer(t, "--max-conns=64")
	window := pick(6*time.Second, 15*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	var wg sync.WaitGroup
	var opened atomic.Int64
	for range 300 {
		wg.Go(func() {
			var d net.Dialer
			for ctx.Err() == nil {
				c, err := d.DialContext(ctx, "tcp", s.addr)
				if err != nil {
					continue
				}
				opened.Add(1)
				if first != nil {
					c.Write(first)
				}
				stop := context.AfterFunc(ctx, func() { c.Close() })
				c.Read(make([]byte, 1)) // until the server cuts it
				stop()
				c.Close()
			}
		})
	}
	time.Sleep(window / 6) // let the flood build up
	ok := 0
	for try := range 5 {
		start := time.Now()
		err := func() error {
			cctx, ccancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer ccancel()
			conn, err := runtime.Dial(cctx, s.addr, runtime.WithTLS(clientTLS()), runtime.WithCallTimeout(3*time.Second))
			if err != nil {
				return err
			}
			defer conn.Close()
			_, err = thrifttest.NewThriftTestClient(conn).TestString(cctx, "in")
			return err
		}()
		if err == nil {
			ok++
		}
		t.Logf("try %d: %v in %v", try, err, time.Since(start).Round(time.Millisecond))
		time.Sleep(window / 8)
	}
	cancel()
	wg.Wait()
	t.Logf("the attacker opened %d connections; the client got in %d times of 5", opened.Load(), ok)
	if ok < 4 {
		t.Fatalf("the legitimate client got in %d times of 5, want at least 4", ok)
	}
}

// TestGracefulStop is attack 4: 32 clients loop over framed TLS and the
// server gets SIGTERM. No call is reset: each is served, or answered
// NOT_EXECUTED (and retried by the client, which then finds the port
// closed), and the process exits within 2 s of its last call.
//
// Pipelined, the 32 callers share one client whose 4 connections carry up
// to 8 calls each: the calls queued behind one the server refuses did not
// run either, and are retried as such.
func TestGracefulStop(t *testing.T) {
	t.Run("one call per connection", func(t *testing.T) {
		gracefulStop(t, func(s *server) *thrifttest.ThriftTestClient {
			c, _ := s.client(t, runtime.WithMaxConns(1))
			return c
		})
	})
	t.Run("pipelined", func(t *testing.T) {
		var shared *thrifttest.ThriftTestClient
		gracefulStop(t, func(s *server) *thrifttest.ThriftTestClient {
			if shared == nil {
				shared, _ = s.client(t, runtime.WithMaxConns(4), runtime.WithPipelining(8))
			}
			return shared
		})
	})
}

func gracefulStop(t *testing.T, client func(*server) *thrifttest.ThriftTestClient) {
	s := startServer(t)
	const clients = 32
	var (
		wg       sync.WaitGroup
		served   atomic.Int64
		lastCall atomic.Int64
		mu       sync.Mutex
		bad      []error
	)
	for range clients {
		c := client(s)
		wg.Go(func() {
			for i := 0; i < 1_000_000; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, err := c.TestString(ctx, "loop")
				cancel()
				if err == nil {
					served.Add(1)
					lastCall.Store(time.Now().UnixNano())
					continue
				}
				// Refused: the listener is closed. Not sent: a connection
				// still in the accept queue when it closed is reset.
				if !errors.Is(err, runtime.ErrNotExecuted) && !errors.Is(err, runtime.ErrNotSent) {
					mu.Lock()
					bad = append(bad, err)
					mu.Unlock()
				}
				return
			}
		})
	}
	time.Sleep(time.Second)
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit within 10 s of SIGTERM")
	}
	wg.Wait()
	for _, err := range bad {
		t.Errorf("call failed: %v", err)
	}
	last := time.Unix(0, lastCall.Load())
	t.Logf("%d calls served; exit %v after the last one", served.Load(), s.exitAt.Sub(last).Round(time.Millisecond))
	if d := s.exitAt.Sub(last); d > 2*time.Second {
		t.Errorf("the server exited %v after its last call, want within 2 s", d)
	}
}

// TestHandlerErrorText is attack 5: a handler's plain error is not sent
// to the client; the client gets an id that the server's log line shares.
func TestHandlerErrorText(t *testing.T) {
	s := startServer(t)
	c, _ := s.client(t)
	err := c.TestException(context.Background(), "TException")
	var ae *runtime.ApplicationError
	if !errors.As(err, &ae) || ae.Type != runtime.ExceptionInternalError {
		t.Fatalf("got %v, want INTERNAL_ERROR", err)
	}
	if strings.Contains(ae.Message, "This is a TException") {
		t.Fatalf("the handler's error text reached the client: %q", ae.Message)
	}
	_, id, ok := strings.Cut(ae.Message, "error id ")
	if !ok {
		t.Fatalf("no error id in %q", ae.Message)
	}
	waitLog(t, s, "error_id="+strings.TrimSuffix(id, ")"))
}

// waitLog waits for the server to log a line containing sub.
func waitLog(t *testing.T, s *server, sub string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(s.stderr.lines(sub)) > 0 {
			return
		}
	}
	t.Fatalf("the server never logged %q:\n%s", sub, s.stderr)
}

// TestAllocationBomb: a 33-byte message declaring a map of 100M elements
// is refused (PROTOCOL_ERROR) without the memory it declares.
func TestAllocationBomb(t *testing.T) {
	s := startServer(t)
	c := s.rawTLS(t)
	msg := frame("testMap", runtime.MessageCall, 1, func(e *runtime.Encoder) {
		e.WriteFieldBegin(runtime.TypeMap, 1)
		e.WriteMapBegin(runtime.TypeI32, runtime.TypeI32, 100_000_000)
	})
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := runtime.ReadFrame(c, nil, 0)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	d := runtime.NewDecoder(f, runtime.Limits{})
	if _, typ, _, err := d.ReadMessageBegin(); err != nil || typ != runtime.MessageException {
		t.Fatalf("answer type %v, %v", typ, err)
	}
	var ae runtime.ApplicationError
	if err := ae.Decode(d); err != nil || ae.Type != runtime.ExceptionProtocolError {
		t.Fatalf("answer %v, %v; want PROTOCOL_ERROR", &ae, err)
	}
	if peak := s.peakRSS(); peak > 100*mib {
		t.Fatalf("peak RSS %d MiB after a 33-byte bomb", peak/mib)
	}
	legit, _ := s.client(t)
	if _, err := legit.TestString(context.Background(), "ok"); err != nil {
		t.Fatal(err)
	}
}

// TestSlowloris: a request trickled a byte every 100 ms is cut at
// ReadTimeout, while others are served.
func TestSlowloris(t *testing.T) {
	const readTimeout = time.Second
	s := startServer(t, "--read-timeout="+readTimeout.String())
	c := s.rawTLS(t)
	msg := binaryRequest(1, 100)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for _, b := range msg {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	legit, _ := s.client(t)
	if _, err := legit.TestString(context.Background(), "ok"); err != nil {
		t.Fatal(err)
	}
	d, err := readsEOF(c, 10*time.Second)
	if err != nil || d < readTimeout-200*time.Millisecond || d > readTimeout+2*time.Second {
		t.Fatalf("trickling connection closed after %v (%v), want about ReadTimeout %v", d, err, readTimeout)
	}
}

// TestSilentConnection: a TCP connection that never sends a ClientHello
// is closed: the kernel holds it for HandshakeTimeout (TCP_DEFER_ACCEPT),
// then the server gives it HandshakeTimeout more.
func TestSilentConnection(t *testing.T) {
	s := startServer(t, "--handshake-timeout=1s")
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := readsEOF(c, 20*time.Second)
	if err != nil {
		t.Fatalf("silent connection still open after %v: %v", d, err)
	}
	t.Logf("silent connection closed after %v", d.Round(time.Millisecond))
}
