package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// firstBytes encodes a call to "add" the way a client of transport t,
// protocol p (and zlib) sends it.
func firstBytes(t *testing.T, tr Transport, p Protocol, zl bool) []byte {
	t.Helper()
	var out bytes.Buffer
	var r io.Reader = bytes.NewReader(nil)
	var w io.Writer = &out
	wt := tr
	if zl {
		wt, r, w = zlibLayer(tr, r, w, Limits{})
	}
	wr := newWire(wt, p, r, w, Limits{})
	if err := wr.encodeMessage("add", MessageCall, 1, &pairArgs{A: 1, B: 2}); err != nil {
		t.Fatal(err)
	}
	if err := wr.flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestDetectProtocol(t *testing.T) {
	good := []struct {
		tr Transport
		p  Protocol
		zl bool
	}{
		{Buffered, Binary, false}, {Buffered, Compact, false}, {Buffered, JSON, false},
		{Framed, Binary, false}, {Framed, Compact, false}, {Framed, JSON, false},
		{Header, Binary, false}, {Header, Compact, false},
		{Buffered, Binary, true}, {Buffered, Compact, true}, {Buffered, JSON, true},
		{Header, Binary, true},
		{Framed, Binary, true}, {Framed, JSON, true},
	}
	for _, g := range good {
		b := firstBytes(t, g.tr, g.p, g.zl)
		d, r, _, err := detectProtocol(bytes.NewReader(b), io.Discard, Limits{})
		if err != nil {
			t.Errorf("%v/%v zlib=%v: %v", g.tr, g.p, g.zl, err)
			continue
		}
		wantT := g.tr
		if g.zl && g.tr == Framed {
			wantT = Buffered // unframed inside the zlib frames
		}
		wantP := g.p
		if g.tr == Header {
			wantP = Binary // the header frame names its own
		}
		if d.transport != wantT || d.protocol != wantP || d.zlib != g.zl {
			t.Errorf("%v/%v zlib=%v: detected %v", g.tr, g.p, g.zl, d)
			continue
		}
		// The wire then reads the whole message from what detection
		// hands back.
		w := newWire(d.transport, d.protocol, r, io.Discard, Limits{})
		name, typ, seq, err := w.readMessageBegin()
		var args pairArgs
		if err == nil {
			err = args.Decode(w.dec)
		}
		if err != nil || name != "add" || typ != MessageCall || seq != 1 || args.A != 1 || args.B != 2 {
			t.Errorf("%v/%v zlib=%v: read %q %v %d %+v, %v", g.tr, g.p, g.zl, name, typ, seq, args, err)
		}
	}

	bad := []struct {
		name string
		b    []byte
	}{
		{"non-strict binary (name length first)", []byte{0, 0, 0, 3, 'a', 'd', 'd', 1}},
		{"binary, wrong version", []byte{0x80, 0x02, 0, 1}},
		{"compact, wrong version", []byte{0x82, 0x22, 1, 3}},
		{"JSON, wrong version", []byte("[2,\"add\"")},
		{"frame over the limit", []byte{0x01, 0x00, 0x00, 0x01, 0x80, 0x01}},
		{"negative frame", []byte{0xff, 0xff, 0xff, 0xf0, 0x80, 0x01}},
		{"empty frame", []byte{0, 0, 0, 0, 0x80, 0x01}},
		{"frame of unknown bytes", []byte{0, 0, 0, 10, 'G', 'E', 'T', ' ', '/', ' '}},
		{"HTTP", []byte("POST / HTTP/1.1\r\n")},
		{"TLS to a plaintext port", []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}},
		{"zlib header with a bad check", []byte{0x78, 0x9d, 0, 0}},
		{"zlib of garbage", append([]byte{0x78, 0x9c}, 0x4b, 0x4c, 0x4a, 0x06, 0, 0, 0, 0xff, 0xff)},
		{"zlib in zlib", firstZlibOfZlib(t)},
		{"cut short", []byte{0, 0, 0}},
		{"nothing", nil},
	}
	for _, c := range bad {
		d, _, _, err := detectProtocol(bytes.NewReader(c.b), io.Discard, Limits{MaxMessageSize: 1 << 20})
		if err == nil {
			t.Errorf("%s: detected %v, want refused", c.name, d)
		}
	}
}

// firstZlibOfZlib is a zlib stream whose inflated bytes start another zlib
// stream: detection does not nest.
func firstZlibOfZlib(t *testing.T) []byte {
	var out bytes.Buffer
	_, _, w := zlibLayer(Buffered, nil, &out, Limits{})
	w.Write(append([]byte{0x78, 0x9c}, firstBytes(t, Buffered, Binary, false)...))
	return out.Bytes()
}

// TestDetectProtocolServer: one DetectProtocol server serves clients of
// every protocol and transport it can tell, plaintext and TLS, and closes
// a connection whose first bytes name none, unanswered.
func TestDetectProtocolServer(t *testing.T) {
	for _, sec := range []security{secPlain, secTLS} {
		ts := startServer(t, sec, Framed, func(s *Server) { s.DetectProtocol = true })
		for _, c := range []struct {
			tr Transport
			p  Protocol
			zl bool
		}{
			{Buffered, Binary, false}, {Framed, Binary, false}, {Buffered, Compact, false}, {Framed, Compact, false},
			{Buffered, JSON, false}, {Framed, JSON, false}, {Header, Binary, false}, {Header, Compact, false},
			{Buffered, Compact, true}, {Framed, Binary, true}, {Header, Binary, true},
		} {
			opts := []ClientOption{WithTransport(c.tr), WithProtocol(c.p)}
			if c.zl {
				opts = append(opts, WithZlib())
			}
			cl := ts.dial(t, opts...)
			add(t, cl, 20, 22)
			add(t, cl, 1, 1)
			cl.Close()
		}
		if sec == secPlain {
			for _, b := range [][]byte{[]byte("GET / HTTP/1.0\r\n\r\n"), {0, 0, 0, 5, 1, 2, 3, 4, 5}} {
				conn, err := net.Dial("tcp", ts.addr)
				if err != nil {
					t.Fatal(err)
				}
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				conn.Write(b)
				got, err := io.ReadAll(conn)
				conn.Close()
				if len(got) != 0 || (err != nil && !errors.Is(err, io.EOF) && !isReset(err)) {
					t.Fatalf("first bytes %q: answered %q, %v; want closed unanswered", b, got, err)
				}
			}
		}
	}
}

// TestDetectProtocolOff: without DetectProtocol, a compact client of a
// binary server is not served.
func TestDetectProtocolOff(t *testing.T) {
	ts := startServer(t, secPlain, Framed, nil)
	cl := ts.dial(t, WithProtocol(Compact))
	var res i32Result
	if err := cl.Call(context.Background(), "add", &pairArgs{A: 1, B: 2}, &res); err == nil {
		t.Fatal("a compact call was served by a binary server without DetectProtocol")
	}
}
