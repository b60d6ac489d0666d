package runtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	goruntime "runtime"
	"sync/atomic"
	"testing"
	"time"
)

// message encodes a message header followed by body (raw bytes).
func message(name string, typ MessageType, seq int32, body []byte) []byte {
	e := NewEncoder(nil)
	e.WriteMessageBegin(name, typ, seq)
	return append(e.Bytes(), body...)
}

// framed puts b behind a frame header.
func framed(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// be32 is an i32 in wire order.
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// cat joins byte slices.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// exchange sends b on a new plaintext connection and reads until the
// server closes it. It returns what came back, and fails the test if the
// connection is not closed within 5 seconds.
func exchange(t *testing.T, addr string, b []byte) []byte {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(conn)
	if isTimeout(err) {
		t.Fatal("the server did not close the connection")
	}
	return got
}

// parseException decodes one EXCEPTION message (in tr's framing) from b.
func parseException(t *testing.T, tr Transport, b []byte) *ApplicationError {
	t.Helper()
	if tr == Framed {
		if len(b) < 4 {
			t.Fatalf("reply %x is not a frame", b)
		}
		b = b[4:]
	}
	d := NewDecoder(b, Limits{})
	_, typ, _, err := d.ReadMessageBegin()
	if err != nil || typ != MessageException {
		t.Fatalf("reply %x: type %v, err %v; want an exception", b, typ, err)
	}
	ae := &ApplicationError{}
	if err := ae.Decode(d); err != nil {
		t.Fatal(err)
	}
	return ae
}

// TestHostileInput sends malformed and oversized messages and checks that
// each closes its connection (after a PROTOCOL_ERROR or
// INVALID_MESSAGE_TYPE reply where the header could be read), while a
// client on another connection is still served.
func TestHostileInput(t *testing.T) {
	// A declared string of 2^31-1 bytes where "add" expects an i32.
	hugeString := cat([]byte{byte(TypeString), 0, 1}, be32(0x7fffffff), []byte("abc"))
	// A list of 2^30 i32.
	hugeList := cat([]byte{byte(TypeList), 0, 1, byte(TypeI32)}, be32(1<<30), []byte{0, 0, 0, 1})
	// The request that drove an Apache Go server to ~1.9 GB: a map
	// declaring 104,857,600 entries.
	hugeMap := cat([]byte{byte(TypeMap), 0, 1, byte(TypeI32), byte(TypeI32)}, be32(104857600))
	deep := bytes.Repeat([]byte{byte(TypeStruct), 0, 1}, 200)
	garbage := make([]byte, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}

	cases := []struct {
		name  string
		tr    Transport
		lim   Limits
		input []byte
		reply ApplicationExceptionType // -1: the connection closes with no reply
	}{
		{"huge string", Framed, Limits{}, framed(message("add", MessageCall, 1, hugeString)), ExceptionProtocolError},
		{"huge string, buffered", Buffered, Limits{}, message("add", MessageCall, 1, hugeString), ExceptionProtocolError},
		{"huge list", Framed, Limits{}, framed(message("add", MessageCall, 1, hugeList)), ExceptionProtocolError},
		{"huge list, buffered", Buffered, Limits{}, message("add", MessageCall, 1, hugeList), ExceptionProtocolError},
		{"huge map", Framed, Limits{}, framed(message("add", MessageCall, 1, hugeMap)), ExceptionProtocolError},
		{"huge map, unknown method", Buffered, Limits{}, message("nosuch", MessageCall, 1, hugeMap), ExceptionProtocolError},
		{"too deep", Framed, Limits{}, framed(message("add", MessageCall, 1, deep)), ExceptionProtocolError},
		{"huge message name", Framed, Limits{}, framed(cat(be32(0x80010001), be32(0x7ffffff0), []byte("add"))), -1},
		{"huge message name, buffered", Buffered, Limits{}, cat(be32(0x80010001), be32(0x7ffffff0), []byte("add")), -1},
		{"frame over the limit", Framed, Limits{}, cat(be32(0x7fffffff), []byte("x")), -1},
		{"frame over a configured limit", Framed, Limits{MaxMessageSize: 1024}, framed(message("add", MessageCall, 1, bytes.Repeat([]byte{0}, 2000))), -1},
		{"negative frame size", Framed, Limits{}, be32(0xfffffff0), -1},
		{"empty frame", Framed, Limits{}, be32(0), -1},
		{"bad version", Buffered, Limits{}, cat(be32(0x80020001), []byte("garbage")), -1},
		{"garbage", Framed, Limits{}, garbage, -1},
		{"garbage, buffered", Buffered, Limits{}, garbage, -1},
		{"reply sent to the server", Framed, Limits{}, framed(message("add", MessageReply, 1, []byte{0})), ExceptionInvalidMessageType},
		{"exception sent to the server", Buffered, Limits{}, message("add", MessageException, 1, []byte{0}), ExceptionInvalidMessageType},
		{"truncated args", Framed, Limits{}, framed(message("add", MessageCall, 1, []byte{byte(TypeI32), 0, 1, 0})), ExceptionProtocolError},
	}
	servers := map[string]*testServer{}
	for _, tc := range cases {
		key := tc.tr.String() + itoa(tc.lim.MaxMessageSize)
		if servers[key] == nil {
			servers[key] = startServer(t, secPlain, tc.tr, func(s *Server) { s.Limits = tc.lim })
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := servers[tc.tr.String()+itoa(tc.lim.MaxMessageSize)]
			c := ts.dial(t)
			got := exchange(t, ts.addr, tc.input)
			if tc.reply < 0 {
				if len(got) != 0 {
					t.Fatalf("got a reply %x, want the connection closed without one", got)
				}
			} else {
				ae := parseException(t, tc.tr, got)
				if ae.Type != tc.reply {
					t.Fatalf("reply %v, want %v", ae, tc.reply)
				}
				t.Logf("reply: %v", ae)
			}
			add(t, c, 1, 2)
		})
	}
}

// TestHostileMemory checks that the huge-map request costs the server
// almost nothing: it is refused from its declared size.
func TestHostileMemory(t *testing.T) {
	ts := startServer(t, secPlain, Framed, nil)
	req := framed(message("add", MessageCall, 1, cat([]byte{byte(TypeMap), 0, 1, byte(TypeI32), byte(TypeI32)}, be32(104857600))))
	exchange(t, ts.addr, req) // warm up
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	for range 10 {
		exchange(t, ts.addr, req)
	}
	goruntime.ReadMemStats(&after)
	if perReq := (after.TotalAlloc - before.TotalAlloc) / 10; perReq > 256<<10 {
		t.Fatalf("each hostile request allocated %d bytes", perReq)
	}
}

// TestSlowloris starts a message and then sends one byte every 100ms:
// ReadTimeout must cut the connection though bytes keep coming, while
// another client is served; a connection that sends nothing is closed at
// IdleTimeout.
func TestSlowloris(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	for _, tr := range []Transport{Framed, Buffered} {
		t.Run(tr.String(), func(t *testing.T) {
			ts := startServer(t, secPlain, tr, func(s *Server) {
				s.ReadTimeout = readTimeout
				s.IdleTimeout = 500 * time.Millisecond
			})
			c := ts.dial(t)
			msg := message("add", MessageCall, 1, bytes.Repeat([]byte{byte(TypeI32), 0, 9, 0, 0, 0, 0}, 20))
			if tr == Framed {
				msg = framed(msg)
			}
			conn, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for _, b := range msg {
					if _, err := conn.Write([]byte{b}); err != nil {
						return
					}
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
				}
			}()
			add(t, c, 1, 2) // served meanwhile
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = conn.Read(make([]byte, 1))
			d := time.Since(start)
			if !errors.Is(err, io.EOF) && !isReset(err) {
				t.Fatalf("read: %v, want the server to close the trickling connection", err)
			}
			if d < readTimeout || d > readTimeout+2*time.Second {
				t.Fatalf("closed after %v, want about the read timeout %v", d, readTimeout)
			}
			add(t, c, 3, 4)

			// Idle: connect and say nothing.
			idle, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			start = time.Now()
			idle.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
				t.Fatalf("idle read: %v", err)
			}
			if d := time.Since(start); d < 400*time.Millisecond || d > 3*time.Second {
				t.Fatalf("idle connection closed after %v, want about 500ms", d)
			}
		})
	}
}

// fakeServer accepts plaintext framed connections and answers each
// request with reply(name, seq), closing the connection after it when the
// reply says so.
func fakeServer(t *testing.T, reply func(name string, seq int32) ([]byte, bool)) string {
	t.Helper()
	return serveLoopback(t, func(conn net.Conn) {
		defer conn.Close()
		w := newWire(Framed, Binary, conn, conn, Limits{})
		for {
			name, _, seq, err := w.readMessageBegin()
			if err != nil {
				return
			}
			out, last := reply(name, seq)
			if _, err := conn.Write(out); err != nil || last {
				return
			}
		}
	}).Addr().String()
}

// TestClientReplyChecks checks the client against servers that break the
// protocol: wrong sequence id, wrong method name, a close mid-call.
func TestClientReplyChecks(t *testing.T) {
	okBody := []byte{byte(TypeI32), 0, 0, 0, 0, 0, 7, 0}
	cases := []struct {
		name  string
		reply func(name string, seq int32) ([]byte, bool)
		check func(t *testing.T, err error)
	}{
		{"bad sequence id", func(name string, seq int32) ([]byte, bool) {
			return framed(message(name, MessageReply, seq+1, okBody)), false
		}, func(t *testing.T, err error) { appErr(t, err, ExceptionBadSequenceID) }},
		{"wrong method name", func(name string, seq int32) ([]byte, bool) {
			return framed(message("other", MessageReply, seq, okBody)), false
		}, func(t *testing.T, err error) { appErr(t, err, ExceptionWrongMethodName) }},
		{"close mid-call", func(string, int32) ([]byte, bool) { return nil, true }, func(t *testing.T, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
			}
		}},
		{"truncated reply, then close", func(name string, seq int32) ([]byte, bool) {
			b := framed(message(name, MessageReply, seq, okBody))
			return b[:len(b)-3], true
		}, func(t *testing.T, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
			}
		}},
		{"call sent to the client", func(name string, seq int32) ([]byte, bool) {
			return framed(message(name, MessageCall, seq, okBody)), false
		}, func(t *testing.T, err error) { appErr(t, err, ExceptionInvalidMessageType) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			addr := fakeServer(t, func(name string, seq int32) ([]byte, bool) {
				if calls.Add(1) == 1 { // the first call is answered properly
					return framed(message(name, MessageReply, seq, okBody)), false
				}
				return tc.reply(name, seq)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := Dial(ctx, addr, WithPlaintext(), WithMaxConns(1))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var res i32Result
			if err := c.Call(ctx, "add", &pairArgs{}, &res); err != nil || *res.Success != 7 {
				t.Fatalf("first call: %v, %v", err, res.Success)
			}
			var err2 error
			within(t, 3*time.Second, "the bad reply", func() { err2 = c.Call(ctx, "add", &pairArgs{}, &res) })
			tc.check(t, err2)
			// The broken connection was dropped: the next call gets a
			// new one, answered properly.
			calls.Store(0)
			if err := c.Call(ctx, "add", &pairArgs{}, &res); err != nil {
				t.Fatalf("call after the bad reply: %v", err)
			}
		})
	}
}

// TestClientDropsPushedConnection checks that a pooled connection on which
// the server sends something unasked is dropped, not reused.
func TestClientDropsPushedConnection(t *testing.T) {
	pushed := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		n := 0
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			n++
			first := n == 1
			go func() {
				defer conn.Close()
				w := newWire(Framed, Binary, conn, conn, Limits{})
				if first {
					// Push garbage at an idle connection.
					conn.Write(framed(message("push", MessageReply, 99, []byte{0})))
					close(pushed)
				}
				for {
					name, _, seq, err := w.readMessageBegin()
					if err != nil {
						return
					}
					w.dec.Skip(TypeStruct)
					conn.Write(framed(message(name, MessageReply, seq, []byte{byte(TypeI32), 0, 0, 0, 0, 0, 5, 0})))
				}
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().String(), WithPlaintext(), WithMaxConns(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-pushed
	time.Sleep(20 * time.Millisecond)
	var res i32Result
	if err := c.Call(ctx, "add", &pairArgs{}, &res); err != nil || *res.Success != 5 {
		t.Fatalf("call: %v %v", err, res.Success)
	}
}
