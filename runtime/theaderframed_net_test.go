package runtime

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// TestFramedHeader: a FramedHeader client (a header frame inside a plain
// frame, as Apache's Python and Go write --protocol=header
// --transport=framed) is served by a Header server, in binary and compact,
// with info headers both ways; a raw wrapped request is answered wrapped
// and a bare one bare; a wrapped frame whose inner length does not match
// its outer frame is refused, not answered.
func TestFramedHeader(t *testing.T) {
	for _, st := range []Transport{Header, FramedHeader} {
		for _, p := range []Protocol{Binary, Compact} {
			t.Run(st.String()+"/"+p.String(), func(t *testing.T) {
				ts := startServer(t, secTLS, st, func(s *Server) {
					s.Interceptors = []ServerInterceptor{func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
						SetResponseHeader(ctx, "echo", RequestHeaders(ctx)["trace"])
						return next(ctx, args)
					}}
				})
				c := ts.dial(t, WithTransport(FramedHeader), WithProtocol(p))
				var got map[string]string
				ctx := WithHeaders(context.Background(), map[string]string{"trace": "t1"}, &got)
				var res i32Result
				if err := c.Call(ctx, "add", &pairArgs{A: 2, B: 3}, &res); err != nil || *res.Success != 5 {
					t.Fatalf("add: %v", err)
				}
				if got["echo"] != "t1" {
					t.Fatalf("reply headers %v", got)
				}
				add(t, c, 1, 1)
			})
		}
	}

	ts := startServer(t, secPlain, Header, nil)
	roundTrip := func(req []byte) []byte {
		t.Helper()
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(req)
		f, err := ReadFrame(c, nil, 0)
		if err != nil {
			return nil
		}
		return f
	}
	bare := headerRequest(t, headerProtoBinary, false, 9)
	wrapped := append(binary.BigEndian.AppendUint32(nil, uint32(len(bare))), bare...)
	f := roundTrip(wrapped)
	if len(f) < 6 || int(binary.BigEndian.Uint32(f)) != len(f)-4 || binary.BigEndian.Uint16(f[4:]) != headerMagic {
		t.Fatalf("wrapped request got %x, want a header frame inside a frame", f)
	}
	if f := roundTrip(bare); len(f) < 2 || binary.BigEndian.Uint16(f) != headerMagic {
		t.Fatalf("bare request got %x, want a bare header frame", f)
	}
	bad := append([]byte(nil), wrapped...)
	binary.BigEndian.PutUint32(bad[4:], uint32(len(bare)-4-1)) // inner length one short
	if f := roundTrip(bad); f != nil {
		t.Fatalf("mismatched inner frame answered: %x", f)
	}
}

// TestFramedHeaderLimits: the outer frame counts against MaxMessageSize on
// the writing side too, and FramedHeader is refused over HTTP and with
// JSON.
func TestFramedHeaderLimits(t *testing.T) {
	w := newWire(FramedHeader, Binary, nil, nil, Limits{MaxMessageSize: 64})
	msg := make([]byte, 64-10-4) // a bare header frame of exactly 64 bytes; 68 with the outer frame
	if _, err := w.headerFrame(msg, false); err == nil {
		t.Fatal("a wrapped frame over the limit was written")
	}
	w = newWire(Header, Binary, nil, nil, Limits{MaxMessageSize: 64})
	if _, err := w.headerFrame(msg, false); err != nil {
		t.Fatalf("the same frame bare: %v", err)
	}
	if _, err := NewHTTPClient("http://127.0.0.1:1/", WithPlaintext(), WithTransport(FramedHeader)); err == nil {
		t.Fatal("FramedHeader accepted over HTTP")
	}
	if _, err := Dial(context.Background(), "127.0.0.1:1", WithPlaintext(), WithTransport(FramedHeader), WithProtocol(JSON)); err == nil {
		t.Fatal("FramedHeader accepted with JSON")
	}
}
