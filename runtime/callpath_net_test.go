package runtime

import (
	"bufio"
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// countDials returns a dialer option that counts the connections the
// client opens.
func countDials(n *atomic.Int32) ClientOption {
	return WithDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		n.Add(1)
		return dialNet(ctx, addr)
	})
}

// TestIdleConnClosedByServer: nothing reads a pooled connection between
// calls, so the client must look at it before reuse: one the server
// closed (here for IdleTimeout) is dropped and the call goes out on a
// new connection, without an error.
func TestIdleConnClosedByServer(t *testing.T) {
	for _, sec := range []security{secTLS, secPlain} {
		t.Run(sec.String(), func(t *testing.T) {
			ts := startServer(t, sec, Framed, func(s *Server) { s.IdleTimeout = 100 * time.Millisecond })
			var dials atomic.Int32
			c := ts.dial(t, WithMaxConns(1), countDials(&dials))
			add(t, c, 1, 2)
			// The server closes the idle connection.
			for end := time.Now().Add(5 * time.Second); ts.srv.Stats().Established > 0; {
				if time.Now().After(end) {
					t.Fatal("the server did not close the idle connection")
				}
				time.Sleep(10 * time.Millisecond)
			}
			add(t, c, 3, 4)
			if n := dials.Load(); n != 2 {
				t.Fatalf("%d connections dialled, want 2 (the closed one dropped before use)", n)
			}
		})
	}
}

// TestIdleConnKeepsTLSRecords: a TLS 1.3 server that asks for a client
// certificate sends its session tickets once it has checked it, after
// the client's handshake is done, so they arrive on the pooled connection
// Dial made, which nobody reads. Looking at the connection before reuse
// must let TLS take them, not take them for the server closing: the
// connection stays in use.
func TestIdleConnKeepsTLSRecords(t *testing.T) {
	ts := startServer(t, secMTLS, Framed, nil)
	var dials atomic.Int32
	c := ts.dial(t, WithMaxConns(1), countDials(&dials))
	for i := range 5 {
		time.Sleep(5 * probeAfter) // long enough for the look to happen
		add(t, c, int32(i), 1)
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d connections dialled, want 1", n)
	}
}

// TestIdleConnStrayBytes: bytes a server sends on an idle connection that
// no call asked for make it unusable (the next reply would be out of
// step): the client drops it and sends the next call on a new one.
func TestIdleConnStrayBytes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	strayed := make(chan struct{}, 1)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(conn)
				for {
					f, err := ReadFrame(br, nil, 1<<20)
					if err != nil {
						return
					}
					d := NewDecoder(f, Limits{})
					name, _, seq, err := d.ReadMessageBegin()
					var args pairArgs
					if err == nil {
						err = args.Decode(d)
					}
					if err != nil {
						return
					}
					sum := args.A + args.B
					e := NewEncoder(nil)
					e.BeginFrame()
					e.WriteMessageBegin(name, MessageReply, seq)
					(&i32Result{Success: &sum}).Encode(e)
					e.EndFrame()
					// The reply, then, once the client has read it, a
					// byte nobody asked for.
					if _, err := conn.Write(e.Bytes()); err != nil {
						return
					}
					time.Sleep(probeAfter)
					if _, err := conn.Write([]byte{0}); err != nil {
						return
					}
					strayed <- struct{}{}
				}
			}()
		}
	}()
	var dials atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().String(), WithPlaintext(), WithMaxConns(1), WithLogger(testLogger()), countDials(&dials))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		add(t, c, int32(i), 2)
		<-strayed // on the client's side of loopback once written
		time.Sleep(2 * probeAfter)
	}
	if n := dials.Load(); n != 3 {
		t.Fatalf("%d connections dialled, want 3 (each dropped for its stray byte)", n)
	}
}
