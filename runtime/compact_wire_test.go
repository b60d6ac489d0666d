package runtime

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// cPair has generated-style Encode and EncodeCompact for the same value;
// binOnly hides EncodeCompact, so a wire must transcode it.
type cPair struct {
	A    int32
	S    string
	Flag bool
	L    []int64
}

func (p *cPair) Encode(e *Encoder) error {
	e.WriteFieldBegin(TypeI32, 1)
	e.WriteI32(p.A)
	e.WriteFieldBegin(TypeString, 2)
	e.WriteString(p.S)
	e.WriteFieldBegin(TypeBool, 3)
	e.WriteBool(p.Flag)
	e.WriteFieldBegin(TypeList, 40)
	e.WriteListBegin(TypeI64, len(p.L))
	for _, v := range p.L {
		e.WriteI64(v)
	}
	e.WriteFieldStop()
	return nil
}

func (p *cPair) EncodeCompact(e *CompactEncoder) error {
	e.WriteStructBegin()
	e.WriteFieldBegin(TypeI32, 1)
	e.WriteI32(p.A)
	e.WriteFieldBegin(TypeString, 2)
	e.WriteString(p.S)
	e.WriteFieldBegin(TypeBool, 3)
	e.WriteBool(p.Flag)
	e.WriteFieldBegin(TypeList, 40)
	e.WriteListBegin(TypeI64, len(p.L))
	for _, v := range p.L {
		e.WriteI64(v)
	}
	e.WriteFieldStop()
	return nil
}

func (p *cPair) Decode(d *Decoder) error               { return d.Skip(TypeStruct) }
func (p *cPair) DecodeCompact(d *CompactDecoder) error { return d.Skip(TypeStruct) }

type binOnly struct{ p *cPair }

func (b binOnly) Encode(e *Encoder) error { return b.p.Encode(e) }
func (b binOnly) Decode(d *Decoder) error { return b.p.Decode(d) }

// TestCompactWireDirect checks that a message written with EncodeCompact
// directly is byte for byte what the transcoding path writes, on every
// transport that carries compact, for calls and replies.
func TestCompactWireDirect(t *testing.T) {
	v := &cPair{A: -7, S: "hello", Flag: true, L: []int64{1, -300, 1 << 40}}
	type setup struct {
		name  string
		tr    Transport
		reply bool
		prep  func(w *wire)
	}
	cases := []setup{
		{"framed call", Framed, false, nil},
		{"framed reply", Framed, true, nil},
		{"buffered call", Buffered, false, nil},
		{"header call", Header, false, nil},
		{"header reply", Header, true, func(w *wire) { w.hdr.proto = headerProtoCompact }},
		{"header reply zlib", Header, true, func(w *wire) { w.hdr.proto, w.hdr.zlib = headerProtoCompact, true }},
		{"header reply plain", Header, true, func(w *wire) { w.hdr.proto, w.hdr.plain = headerProtoCompact, true }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc := func(s Struct) ([]byte, bool) {
				w := newWire(c.tr, Compact, bytes.NewReader(nil), io.Discard, Limits{})
				if c.prep != nil {
					c.prep(w)
				}
				typ := MessageCall
				if c.reply {
					typ = MessageReply
				}
				if err := w.encodeMessage("svc:m", typ, 99, s); err != nil {
					t.Fatal(err)
				}
				return append([]byte(nil), w.encoded()...), w.direct
			}
			got, direct := enc(v)
			want, viaBin := enc(binOnly{v})
			if !direct || viaBin {
				t.Fatalf("direct path used: %v for EncodeCompact, %v without", direct, viaBin)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("direct compact message\n% x\ndiffers from the transcoded one\n% x", got, want)
			}
		})
	}
}

// TestCompactWireLimit checks that a direct compact message past
// MaxMessageSize is refused before it is built, on every transport.
func TestCompactWireLimit(t *testing.T) {
	for _, tr := range []Transport{Framed, Buffered, Header} {
		w := newWire(tr, Compact, bytes.NewReader(nil), io.Discard, Limits{MaxMessageSize: 1 << 10})
		err := w.encodeMessage("m", MessageCall, 1, &cPair{S: strings.Repeat("x", 4<<10)})
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Kind != KindSizeLimit {
			t.Fatalf("%v: %v, want a size-limit error", tr, err)
		}
		if n := cap(w.enc.buf); n > 2<<10 {
			t.Errorf("%v: buffer grew to %d bytes for a 1 KiB limit", tr, n)
		}
		// Just under the limit is fine, and the wire is usable again.
		if err := w.encodeMessage("m", MessageCall, 2, &cPair{S: strings.Repeat("x", 900)}); err != nil {
			t.Fatalf("%v: %v", tr, err)
		}
	}
}
