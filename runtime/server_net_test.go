package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestEndToEnd runs every kind of call over TLS, mutual TLS and plaintext,
// framed and buffered. The client has a single connection, so it also
// proves that a connection stays usable after an application error, a
// handler panic and an unknown method.
func TestEndToEnd(t *testing.T) {
	for _, sec := range []security{secTLS, secMTLS, secPlain} {
		for _, tr := range []Transport{Framed, Buffered, Header} {
			t.Run(sec.String()+"/"+tr.String(), func(t *testing.T) {
				ts := startServer(t, sec, tr, nil)
				c := ts.dial(t, WithMaxConns(1))
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()

				add(t, c, 2, 3)

				if err := c.Call(ctx, "void", &emptyStruct{}, &emptyStruct{}); err != nil {
					t.Fatalf("void: %v", err)
				}

				// The handler blocks until released, so Oneway returning
				// proves the client does not wait for the server.
				ts.svc.release = make(chan struct{})
				within(t, 2*time.Second, "Oneway", func() {
					if err := c.Oneway(ctx, "note", &strStruct{ID: 1, S: str("hello")}); err != nil {
						t.Errorf("Oneway: %v", err)
					}
				})
				select {
				case n := <-ts.svc.notes:
					if n != "hello" {
						t.Fatalf("oneway note %q", n)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the server never ran the oneway call")
				}
				close(ts.svc.release)

				err := c.Call(ctx, "fail", &strStruct{ID: 1, S: str("app")}, &emptyStruct{})
				if ae := appErr(t, err, ExceptionUnknown); ae.Message != "refused on purpose" {
					t.Fatalf("message %q", ae.Message)
				}
				err = c.Call(ctx, "fail", &strStruct{ID: 1, S: str("oops")}, &emptyStruct{})
				// A plain error's text stays on the server by default.
				if ae := appErr(t, err, ExceptionInternalError); strings.Contains(ae.Message, "oops") || !strings.Contains(ae.Message, "internal error (error id ") {
					t.Fatalf("message %q", ae.Message)
				}
				err = c.Call(ctx, "fail", &strStruct{ID: 1, S: str("panic")}, &emptyStruct{})
				appErr(t, err, ExceptionInternalError)
				add(t, c, 4, 5) // same connection, after the panic

				err = c.Call(ctx, "nosuch", &pairArgs{A: 1, B: 2}, &emptyStruct{})
				appErr(t, err, ExceptionUnknownMethod)
				add(t, c, 6, 7)

				var who strStruct
				if err := c.Call(ctx, "whoami", &emptyStruct{}, &who); err != nil {
					t.Fatal(err)
				}
				want := map[security]string{secTLS: "tls:", secMTLS: "tls:" + testSPIFFE, secPlain: "plaintext"}[sec]
				if who.S == nil || *who.S != want {
					t.Fatalf("whoami = %v, want %q", who.S, want)
				}

				// Another connection is served too after the panic.
				c2 := ts.dial(t)
				add(t, c2, 1, 1)
			})
		}
	}
}

// TestConcurrentCalls shares one client among 50 goroutines making 20 calls
// each (the race detector checks the pool).
func TestConcurrentCalls(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for g := range 50 {
		wg.Go(func() {
			for i := range 20 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				var res i32Result
				err := c.Call(ctx, "add", &pairArgs{A: int32(g), B: int32(i)}, &res)
				cancel()
				if err == nil && (res.Success == nil || *res.Success != int32(g+i)) {
					err = fmt.Errorf("add(%d, %d) = %v", g, i, res.Success)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestServerRestart closes the server under a live client whose pool holds
// several connections, starts a new one on the same address, and checks
// that calls succeed again: the client noticed the dead connections and
// did not reuse them. A call in flight when the server closes fails with
// io.ErrUnexpectedEOF instead of hanging.
func TestServerRestart(t *testing.T) {
	for _, tr := range []Transport{Framed, Buffered} {
		t.Run(tr.String(), func(t *testing.T) {
			ts := startServer(t, secTLS, tr, nil)
			c := ts.dial(t)
			// Fill the pool with a few connections.
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() { add(t, c, 1, 2) })
			}
			wg.Wait()

			inflight := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				inflight <- c.Call(ctx, "sleep", &pairArgs{A: 5000}, &i32Result{})
			}()
			awaitSleep(t, ts.svc)

			ts.srv.Close()
			select {
			case err := <-inflight:
				// Close is abrupt: the end of stream or a reset.
				if !errors.Is(err, io.ErrUnexpectedEOF) && !isReset(err) {
					t.Fatalf("in-flight call during Close: %v, want io.ErrUnexpectedEOF or a reset", err)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("the in-flight call hung after the server closed")
			}
			if err := <-ts.served; !errors.Is(err, ErrServerClosed) {
				t.Fatalf("Serve returned %v", err)
			}
			ts.served <- nil // for the cleanup

			// A restart takes a moment; the client's readers see the
			// closed connections meanwhile.
			time.Sleep(50 * time.Millisecond)
			ln, err := net.Listen("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			srv2 := &Server{Handler: ts.svc.processor(), TLSConfig: getPKI(t).serverTLS, Transport: tr, Logger: testLogger()}
			go srv2.Serve(ln)
			defer srv2.Close()
			for i := range 10 {
				add(t, c, int32(i), 1)
			}
		})
	}
}

// inflightCount counts the server's connections with a handler running.
func inflightCount(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		c.mu.Lock()
		if c.inflight {
			n++
		}
		c.mu.Unlock()
	}
	return n
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestShutdown starts calls on several connections, shuts down while they
// run, and checks that each gets its reply, that idle connections are
// closed, that Serve returns ErrServerClosed, that Shutdown waits for the
// calls, and that new connections are refused.
func TestShutdown(t *testing.T) {
	ts := startServer(t, secPlain, Framed, nil)
	c := ts.dial(t)
	idle := ts.dial(t) // holds one idle connection

	const calls = 5
	results := make(chan error, calls)
	for range calls {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var res i32Result
			err := c.Call(ctx, "sleep", &pairArgs{A: 300}, &res)
			if err == nil && (res.Success == nil || *res.Success != 300) {
				err = fmt.Errorf("sleep returned %v", res.Success)
			}
			results <- err
		}()
	}
	waitFor(t, "all calls to start", func() bool { return inflightCount(ts.srv) == calls })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("Shutdown returned after %v, before the calls could finish", d)
	}
	for range calls {
		if err := <-results; err != nil {
			t.Errorf("in-flight call: %v", err)
		}
	}
	select {
	case err := <-ts.served:
		if !errors.Is(err, ErrServerClosed) {
			t.Fatalf("Serve returned %v", err)
		}
		ts.served <- err
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not return")
	}
	if conn, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		conn.Close()
		t.Fatal("the listener still accepts after Shutdown")
	}
	// The idle client's connection was closed; its next call fails
	// cleanly (it cannot dial either).
	cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer ccancel()
	if err := idle.Call(cctx, "add", &pairArgs{}, &i32Result{}); err == nil {
		t.Fatal("a call after Shutdown succeeded")
	}
	if err := ts.srv.Serve(newDeadListener()); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
}

// TestShutdownContext checks that Shutdown gives up when its context ends
// while a call is still running.
func TestShutdownContext(t *testing.T) {
	ts := startServer(t, secPlain, Buffered, nil)
	c := ts.dial(t)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Call(ctx, "sleep", &pairArgs{A: 3000}, &i32Result{})
	}()
	waitFor(t, "the call to start", func() bool { return inflightCount(ts.srv) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
}

// deadListener is a listener whose Accept fails at once.
type deadListener struct{ net.Listener }

func newDeadListener() *deadListener { return &deadListener{} }

func (*deadListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
func (*deadListener) Close() error              { return nil }
func (*deadListener) Addr() net.Addr            { return dialAddr("dead:0") }

// TestServeConfigErrors checks that Serve refuses a server that would be
// plaintext by accident, or has no handler.
func TestServeConfigErrors(t *testing.T) {
	for name, s := range map[string]*Server{
		"no TLS, no Plaintext": {Handler: NewProcessor("x")},
		"both":                 {Handler: NewProcessor("x"), Plaintext: true, TLSConfig: getPKI(t).serverTLS},
		"no handler":           {Plaintext: true},
		"no certificate":       {Handler: NewProcessor("x"), TLSConfig: SecureServerTLS(nil)},
	} {
		if err := s.Serve(newDeadListener()); err == nil || errors.Is(err, ErrServerClosed) || errors.Is(err, net.ErrClosed) {
			t.Errorf("%s: Serve = %v, want a configuration error", name, err)
		}
	}
	if _, err := Dial(context.Background(), "127.0.0.1:1", WithPlaintext(), WithTLS(getPKI(t).clientTLS)); err == nil {
		t.Error("Dial with both WithPlaintext and WithTLS succeeded")
	}
}

// TestCallContext checks that a call whose deadline passes while the
// handler runs returns context.DeadlineExceeded promptly, that the
// handler's context is cancelled (the client closed that connection), and
// that the client keeps working.
func TestCallContext(t *testing.T) {
	for _, tr := range []Transport{Framed, Buffered} {
		t.Run(tr.String(), func(t *testing.T) {
			ts := startServer(t, secTLS, tr, nil)
			c := ts.dial(t, WithMaxConns(1))
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			var err error
			d := within(t, 2*time.Second, "the timed-out call", func() {
				err = c.Call(ctx, "sleep", &pairArgs{A: 5000}, &i32Result{})
			})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			if d > time.Second {
				t.Fatalf("the call returned after %v", d)
			}
			select {
			case err := <-ts.svc.sleepEnded:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("handler ended with %v, want its context cancelled", err)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("the handler's context was not cancelled after the client gave up")
			}
			add(t, c, 1, 2)

			// An already cancelled context fails before sending.
			cctx, ccancel := context.WithCancel(context.Background())
			ccancel()
			if err := c.Call(cctx, "add", &pairArgs{}, &i32Result{}); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			add(t, c, 3, 4)
		})
	}
}

// TestDefaultCallTimeout: a call whose context has no deadline is still
// bounded, by WithCallTimeout, against a server that never answers.
func TestDefaultCallTimeout(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t, WithMaxConns(1), WithCallTimeout(150*time.Millisecond))
	var err error
	d := within(t, 2*time.Second, "the call without a deadline", func() {
		err = c.Call(context.Background(), "sleep", &pairArgs{A: 5000}, &i32Result{})
	})
	if !errors.Is(err, context.DeadlineExceeded) || d > time.Second {
		t.Fatalf("err = %v after %v, want context.DeadlineExceeded after about 150ms", err, d)
	}
	add(t, c, 1, 2)
}

// TestInterceptors checks chain order on both sides, the info the server
// interceptors get, and the logging interceptors.
func TestInterceptors(t *testing.T) {
	var mu sync.Mutex
	var trace []string
	record := func(s string) { mu.Lock(); trace = append(trace, s); mu.Unlock() }
	var seen atomic.Pointer[CallInfo]
	srvIC := func(name string) ServerInterceptor {
		return func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
			record("server " + name + " in")
			seen.Store(info)
			r, err := next(ctx, args)
			record("server " + name + " out")
			return r, err
		}
	}
	cliIC := func(name string) ClientInterceptor {
		return func(ctx context.Context, info *CallInfo, args, result Struct, next ClientInvoker) error {
			record("client " + name + " in")
			err := next(ctx, info, args, result)
			record("client " + name + " out")
			return err
		}
	}
	var srvLog, cliLog lockedBuffer
	ts := startServer(t, secMTLS, Framed, func(s *Server) {
		s.Interceptors = []ServerInterceptor{srvIC("a"), ChainServer(srvIC("b"), srvIC("c")), LoggingServerInterceptor(newTextLogger(&srvLog))}
	})
	c := ts.dial(t, WithInterceptors(cliIC("a"), ChainClient(cliIC("b"))), WithInterceptors(LoggingClientInterceptor(newTextLogger(&cliLog))))
	add(t, c, 1, 2)
	want := []string{"client a in", "client b in", "server a in", "server b in", "server c in", "server c out", "server b out", "server a out", "client b out", "client a out"}
	mu.Lock()
	got := strings.Join(trace, ", ")
	mu.Unlock()
	if got != strings.Join(want, ", ") {
		t.Fatalf("order:\n got %s\nwant %s", got, strings.Join(want, ", "))
	}
	info := seen.Load()
	if info.Service != "Test" || info.Method != "add" || info.Oneway || info.Peer == nil || info.Peer.SPIFFEID != testSPIFFE {
		t.Fatalf("server info %+v", info)
	}
	for name, log := range map[string]string{"server": srvLog.String(), "client": cliLog.String()} {
		if !strings.Contains(log, "method=add") || !strings.Contains(log, "duration=") || !strings.Contains(log, "peer=127.0.0.1:") {
			t.Errorf("%s log: %q", name, log)
		}
	}
	if !strings.Contains(srvLog.String(), "spiffe_id="+testSPIFFE) {
		t.Errorf("server log lacks the SPIFFE ID: %q", srvLog.String())
	}
}
