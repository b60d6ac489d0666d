package runtime

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// TestHeaderInfoHeaders: info headers travel from client to handler and
// back, in binary and compact.
func TestHeaderInfoHeaders(t *testing.T) {
	for _, p := range []Protocol{Binary, Compact} {
		t.Run(p.String(), func(t *testing.T) {
			seen := make(chan map[string]string, 1)
			ts := startServer(t, secTLS, Header, func(s *Server) {
				s.Interceptors = []ServerInterceptor{func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
					seen <- RequestHeaders(ctx)
					SetResponseHeader(ctx, "server", "thriftsec")
					return next(ctx, args)
				}}
			})
			c := ts.dial(t, WithProtocol(p))
			var got map[string]string
			ctx := WithHeaders(context.Background(), map[string]string{"trace": "abc", "user": "u1"}, &got)
			var res i32Result
			if err := c.Call(ctx, "add", &pairArgs{A: 2, B: 3}, &res); err != nil || *res.Success != 5 {
				t.Fatalf("add: %v", err)
			}
			if h := <-seen; h["trace"] != "abc" || h["user"] != "u1" || len(h) != 2 {
				t.Fatalf("handler saw %v", h)
			}
			if got["server"] != "thriftsec" {
				t.Fatalf("client got %v", got)
			}
			add(t, c, 1, 1) // no headers this time
			if h := <-seen; len(h) != 0 {
				t.Fatalf("headers of the previous call leaked: %v", h)
			}
		})
	}
}

// headerRequest builds a raw header frame around a binary "add" call.
func headerRequest(t testing.TB, proto byte, zl bool, seq int32) []byte {
	var e Encoder
	e.WriteMessageBegin("add", MessageCall, seq)
	(&pairArgs{A: 20, B: 22}).Encode(&e)
	payload := append([]byte(nil), e.Bytes()...)
	if proto == headerProtoCompact {
		var err error
		if payload, err = transcodeFromBinary(Compact, nil, payload, true); err != nil {
			t.Fatal(err)
		}
	}
	hd := []byte{proto, 0}
	if zl {
		hd = []byte{proto, 1, headerTransformZlib}
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write(payload)
		zw.Close()
		payload = b.Bytes()
	}
	for len(hd)%4 != 0 {
		hd = append(hd, 0)
	}
	f := binary.BigEndian.AppendUint32(nil, uint32(10+len(hd)+len(payload)))
	f = binary.BigEndian.AppendUint16(f, headerMagic)
	f = binary.BigEndian.AppendUint16(f, 0)
	f = binary.BigEndian.AppendUint32(f, uint32(seq))
	f = binary.BigEndian.AppendUint16(f, uint16(len(hd)/4))
	return append(append(f, hd...), payload...)
}

// TestHeaderRawFrames: a zlib-compressed compact request is answered in
// kind; a plain framed binary client is served by a Header server; a zlib
// bomb and an unknown transform are refused.
func TestHeaderRawFrames(t *testing.T) {
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
	f := roundTrip(headerRequest(t, headerProtoCompact, true, 7))
	if len(f) < 14 || binary.BigEndian.Uint16(f) != headerMagic || binary.BigEndian.Uint32(f[4:]) != 7 {
		t.Fatalf("reply frame %x", f)
	}
	w := newWire(Header, Binary, bytes.NewReader(binary.BigEndian.AppendUint32(nil, uint32(len(f)))), nil, Limits{})
	w.br.Reset(bytes.NewReader(append(binary.BigEndian.AppendUint32(nil, uint32(len(f))), f...)))
	name, typ, seq, err := w.readMessageBegin()
	if err != nil || name != "add" || typ != MessageReply || seq != 7 || !w.hdr.zlib || w.hdr.proto != headerProtoCompact {
		t.Fatalf("reply %q %v %d %v zlib=%v proto=%d", name, typ, seq, err, w.hdr.zlib, w.hdr.proto)
	}
	var res i32Result
	if err := res.Decode(w.dec); err != nil || *res.Success != 42 {
		t.Fatalf("result %v", err)
	}

	// A plain framed binary client.
	var e Encoder
	e.BeginFrame()
	e.WriteMessageBegin("add", MessageCall, 3)
	(&pairArgs{A: 1, B: 2}).Encode(&e)
	e.EndFrame()
	if f := roundTrip(e.Bytes()); len(f) < 2 || f[0] != 0x80 {
		t.Fatalf("plain framed client got %x", f)
	}

	// 1 MiB of zeros compressed into a frame, against a 64 KiB limit.
	small := startServer(t, secPlain, Header, func(s *Server) { s.Limits = Limits{MaxMessageSize: 64 << 10} })
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	hd := []byte{0, 1, headerTransformZlib, 0}
	bomb := binary.BigEndian.AppendUint32(nil, uint32(10+len(hd)+b.Len()))
	bomb = binary.BigEndian.AppendUint16(bomb, headerMagic)
	bomb = append(bomb, 0, 0, 0, 0, 0, 1, 0, 1)
	bomb = append(append(bomb, hd...), b.Bytes()...)
	ts = small
	if f := roundTrip(bomb); f != nil {
		t.Fatalf("zlib bomb answered: %x", f)
	}
	unknown := headerRequest(t, headerProtoBinary, false, 1)
	unknown[15] = 1 // one transform...
	unknown[16] = 9 // ...of id 9
	if f := roundTrip(unknown); f != nil {
		t.Fatalf("unknown transform answered: %x", f)
	}
}

// FuzzHeaderFrame: no header frame makes the reader panic, and what it
// accepts decodes as a message or fails cleanly.
func FuzzHeaderFrame(f *testing.F) {
	f.Add(headerRequest(f, headerProtoBinary, false, 1)[4:])
	f.Add(headerRequest(f, headerProtoCompact, true, 2)[4:])
	f.Add(headerRequest(f, headerProtoBinary, false, 3)) // inside a frame: FramedHeader
	f.Fuzz(func(t *testing.T, frame []byte) {
		in := append(binary.BigEndian.AppendUint32(nil, uint32(len(frame))), frame...)
		w := newWire(Header, Binary, bytes.NewReader(in), nil, Limits{MaxMessageSize: 1 << 16})
		if _, _, _, err := w.readMessageBegin(); err == nil {
			_ = w.dec.Skip(TypeStruct)
		}
	})
}
