package runtime

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"
)

// TestBodyErrorReplies: a compact, JSON or THeader-wrapped compact request
// whose header reads and whose body does not is answered PROTOCOL_ERROR,
// in the request's protocol and with its sequence id, as a binary request
// with undecodable arguments is; then the connection is closed.
func TestBodyErrorReplies(t *testing.T) {
	// compact: call "add", seq 7, then a field of type 15 (none).
	compactBad := []byte{0x82, 0x21, 7, 3, 'a', 'd', 'd', 0x1f, 0}
	framed := func(b []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...) }
	header := func(payload []byte) []byte {
		hd := []byte{headerProtoCompact, 0, 0, 0}
		f := binary.BigEndian.AppendUint32(nil, uint32(10+len(hd)+len(payload)))
		f = binary.BigEndian.AppendUint16(f, headerMagic)
		f = binary.BigEndian.AppendUint16(f, 0)
		f = binary.BigEndian.AppendUint32(f, 7)
		f = binary.BigEndian.AppendUint16(f, 1)
		return append(append(f, hd...), payload...)
	}
	var binBad Encoder
	binBad.WriteMessageBegin("add", MessageCall, 7)
	binBad.WriteFieldBegin(Type(15), 1)
	cases := []struct {
		name string
		tr   Transport
		p    Protocol
		req  []byte
	}{
		{"binary framed (as before)", Framed, Binary, framed(binBad.Bytes())},
		{"compact framed", Framed, Compact, framed(compactBad)},
		{"compact buffered", Buffered, Compact, compactBad},
		{"JSON framed", Framed, JSON, framed([]byte(`[1,"add",1,7,{"1":{"xyz":1}}]`))},
		{"JSON buffered, bad value", Buffered, JSON, []byte(`[1,"add",1,7,{"1":{"i32":"x"}}]`)},
		{"THeader compact", Header, Compact, header(compactBad)},
		{"THeader plain compact fallback", Header, Compact, framed(compactBad)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := startServer(t, secPlain, c.tr, func(s *Server) { s.Protocol = c.p })
			conn, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write(c.req); err != nil {
				t.Fatal(err)
			}
			w := newWire(c.tr, c.p, conn, conn, Limits{})
			name, typ, seq, err := w.readMessageBegin()
			if err != nil {
				t.Fatalf("no reply: %v", err)
			}
			var ae ApplicationError
			if err := ae.Decode(w.dec); err != nil {
				t.Fatal(err)
			}
			if name != "add" || typ != MessageException || seq != 7 || ae.Type != ExceptionProtocolError {
				t.Fatalf("reply %q %v seq %d: %v (%d), want add EXCEPTION 7 PROTOCOL_ERROR", name, typ, seq, ae.Message, ae.Type)
			}
			if !strings.HasPrefix(ae.Message, "add: ") {
				t.Fatalf("message %q", ae.Message)
			}
			if _, _, _, err := w.readMessageBegin(); err == nil {
				t.Fatal("the connection stayed open after an undecodable request")
			}
		})
	}
}

// TestBodyErrorNeedsHeader: bytes that break inside the message header
// itself get no reply (there is no sequence id to answer).
func TestBodyErrorNeedsHeader(t *testing.T) {
	for _, b := range [][]byte{
		{0x82, 0x21, 7, 50, 'a'}, // name runs past the frame
		[]byte(`[1,"add",x`),     // type is not a number
	} {
		p := Compact
		if b[0] == '[' {
			p = JSON
		}
		bin, err := TranscodeToBinary(p, nil, b, true, Limits{})
		if err == nil {
			t.Fatalf("%q: transcoded", b)
		}
		if be, ok := withMessageHeader(bin, err).(*bodyError); ok {
			t.Fatalf("%q: a header was found in a broken header: %+v", b, be)
		}
	}
}
