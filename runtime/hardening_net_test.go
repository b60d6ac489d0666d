package runtime

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHandlerErrorText checks that a handler's plain error stays on the
// server (the client gets an id that the log line shares) unless
// ExposeHandlerErrors is set.
func TestHandlerErrorText(t *testing.T) {
	var logBuf lockedBuffer
	ts := startServer(t, secPlain, Framed, func(s *Server) { s.Logger = newTextLogger(&logBuf) })
	c := ts.dial(t)
	err := c.Call(context.Background(), "fail", &strStruct{ID: 1, S: str("secret-path /etc/x")}, &emptyStruct{})
	ae := appErr(t, err, ExceptionInternalError)
	if strings.Contains(ae.Message, "secret") {
		t.Fatalf("client saw the handler's error text: %q", ae.Message)
	}
	_, id, ok := strings.Cut(ae.Message, "error id ")
	id = strings.TrimSuffix(id, ")")
	if !ok || len(id) != 12 {
		t.Fatalf("no error id in %q", ae.Message)
	}
	waitFor(t, "the log line with the error id", func() bool {
		l := logBuf.String()
		return strings.Contains(l, "error_id="+id) && strings.Contains(l, "secret-path")
	})

	exposed := startServer(t, secPlain, Framed, func(s *Server) { s.ExposeHandlerErrors = true })
	err = exposed.dial(t).Call(context.Background(), "fail", &strStruct{ID: 1, S: str("oops")}, &emptyStruct{})
	if ae := appErr(t, err, ExceptionInternalError); ae.Message != "plain failure: oops" {
		t.Fatalf("with ExposeHandlerErrors: %q", ae.Message)
	}
}

// TestReplyOverLimit checks that a reply larger than MaxMessageSize is
// never built in full nor sent: the call gets INTERNAL_ERROR, the server
// logs it, and the connection goes on.
func TestReplyOverLimit(t *testing.T) {
	for _, p := range []Protocol{Binary, Compact, JSON} {
		for _, tr := range []Transport{Framed, Buffered} {
			t.Run(p.String()+"/"+tr.String(), func(t *testing.T) { testReplyOverLimit(t, p, tr) })
		}
	}
}

func testReplyOverLimit(t *testing.T, p Protocol, tr Transport) {
	var logBuf lockedBuffer
	ts := startServer(t, secTLS, tr, func(s *Server) {
		s.Limits = Limits{MaxMessageSize: 4096}
		s.Logger = newTextLogger(&logBuf)
		s.Protocol = p
	})
	c := ts.dial(t, WithProtocol(p))
	var res strStruct
	if err := c.Call(context.Background(), "repeat", &pairArgs{A: 100}, &res); err != nil || len(*res.S) != 100 {
		t.Fatalf("small reply: %v", err)
	}
	err := c.Call(context.Background(), "repeat", &pairArgs{A: 1 << 20}, &strStruct{})
	if ae := appErr(t, err, ExceptionInternalError); !strings.Contains(ae.Message, "exceeds the message size limit") {
		t.Fatalf("message %q", ae.Message)
	}
	add(t, c, 1, 2)
	if !strings.Contains(logBuf.String(), "reply not sent") {
		t.Fatalf("not logged:\n%s", logBuf.String())
	}
}

// TestOnewayKeepsIdleTimeout checks that a oneway call whose handler runs
// long does not switch IdleTimeout off: a silent client is cut anyway.
func TestOnewayKeepsIdleTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	ts := startServer(t, secPlain, Framed, func(s *Server) { s.IdleTimeout = idle })
	ts.svc.release = make(chan struct{}) // "note" blocks until released
	defer close(ts.svc.release)
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var e Encoder
	e.BeginFrame()
	e.WriteMessageBegin("note", MessageOneway, 1)
	(&strStruct{ID: 1, S: str("hi")}).Encode(&e)
	e.EndFrame()
	start := time.Now()
	if _, err := conn.Write(e.Bytes()); err != nil {
		t.Fatal(err)
	}
	<-ts.svc.notes
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("read: %v, want the server to close", err)
	}
	if d := time.Since(start); d < idle || d > idle+2*time.Second {
		t.Fatalf("closed after %v, want about IdleTimeout %v", d, idle)
	}
}

// TestShutdownAnswersNotExecuted checks that a request arriving during
// Shutdown is answered with ExceptionNotExecuted rather than dropped or
// reset, that the client retries such a call on another connection (here
// to a second server), and that a quiet connection is closed gracefully.
func TestShutdownAnswersNotExecuted(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	c := ts.dial(t)
	add(t, c, 1, 2)

	// A raw client whose request arrives during Shutdown.
	raw, err := tls.Dial("tcp", ts.addr, getPKI(t).clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// One call first, so that the server has finished its side of the
	// handshake and waits on this connection as an idle one (a
	// connection still in its handshake is closed by Shutdown).
	sendAdd := func(seq int32) {
		var e Encoder
		e.BeginFrame()
		e.WriteMessageBegin("add", MessageCall, seq)
		(&pairArgs{A: 1, B: 2}).Encode(&e)
		e.EndFrame()
		if _, err := raw.Write(e.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	sendAdd(6)
	if _, err := ReadFrame(raw, nil, 0); err != nil {
		t.Fatalf("the raw client's first call: %v", err)
	}
	// A long call keeps Shutdown from finishing while the raw client
	// sends.
	sleeping := make(chan error, 1)
	go func() {
		sleeping <- c.Call(context.Background(), "sleep", &pairArgs{A: 400}, &i32Result{})
	}()
	awaitSleep(t, ts.svc)
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- ts.srv.Shutdown(ctx)
	}()
	waitFor(t, "Shutdown to start", func() bool { return ts.srv.shutting.Load() })
	sendAdd(7)
	raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := ReadFrame(raw, nil, 0)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	d := NewDecoder(f, Limits{})
	if name, typ, seq, err := d.ReadMessageBegin(); err != nil || name != "add" || typ != MessageException || seq != 7 {
		t.Fatalf("answer header %q %v %d %v", name, typ, seq, err)
	}
	var ae ApplicationError
	if err := ae.Decode(d); err != nil || ae.Type != ExceptionNotExecuted || !errors.Is(&ae, ErrNotExecuted) {
		t.Fatalf("answer %v %v", &ae, err)
	}
	if _, err := raw.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("after the answer: %v, want a clean close (close_notify)", err)
	}
	if err := <-sleeping; err != nil {
		t.Fatalf("the call in flight during Shutdown: %v", err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestClientRetriesNotExecuted checks the client side: a call answered
// ExceptionNotExecuted is sent again on another connection.
func TestClientRetriesNotExecuted(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	fs := fakeServerFunc(t, func(name string, seq int32, w *Encoder) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.WriteMessageBegin(name, MessageException, seq)
			notExecuted(name).Encode(w)
			return
		}
		w.WriteMessageBegin(name, MessageReply, seq)
		r := int32(3)
		(&i32Result{Success: &r}).Encode(w)
	})
	c, err := Dial(context.Background(), fs, WithPlaintext(), WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	add(t, c, 1, 2)
	if calls != 2 {
		t.Fatalf("%d calls reached the server, want 2", calls)
	}
}

// fakeServerFunc serves plaintext framed connections, one reply per
// request from answer, closing a connection after an EXCEPTION; it
// returns the address.
func fakeServerFunc(t *testing.T, answer func(name string, seq int32, w *Encoder)) string {
	return serveLoopback(t, func(conn net.Conn) {
		defer conn.Close()
		for {
			f, err := ReadFrame(conn, nil, 0)
			if err != nil {
				return
			}
			d := NewDecoder(f, Limits{})
			name, _, seq, err := d.ReadMessageBegin()
			if err != nil {
				return
			}
			var e Encoder
			e.BeginFrame()
			answer(name, seq, &e)
			e.EndFrame()
			conn.Write(e.Bytes())
			if bytes.IndexByte(e.Bytes()[4:8], byte(MessageException)) >= 0 {
				return
			}
		}
	}).Addr().String()
}

// plainListener hides a TCP listener's type, so that Serve cannot set
// TCP_DEFER_ACCEPT on it and the pending pool alone must hold.
type plainListener struct{ net.Listener }

// TestPendingPool opens more pending connections than MaxHandshakes and
// MaxConns together, from the client's own address, some silent and some
// trickling one byte of a ClientHello, and checks that a TLS client still
// connects and calls each time.
func TestPendingPool(t *testing.T) {
	for _, trickle := range []bool{false, true} {
		t.Run(map[bool]string{false: "silent", true: "one-byte"}[trickle], func(t *testing.T) {
			srv := &Server{Handler: newTestService().processor(), TLSConfig: getPKI(t).serverTLS, Logger: testLogger(),
				MaxConns: 8, MaxHandshakes: 8}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go srv.Serve(plainListener{ln})
			defer srv.Close()
			addr := ln.Addr().String()
			var attackers []net.Conn
			defer func() {
				for _, c := range attackers {
					c.Close()
				}
			}()
			for range 40 {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				if trickle {
					c.Write([]byte{22}) // a TLS handshake record's first byte
				}
				attackers = append(attackers, c)
			}
			waitFor(t, "the server to evict the surplus", func() bool { return srv.Stats().Evicted >= 32 })
			if st := srv.Stats(); st.Pending > 8 || st.Pending == 0 {
				t.Fatalf("stats %+v: want 1..8 pending", st)
			}
			ts := &testServer{addr: addr, sec: secTLS, tr: Framed}
			for i := range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				c, err := Dial(ctx, addr, ts.clientOpts(t)...)
				cancel()
				if err != nil {
					t.Fatalf("try %d: Dial: %v", i, err)
				}
				add(t, c, 1, 2)
				c.Close()
			}
		})
	}
}

func TestSourceKey(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7:9", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:9", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:10", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:9", "192.0.2.7"},
	} {
		a, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := sourceKey(a); got != tc.want {
			t.Errorf("sourceKey(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(100)
	if err := b.acquire(60, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := b.acquire(101, time.Time{}); !errors.Is(err, errBudget) {
		t.Fatalf("more than the whole budget: %v", err)
	}
	start := time.Now()
	if err := b.acquire(50, time.Now().Add(50*time.Millisecond)); !errors.Is(err, errBudget) || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("over budget: %v after %v", err, time.Since(start))
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(50, time.Time{}) }()
	time.Sleep(10 * time.Millisecond)
	b.release(60)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if n := b.inUse(); n != 50 {
		t.Fatalf("in use %d, want 50", n)
	}
}

func TestEncoderMaxSize(t *testing.T) {
	var e Encoder
	e.SetMaxSize(64)
	e.WriteString(strings.Repeat("a", 40))
	if e.Err() != nil {
		t.Fatal(e.Err())
	}
	e.WriteListBegin(TypeI64, 1000) // 8000 bytes at least: refused up front
	if !errors.Is(e.Err(), ErrSizeLimit) || e.Len() > 64 {
		t.Fatalf("list: err %v, len %d", e.Err(), e.Len())
	}
	e.Reset()
	for range 100 {
		e.WriteFieldBegin(TypeI32, 1)
		e.WriteI32(1)
		e.WriteFieldStop()
	}
	if !errors.Is(e.Err(), ErrSizeLimit) || e.Len() > 64 {
		t.Fatalf("structs: err %v, len %d", e.Err(), e.Len())
	}
	e.SetMaxSize(0)
	e.Reset()
	e.WriteBinary(make([]byte, 1<<16))
	if e.Err() != nil {
		t.Fatal("no limit:", e.Err())
	}
}
