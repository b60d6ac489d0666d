package runtime

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

var textProtocols = []Protocol{Compact, JSON}

func TestProtocolNames(t *testing.T) {
	for _, p := range []Protocol{Binary, Compact, JSON} {
		got, err := ParseProtocol(p.String())
		if err != nil || got != p {
			t.Errorf("ParseProtocol(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParseProtocol("header"); err == nil {
		t.Error("ParseProtocol(header) succeeded")
	}
}

// TestProtocolRoundTrip: every type through each protocol and back gives
// the same value (compared by its binary encoding).
func TestProtocolRoundTrip(t *testing.T) {
	for _, p := range []Protocol{Binary, Compact, JSON} {
		t.Run(p.String(), func(t *testing.T) {
			for _, in := range []*allTypes{fullAllTypes(), {}, {Kids: []*allTypes{fullAllTypes()}}} {
				want := encode(t, in)
				b, err := p.Marshal(in)
				if err != nil {
					t.Fatal(err)
				}
				out := new(allTypes)
				if err := p.Unmarshal(b, out); err != nil {
					t.Fatalf("Unmarshal: %v\n%q", err, b)
				}
				if got := encode(t, out); !bytes.Equal(got, want) {
					t.Fatalf("round trip differs\n%q", b)
				}
				if p == Binary {
					continue
				}
				// The same bytes from a stream arriving a few bytes at a time.
				src := NewStreamDecoder(&chunkReader{b: b}, Limits{})
				var e Encoder
				var scratch []byte
				if err := transcodeToBinary(p, src, &e, &scratch, false); err != nil {
					t.Fatalf("stream: %v", err)
				}
				mem, err := TranscodeToBinary(p, nil, b, false, Limits{})
				if err != nil || !bytes.Equal(mem, e.Bytes()) {
					t.Fatalf("memory (%v) and stream transcoding differ", err)
				}
			}
		})
	}
}

// TestCompactBytes pins a few encodings to the format's definition.
func TestCompactBytes(t *testing.T) {
	var e Encoder
	e.WriteMessageBegin("add", MessageCall, 7)
	e.WriteFieldBegin(TypeI32, 1)
	e.WriteI32(-1)
	e.WriteFieldBegin(TypeBool, 2)
	e.WriteBool(true)
	e.WriteFieldBegin(TypeI64, 20)
	e.WriteI64(150)
	e.WriteFieldBegin(TypeDouble, 21)
	e.WriteDouble(1)
	e.WriteFieldBegin(TypeList, 22)
	e.WriteListBegin(TypeBool, 2)
	e.WriteBool(true)
	e.WriteBool(false)
	e.WriteFieldBegin(TypeMap, 23)
	e.WriteMapBegin(TypeString, TypeI32, 0)
	e.WriteFieldStop()
	got, err := TranscodeFromBinary(Compact, nil, e.Bytes(), true)
	if err != nil {
		t.Fatal(err)
	}
	want := unhexT(t, "82 21 07 03 616464"+ // id, call|v1, seq 7, "add"
		"15 01"+ // field 1 i32 zigzag(-1)
		"11"+ // field 2 bool true, delta 1
		"06 28 ac02"+ // field 20 i64 long form, zigzag(150)
		"17 000000000000f03f"+ // field 21 double LE
		"19 21 01 02"+ // field 22 list<bool> 2: true false
		"1b 00"+ // field 23 empty map
		"00")
	if !bytes.Equal(got, want) {
		t.Fatalf("compact\n got % x\nwant % x", got, want)
	}
	back, err := TranscodeToBinary(Compact, nil, got, true, Limits{})
	// An empty compact map has no types; it reads as map<stop,stop>, as
	// in Apache's library.
	wantBack := bytes.Replace(e.Bytes(), unhexT(t, "0d 0017 0b 08"), unhexT(t, "0d 0017 00 00"), 1)
	if err != nil || !bytes.Equal(back, wantBack) {
		t.Fatalf("back to binary: %v\n got % x\nwant % x", err, back, e.Bytes())
	}
}

func TestJSONBytes(t *testing.T) {
	in := &allTypes{B: true, I8: -1, D: -1.5, S: "a\"<\n", Bin: []byte{1, 2, 3},
		M: map[int32][]byte{7: {0xff}}, Dbls: []float64{negInf(), 1e300}}
	b, err := JSON.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"1":{"tf":1},"2":{"i8":-1},`,
		`"6":{"dbl":-1.5},"7":{"str":"a\"\u003c\n"},"8":{"str":"AQID"},`,
		`"9":{"uid":"00000000-0000-0000-0000-000000000000"}`,
		`"12":{"map":["i32","str",1,{"7":"/w=="}]}`,
		`"16":{"lst":["dbl",2,"-Infinity",1e+300]}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func negInf() float64 { z := 0.0; return -1 / z }

// TestProtocolHostile: malformed and hostile input is an error of the
// right kind, never a panic, a hang or a large allocation.
func TestProtocolHostile(t *testing.T) {
	lim := Limits{MaxDepth: 16, MaxContainerLength: 1000, MaxStringLength: 100}
	deepCompact := append(bytes.Repeat([]byte{0x1c}, 40), 0) // struct in struct ...
	deepJSON := strings.Repeat(`{"1":{"rec":`, 40)
	for _, c := range []struct {
		name string
		p    Protocol
		in   string // hex for compact, text for JSON
		want error
	}{
		{"varint too long", Compact, "15 ffffffffff01 00", ErrInvalidData},
		{"varint endless", Compact, "15" + strings.Repeat("ff", 100), ErrInvalidData},
		{"varint32 overflow", Compact, "15 ffffffff7f 00", ErrInvalidData},
		{"varint64 overflow", Compact, "16 ffffffffffffffffff7f 00", ErrInvalidData},
		{"huge list", Compact, "19 f5 ffffffff07", ErrSizeLimit},
		{"list past the bytes", Compact, "19 f5 e807", ErrSizeLimit},
		{"huge string", Compact, "18 ffffffff07", ErrSizeLimit},
		{"negative string", Compact, "18 ffffffff0f", ErrNegativeSize},
		{"negative map", Compact, "1b ffffffff0f", ErrNegativeSize},
		{"bad field type", Compact, "1e 00", ErrInvalidData},
		{"bad list type", Compact, "19 2e 00 00", ErrInvalidData},
		{"bad map types", Compact, "1b 01 ee", ErrInvalidData},
		{"deep", Compact, "", ErrDepthLimit},
		{"truncated", Compact, "18 05 6162", io.ErrUnexpectedEOF},
		{"json deep", JSON, deepJSON, ErrDepthLimit},
		{"json long number", JSON, `{"1":{"i64":` + strings.Repeat("1", 100) + `}}`, ErrInvalidData},
		{"json i32 range", JSON, `{"1":{"i32":2147483648}}`, ErrInvalidData},
		{"json huge list", JSON, `{"1":{"lst":["i32",1000000000]}}`, ErrSizeLimit},
		{"json list past the bytes", JSON, `{"1":{"lst":["i32",500,1]}}`, ErrSizeLimit},
		{"json negative", JSON, `{"1":{"lst":["i32",-1]}}`, ErrNegativeSize},
		{"json long string", JSON, `{"1":{"str":"` + strings.Repeat("x", 200) + `"}}`, ErrSizeLimit},
		{"json bad type", JSON, `{"1":{"xyz":1}}`, ErrInvalidData},
		{"json unterminated", JSON, `{"1":{"str":"abc`, io.ErrUnexpectedEOF},
		{"json bad escape", JSON, `{"1":{"str":"\q"}}`, ErrInvalidData},
		{"json garbage", JSON, `[1,2]`, ErrInvalidData},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in)
			if c.p == Compact {
				in = unhexT(t, c.in)
				if c.name == "deep" {
					in = deepCompact
				}
			}
			_, err := TranscodeToBinary(c.p, nil, in, false, lim)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			src := NewStreamDecoder(&chunkReader{b: in}, lim)
			var e Encoder
			var scratch []byte
			if err := transcodeToBinary(c.p, src, &e, &scratch, false); err == nil {
				t.Fatal("stream: no error")
			}
		})
	}
}

// TestProtocolBadBase64: a JSON binary field that is not base64.
func TestProtocolBadBase64(t *testing.T) {
	err := JSON.Unmarshal([]byte(`{"8":{"str":"!!!"}}`), new(allTypes))
	if !errors.Is(err, ErrInvalidData) {
		t.Fatalf("err = %v", err)
	}
}

// TestProtocolMaxMessageSize: the limit holds on the wire bytes of a
// buffered stream, before they are transcoded.
func TestProtocolMaxMessageSize(t *testing.T) {
	for _, p := range textProtocols {
		var out bytes.Buffer
		w := newWire(Buffered, p, nil, &out, Limits{})
		s := "x"
		if err := w.encodeMessage("m", MessageCall, 1, &strStruct{ID: 1, S: str(strings.Repeat(s, 5000))}); err != nil {
			t.Fatal(err)
		}
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		r := newWire(Buffered, p, &chunkReader{b: out.Bytes()}, nil, Limits{MaxMessageSize: 1000})
		if _, _, _, err := r.readMessageBegin(); !errors.Is(err, ErrSizeLimit) {
			t.Errorf("%v: err = %v, want ErrSizeLimit", p, err)
		}
	}
}

// TestProtocolWireMessages: messages back to back through the wire, for
// both transports, read from a stream that trickles.
func TestProtocolWireMessages(t *testing.T) {
	for _, p := range []Protocol{Binary, Compact, JSON} {
		for _, tr := range []Transport{Framed, Buffered} {
			var out bytes.Buffer
			w := newWire(tr, p, nil, &out, Limits{})
			for i := range 3 {
				if err := w.encodeMessage("m", MessageReply, int32(i), fullAllTypes()); err != nil {
					t.Fatal(err)
				}
				if err := w.flush(); err != nil {
					t.Fatal(err)
				}
			}
			r := newWire(tr, p, &chunkReader{b: out.Bytes()}, nil, Limits{})
			for i := range 3 {
				name, typ, seq, err := r.readMessageBegin()
				if err != nil || name != "m" || typ != MessageReply || seq != int32(i) {
					t.Fatalf("%v/%v: message %d: %q %v %d %v", p, tr, i, name, typ, seq, err)
				}
				got := new(allTypes)
				if err := got.Decode(r.dec); err != nil {
					t.Fatalf("%v/%v: %v", p, tr, err)
				}
				if !bytes.Equal(encode(t, got), encode(t, fullAllTypes())) {
					t.Fatalf("%v/%v: message %d differs", p, tr, i)
				}
			}
			if _, _, _, err := r.readMessageBegin(); err != io.EOF {
				t.Fatalf("%v/%v: after the last message: %v, want io.EOF", p, tr, err)
			}
		}
	}
}

// TestServerProtocols: calls end to end over TLS for every protocol and
// transport; a mismatched client fails instead of hanging.
func TestServerProtocols(t *testing.T) {
	for _, p := range textProtocols {
		for _, tr := range []Transport{Framed, Buffered} {
			t.Run(p.String()+"/"+tr.String(), func(t *testing.T) {
				ts := startServer(t, secTLS, tr, func(s *Server) { s.Protocol = p })
				c := ts.dial(t, WithProtocol(p))
				for i := range 5 {
					add(t, c, int32(i), 2)
				}
			})
		}
	}
	if _, err := (&Server{Handler: NewProcessor("x"), Protocol: 9}).config(); err == nil {
		t.Error("Server with Protocol 9 accepted")
	}
}

// TestJSONPythonDoubles: Apache's Python library writes infinities and NaN
// unquoted (inf, -inf, nan); Apache's own readers take them, so do we.
func TestJSONPythonDoubles(t *testing.T) {
	for in, want := range map[string]string{"inf": "+Inf", "-inf": "-Inf", "nan": "NaN", `"Infinity"`: "+Inf", "1e-3": "0.001"} {
		var s allTypes
		if err := JSON.Unmarshal([]byte(`{"6":{"dbl":`+in+`}}`), &s); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := strconv.FormatFloat(s.D, 'g', -1, 64); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}

// TestServerProtocolHostile: hostile compact and JSON input on a live
// server closes that connection (nothing allocated for the declared
// sizes, no panic) and the server keeps serving.
func TestServerProtocolHostile(t *testing.T) {
	for _, c := range []struct {
		p    Protocol
		tr   Transport
		body string
	}{
		{Compact, Framed, "\x82\x21\x01\x03add" + "\x19\xf5\xff\xff\xff\xff\x07"},        // list of 2^31-1 i32
		{Compact, Buffered, "\x82\x21\x01\x03add" + "\x15" + strings.Repeat("\xff", 64)}, // endless varint
		{JSON, Framed, `[1,"add",1,1,{"1":{"lst":["i32",2000000000]}}]`},
		{JSON, Buffered, `[1,"add",1,1,` + strings.Repeat(`{"1":{"rec":`, 200)},
	} {
		t.Run(c.p.String()+"/"+c.tr.String(), func(t *testing.T) {
			ts := startServer(t, secPlain, c.tr, func(s *Server) { s.Protocol = c.p })
			conn, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			msg := []byte(c.body)
			if c.tr == Framed {
				msg = append([]byte{0, 0, 0, byte(len(msg))}, msg...)
			}
			if _, err := conn.Write(msg); err != nil {
				t.Fatal(err)
			}
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadAll(conn); err != nil {
				t.Fatalf("the server did not close the connection: %v", err)
			}
			add(t, ts.dial(t, WithProtocol(c.p)), 1, 2)
		})
	}
}
