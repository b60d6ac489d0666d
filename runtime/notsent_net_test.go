package runtime

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestErrNotSent checks which call failures say that the request was never
// written (ErrNotSent, safe to send again) and that a lost connection after
// the request was written does not.
func TestErrNotSent(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)

	// A port nothing listens on, and a listener that resets every
	// connection it accepts: a server closing its listener does that to
	// the connections still in its accept queue.
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := gone.Addr().String()
	gone.Close()
	resetLn := serveLoopback(t, func(c net.Conn) {
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})

	var target atomic.Value
	target.Store(ts.addr)
	dialer := func(ctx context.Context, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", target.Load().(string))
	}
	c := ts.dial(t, WithDialer(dialer))
	add(t, c, 1, 2)
	dropIdle := func() {
		c.mu.Lock()
		idle := c.idle
		c.idle = nil
		c.mu.Unlock()
		for _, cc := range idle {
			cc.abort()
		}
	}
	call := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.Call(ctx, "add", &pairArgs{A: 1, B: 2}, &i32Result{})
	}

	dropIdle()
	target.Store(refusedAddr)
	if err := call(); !errors.Is(err, ErrNotSent) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refused dial: %v, want ErrNotSent wrapping ECONNREFUSED", err)
	}

	target.Store(resetLn.Addr().String())
	if err := call(); !errors.Is(err, ErrNotSent) {
		t.Errorf("reset during the TLS handshake: %v, want ErrNotSent", err)
	}

	target.Store(ts.addr)
	add(t, c, 3, 4) // a good dial again
	c.Close()
	if err := call(); !errors.Is(err, ErrNotSent) || !errors.Is(err, ErrClientClosed) {
		t.Errorf("closed client: %v, want ErrNotSent wrapping ErrClientClosed", err)
	}

	// A plaintext peer that reads the request and hangs up: the call may
	// have run, so it is not ErrNotSent.
	swallow := serveLoopback(t, func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var b [4]byte
		io.ReadFull(c, b[:])
		c.Close()
	})
	pc, err := Dial(context.Background(), swallow.Addr().String(), WithPlaintext(), WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = pc.Call(ctx, "add", &pairArgs{A: 1, B: 2}, &i32Result{})
	if err == nil || errors.Is(err, ErrNotSent) {
		t.Errorf("connection lost after the request: %v, want an error that is not ErrNotSent", err)
	}
}
