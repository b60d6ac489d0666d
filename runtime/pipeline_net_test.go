package runtime

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPipelinedCalls runs many callers over a few pipelined connections,
// in every transport and protocol pipelining carries, and checks every
// answer and that no more connections were opened than MaxConns.
func TestPipelinedCalls(t *testing.T) {
	for _, tc := range []struct {
		tr Transport
		p  Protocol
	}{{Framed, Binary}, {Buffered, Binary}, {Framed, Compact}, {Buffered, Compact}} {
		t.Run(tc.tr.String()+"/"+tc.p.String(), func(t *testing.T) {
			ts := startServer(t, secTLS, tc.tr, func(s *Server) { s.Protocol = tc.p })
			c := ts.dial(t, WithPipelining(8), WithMaxConns(2), WithProtocol(tc.p))
			var wg sync.WaitGroup
			for g := range 32 {
				wg.Go(func() {
					for i := range 50 {
						add(t, c, int32(g), int32(i))
					}
				})
			}
			wg.Wait()
			c.pipe.mu.Lock()
			n := len(c.pipe.conns)
			c.pipe.mu.Unlock()
			if n < 1 || n > 2 {
				t.Fatalf("%d pipelined connections, want 1 or 2", n)
			}
			// A oneway call is written and not waited for.
			if err := c.Oneway(context.Background(), "note", &strStruct{ID: 1, S: str("hi")}); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-ts.svc.notes:
				if got != "hi" {
					t.Fatalf("note %q", got)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the oneway call never arrived")
			}
		})
	}
}

// TestPipelinedCancel: a call whose context ends returns at once, the
// connection it shares stays open, and its late reply is dropped, not
// given to the calls after it.
func TestPipelinedCancel(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t, WithPipelining(4), WithMaxConns(1))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, "sleep", &pairArgs{A: 300}, &i32Result{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled call: %v, want DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 250*time.Millisecond {
		t.Fatalf("the cancelled call took %v", took)
	}
	// Queued behind the sleep on the one connection: answered after it,
	// with its own reply.
	for i := range 5 {
		add(t, c, int32(i), 10)
	}
	c.pipe.mu.Lock()
	n := len(c.pipe.conns)
	c.pipe.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d connections after the cancel, want the one", n)
	}
}

// TestPipelinedSilentServer: a server that reads requests and never
// answers is found by the calls' deadline; every call fails in bounded
// time and nothing stays stuck.
func TestPipelinedSilentServer(t *testing.T) {
	silent := serveLoopback(t, func(c net.Conn) {
		defer c.Close()
		io.Copy(io.Discard, c)
	})
	c, err := Dial(context.Background(), silent.Addr().String(), WithPlaintext(), WithLogger(testLogger()),
		WithPipelining(4), WithMaxConns(1), WithCallTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	start := time.Now()
	errs := make(chan error, 6)
	for range 6 { // more than one connection's depth: two wait for a slot
		wg.Go(func() { errs <- c.Call(context.Background(), "add", &pairArgs{A: 1}, &i32Result{}) })
	}
	wg.Wait()
	close(errs)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the calls took %v with a 200 ms call timeout", took)
	}
	for err := range errs {
		if err == nil {
			t.Fatal("a call to a silent server succeeded")
		}
	}
}

// TestPipelinedBadSequence: a reply with another call's sequence id ends
// the connection with BAD_SEQUENCE_ID instead of answering the wrong call.
func TestPipelinedBadSequence(t *testing.T) {
	liar := fakeServerFunc(t, func(name string, seq int32, e *Encoder) {
		e.WriteMessageBegin(name, MessageReply, seq+7)
		r := int32(1)
		(&i32Result{Success: &r}).Encode(e)
	})
	c, err := Dial(context.Background(), liar, WithPlaintext(), WithLogger(testLogger()), WithPipelining(4))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = c.Call(ctx, "add", &pairArgs{A: 1}, &i32Result{})
	appErr(t, err, ExceptionBadSequenceID)
}

// TestPipelinedClose: calls in flight when the client is closed finish;
// calls after fail as not sent.
func TestPipelinedClose(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t, WithPipelining(4))
	done := make(chan error, 1)
	go func() { done <- c.Call(context.Background(), "sleep", &pairArgs{A: 200}, &i32Result{}) }()
	<-ts.svc.sleepBegan
	c.Close()
	if err := <-done; err != nil {
		t.Fatalf("the call in flight at Close: %v", err)
	}
	err := c.Call(context.Background(), "add", &pairArgs{A: 1}, &i32Result{})
	if !errors.Is(err, ErrNotSent) || !errors.Is(err, ErrClientClosed) {
		t.Fatalf("call after Close: %v, want ErrNotSent wrapping ErrClientClosed", err)
	}
}

// TestPipelinedShutdown: a server shutting down refuses one queued call as
// not executed and closes; the calls queued behind it on the connection
// did not run either, and say so.
func TestPipelinedShutdown(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t, WithPipelining(8), WithMaxConns(1))
	first := make(chan error, 1)
	go func() { first <- c.Call(context.Background(), "sleep", &pairArgs{A: 300}, &i32Result{}) }()
	<-ts.svc.sleepBegan
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Go(func() { errs <- c.Call(context.Background(), "add", &pairArgs{A: 1, B: 2}, &i32Result{}) })
	}
	time.Sleep(50 * time.Millisecond) // queued behind the sleep
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()
	if err := <-first; err != nil {
		t.Fatalf("the call in flight at Shutdown: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrNotExecuted) && !errors.Is(err, ErrNotSent) {
			t.Errorf("a queued call: %v, want ErrNotExecuted or ErrNotSent", err)
		}
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}

// TestPipeliningOptions: what pipelining cannot carry is refused by Dial.
func TestPipeliningOptions(t *testing.T) {
	for name, opts := range map[string][]ClientOption{
		"header": {WithTransport(Header)},
		"zlib":   {WithZlib()},
		"deep":   {WithPipelining(MaxPipelineDepth + 1)},
	} {
		opts = append([]ClientOption{WithPlaintext(), WithPipelining(4)}, opts...)
		if _, err := Dial(context.Background(), "127.0.0.1:1", opts...); err == nil {
			t.Errorf("%s: Dial accepted it", name)
		}
	}
}

// TestPipelinedHostileReplies: what a server sends in place of replies
// (a frame over the size limit, a negative length, garbage, a reply
// before any call) fails the calls with an error, in bounded time, or
// ends the connection.
func TestPipelinedHostileReplies(t *testing.T) {
	for name, reply := range map[string][]byte{
		"oversized frame": {0x7f, 0xff, 0xff, 0xff, 1, 2, 3},
		"negative length": {0xff, 0xff, 0xff, 0xf0},
		"garbage":         {0, 0, 0, 8, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef},
	} {
		t.Run(name, func(t *testing.T) {
			hostile := serveLoopback(t, func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				var h [4]byte
				if _, err := io.ReadFull(c, h[:]); err != nil {
					return
				}
				c.Write(reply)
				io.Copy(io.Discard, c)
			})
			c, err := Dial(context.Background(), hostile.Addr().String(), WithPlaintext(), WithLogger(testLogger()),
				WithPipelining(4), WithCallTimeout(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var wg sync.WaitGroup
			start := time.Now()
			for range 4 {
				wg.Go(func() {
					if err := c.Call(context.Background(), "add", &pairArgs{A: 1}, &i32Result{}); err == nil {
						t.Error("a call answered by hostile bytes succeeded")
					}
				})
			}
			wg.Wait()
			if took := time.Since(start); took > time.Second {
				t.Errorf("the calls took %v to fail", took)
			}
		})
	}
	t.Run("reply before any call", func(t *testing.T) {
		early := serveLoopback(t, func(c net.Conn) {
			defer c.Close()
			var e Encoder
			e.BeginFrame()
			e.WriteMessageBegin("add", MessageReply, 1)
			(&i32Result{}).Encode(&e)
			e.EndFrame()
			c.Write(e.Bytes())
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			io.Copy(io.Discard, c)
		})
		c, err := Dial(context.Background(), early.Addr().String(), WithPlaintext(), WithLogger(testLogger()), WithPipelining(4), WithMaxConns(1))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// The unsolicited reply ends the connection Dial opened.
		waitFor(t, "the unsolicited reply to end the connection", func() bool {
			c.pipe.mu.Lock()
			defer c.pipe.mu.Unlock()
			return len(c.pipe.conns) == 0
		})
	})
}

// TestPipelinedLargeBatches: requests of many callers at once, beyond
// the size of write buffer a connection keeps, each come back intact to
// their own caller (a batch buffer not kept must not be reused while it
// is being written).
func TestPipelinedLargeBatches(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t, WithPipelining(64), WithMaxConns(1))
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			want := strings.Repeat(string(rune('a'+g%26)), 20<<10+g)
			for range 10 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				var got strStruct
				err := c.Call(ctx, "echo", &strStruct{ID: 1, S: &want}, &got)
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				if got.S == nil || *got.S != want {
					t.Errorf("caller %d got another caller's or a mangled reply", g)
					return
				}
			}
		})
	}
	wg.Wait()
}
