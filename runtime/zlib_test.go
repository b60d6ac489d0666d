package runtime

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestZlibCalls runs calls over the zlib transport on every transport and
// protocol it composes with, TLS and plaintext, including a reply large
// enough to take several deflate blocks.
func TestZlibCalls(t *testing.T) {
	cases := []struct {
		tr Transport
		p  Protocol
	}{{Buffered, Binary}, {Framed, Binary}, {Buffered, Compact}, {Framed, JSON}, {Header, Binary}, {Header, Compact}}
	for _, tc := range cases {
		for _, sec := range []security{secPlain, secTLS} {
			t.Run(tc.tr.String()+"/"+tc.p.String()+"/"+sec.String(), func(t *testing.T) {
				ts := startServer(t, sec, tc.tr, func(s *Server) { s.Zlib, s.Protocol = true, tc.p })
				c := ts.dial(t, WithZlib(), WithProtocol(tc.p))
				for i := int32(0); i < 3; i++ {
					add(t, c, i, 40)
				}
				var res strStruct
				if err := c.Call(context.Background(), "repeat", &pairArgs{A: 200000}, &res); err != nil {
					t.Fatal(err)
				}
				if res.S == nil || len(*res.S) != 200000 {
					t.Fatalf("repeat: got %d bytes", len(*res.S))
				}
				add(t, c, 1, 2)
			})
		}
	}
}

// TestZlibWireFormat checks what goes on the wire against the zlib
// package on its own: one stream, header first, a sync flush (00 00 ff ff)
// after each message, and messages inside as the transport frames them.
func TestZlibWireFormat(t *testing.T) {
	for _, tr := range []Transport{Buffered, Framed} {
		var sent bytes.Buffer
		_, _, w := zlibLayer(tr, nil, &sent, Limits{})
		msgs := [][]byte{[]byte("first message"), bytes.Repeat([]byte("second "), 100)}
		var ends []int
		for _, m := range msgs {
			if _, err := w.Write(m); err != nil {
				t.Fatal(err)
			}
			ends = append(ends, sent.Len())
		}
		stream := sent.Bytes()
		if tr == Framed {
			// Each flush is one frame; their payloads are the stream.
			var payload []byte
			r := bytes.NewReader(stream)
			for r.Len() > 0 {
				f, err := ReadFrame(r, nil, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				payload = append(payload, f...)
				if len(stream)-r.Len() != ends[0] && len(stream)-r.Len() != ends[1] {
					t.Fatalf("framed: a frame ends at %d, not at a message end %v", len(stream)-r.Len(), ends)
				}
			}
			stream = payload
		} else {
			for _, e := range ends {
				if !bytes.HasSuffix(stream[:e], []byte{0, 0, 0xff, 0xff}) {
					t.Fatalf("buffered: message ending at %d is not sync-flushed: % x", e, stream[max(0, e-4):e])
				}
			}
		}
		zr, err := zlib.NewReader(bytes.NewReader(stream))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%v: the stream must stay open (no final block), got %v", tr, err)
		}
		if want := bytes.Join(msgs, nil); !bytes.Equal(got, want) {
			t.Fatalf("%v: inflated %q, want %q", tr, got, want)
		}
	}
}

// TestZlibReadsOtherWriters reads what compress/zlib writes, flushed per
// message as Apache's Go TZlibTransport does, then closed as its Close does.
func TestZlibReadsOtherWriters(t *testing.T) {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	zw.Write([]byte("hello "))
	zw.Flush()
	zw.Write([]byte("world"))
	zw.Close()
	_, r, _ := zlibLayer(Buffered, &b, nil, Limits{})
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "hello world" {
		t.Fatalf("got %q, %v", got, err)
	}
	// A clean end of the connection between messages is io.EOF.
	var half bytes.Buffer
	zw, _ = zlib.NewWriterLevel(&half, zlib.BestCompression)
	zw.Write([]byte("abc"))
	zw.Flush()
	_, r, _ = zlibLayer(Buffered, &half, nil, Limits{})
	buf := make([]byte, 10)
	n, err := io.ReadFull(r, buf[:3])
	if n != 3 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	if _, err := r.Read(buf); err != io.EOF {
		t.Fatalf("after the last message: %v, want io.EOF", err)
	}
	// Not a zlib stream at all.
	_, r, _ = zlibLayer(Buffered, bytes.NewReader([]byte{0x80, 0x01, 0, 1}), nil, Limits{})
	var pe *ProtocolError
	if _, err := r.Read(buf); !errors.As(err, &pe) {
		t.Fatalf("binary bytes as zlib: %v, want a ProtocolError", err)
	}
}

// zlibBomb writes, through a zlib stream, a buffered binary call to
// "repeat" whose string field declares n bytes, then n zero bytes: about
// n/1000 compressed bytes. It counts what it wrote.
type zlibBomb struct {
	n       int64
	written int64
}

func (b *zlibBomb) writeTo(w io.Writer) error {
	cw := &countWriter{w: w, n: &b.written}
	zw, _ := zlib.NewWriterLevel(cw, zlib.BestCompression)
	var e Encoder
	e.WriteMessageBegin("repeat", MessageCall, 1)
	e.WriteFieldBegin(TypeString, 1)
	e.WriteI32(int32(b.n))
	if _, err := zw.Write(e.Bytes()); err != nil {
		return err
	}
	zero := make([]byte, 64<<10)
	for left := b.n; left > 0; left -= int64(len(zero)) {
		if _, err := zw.Write(zero[:min(left, int64(len(zero)))]); err != nil {
			return err
		}
	}
	return zw.Flush()
}

type countWriter struct {
	w io.Writer
	n *int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestZlibBomb: a stream that inflates to 1 GiB is refused once the
// message passes MaxMessageSize, having inflated little more than that.
func TestZlibBomb(t *testing.T) {
	const limit = 1 << 20
	for _, tr := range []Transport{Buffered, Framed} {
		pr, pw := io.Pipe()
		bomb := &zlibBomb{n: 1 << 30}
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			pw.CloseWithError(bomb.writeTo(pw))
		}()
		var src io.Reader = pr
		if tr == Framed {
			// A compressed stream in frames, as a framed zlib client
			// sends it: re-frame the bomb's bytes in 16 KB frames.
			fr, fw := io.Pipe()
			go func() {
				buf := make([]byte, 16<<10)
				for {
					n, err := pr.Read(buf)
					if n > 0 {
						if werr := WriteFrame(fw, buf[:n]); werr != nil {
							pr.CloseWithError(werr)
							return
						}
					}
					if err != nil {
						fw.CloseWithError(err)
						return
					}
				}
			}()
			src = fr
		}
		lim := Limits{MaxMessageSize: limit}
		wt, r, _ := zlibLayer(tr, src, io.Discard, lim)
		inflated := &countReader{r: r}
		w := newWire(wt, Binary, inflated, io.Discard, lim)
		_, _, _, err := w.readMessageBegin()
		if err == nil {
			err = w.dec.Skip(TypeStruct)
		}
		if !errors.Is(err, ErrSizeLimit) {
			t.Fatalf("%v: got %v, want ErrSizeLimit", tr, err)
		}
		pr.CloseWithError(errors.New("done"))
		<-wrote // the writer fails on the closed pipe; bomb.written is final
		if inflated.n > 2*limit {
			t.Fatalf("%v: inflated %d bytes for a limit of %d", tr, inflated.n, limit)
		}
		if bomb.written > 64<<10 {
			t.Fatalf("%v: the reader took %d compressed bytes (of about %d) before refusing", tr, bomb.written, bomb.n/1000)
		}
	}
}

// TestZlibBombServer sends the bomb to a server: the connection is closed
// without the server inflating past the limit, and the memory budget it
// charged comes back.
func TestZlibBombServer(t *testing.T) {
	ts := startServer(t, secPlain, Buffered, func(s *Server) {
		s.Zlib = true
		s.Limits.MaxMessageSize = 1 << 20
		s.MaxInflightBytes = 8 << 20
	})
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	bomb := &zlibBomb{n: 1 << 30}
	werr := bomb.writeTo(conn)
	if werr == nil {
		t.Fatal("the server took the whole 1 GiB stream")
	}
	if got := ts.srv.Stats().InflightBytes; got != 0 {
		// The connection's goroutine may still be finishing.
		deadline := time.Now().Add(5 * time.Second)
		for got != 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			got = ts.srv.Stats().InflightBytes
		}
		if got != 0 {
			t.Fatalf("budget still holds %d bytes", got)
		}
	}
	if bomb.written > 4<<20 {
		t.Fatalf("server read %d compressed bytes", bomb.written)
	}
}

// TestZlibBudgetCharged: a large compressed request is charged to the
// memory budget at its inflated size, so a budget smaller than that
// refuses it though its compressed bytes would fit.
func TestZlibBudgetCharged(t *testing.T) {
	ts := startServer(t, secPlain, Buffered, func(s *Server) {
		s.Zlib = true
		s.MaxInflightBytes = 1 << 20
		s.ReadTimeout = 500 * time.Millisecond
	})
	c := ts.dial(t, WithZlib())
	big := string(bytes.Repeat([]byte{'a'}, 4<<20)) // ~4 KB compressed
	// "add" skips the unknown field 3 and answers 0 when it is served.
	var res i32Result
	if err := c.Call(context.Background(), "add", &strStruct{ID: 3, S: &big}, &res); err == nil {
		t.Fatal("a request inflating past the whole budget was served")
	}
	small := "small"
	if err := ts.dial(t, WithZlib()).Call(context.Background(), "add", &strStruct{ID: 3, S: &small}, &res); err != nil {
		t.Fatalf("the same call, small: %v", err)
	}
	add(t, ts.dial(t, WithZlib()), 1, 2) // the server is fine
}

// FuzzZlibRead feeds arbitrary bytes to the inflating reader under the
// message decoder: no panic, and never more inflated than the limits let
// the messages read take.
func FuzzZlibRead(f *testing.F) {
	var b bytes.Buffer
	_, _, w := zlibLayer(Buffered, nil, &b, Limits{})
	var e Encoder
	e.WriteMessageBegin("add", MessageCall, 1)
	(&pairArgs{A: 1, B: 2}).Encode(&e)
	w.Write(e.Bytes())
	w.Write(e.Bytes())
	f.Add(b.Bytes())
	f.Add([]byte{0x78, 0x9c})
	f.Add([]byte{0x78, 0x01, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 4 << 10
		lim := Limits{MaxMessageSize: limit}
		for _, tr := range []Transport{Buffered, Framed} {
			wt, r, _ := zlibLayer(tr, bytes.NewReader(data), io.Discard, lim)
			cr := &countReader{r: r}
			w := newWire(wt, Binary, cr, io.Discard, lim)
			msgs := 0
			for ; msgs < 8; msgs++ {
				if _, _, _, err := w.readMessageBegin(); err != nil {
					break
				}
				if err := w.dec.Skip(TypeStruct); err != nil {
					break
				}
			}
			if cr.n > int64(msgs+1)*(limit+minStreamBuf) {
				t.Fatalf("%v: inflated %d bytes for %d messages", tr, cr.n, msgs)
			}
		}
	})
}

// TestHeaderZlibBudgetCharged: what THeader's zlib transform inflates is
// charged to the memory budget too: a few KB inflating past the whole
// budget are refused, unanswered, where the same call small is served.
func TestHeaderZlibBudgetCharged(t *testing.T) {
	ts := startServer(t, secPlain, Header, func(s *Server) { s.MaxInflightBytes = 1 << 20 })
	frame := func(n int) []byte {
		var e Encoder
		e.WriteMessageBegin("add", MessageCall, 3)
		s := string(bytes.Repeat([]byte{'a'}, n))
		(&strStruct{ID: 3, S: &s}).Encode(&e)
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(e.Bytes())
		zw.Close()
		hd := []byte{headerProtoBinary, 1, headerTransformZlib, 0}
		f := binary.BigEndian.AppendUint32(nil, uint32(10+len(hd)+z.Len()))
		f = binary.BigEndian.AppendUint16(f, headerMagic)
		f = binary.BigEndian.AppendUint16(f, 0)
		f = binary.BigEndian.AppendUint32(f, 3)
		f = binary.BigEndian.AppendUint16(f, 1)
		return append(append(f, hd...), z.Bytes()...)
	}
	for _, c := range []struct {
		n      int
		answer bool
	}{{10, true}, {4 << 20, false}} {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		conn.Write(frame(c.n))
		w := newWire(Header, Binary, conn, conn, Limits{})
		_, typ, _, err := w.readMessageBegin()
		conn.Close()
		if got := err == nil && typ == MessageReply; got != c.answer {
			t.Fatalf("%d inflated bytes: answered=%v (%v, %v), want %v", c.n, got, typ, err, c.answer)
		}
	}
}

// BenchmarkZlibWrite is the cost of one small message through the zlib
// transport's writer (a pooled compressor, reset per message).
func BenchmarkZlibWrite(b *testing.B) {
	msg := bytes.Repeat([]byte("thrift message body 123 "), 10)
	_, _, w := zlibLayer(Buffered, nil, io.Discard, Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		w.Write(msg)
	}
}

// BenchmarkZlibRead inflates the same messages back.
func BenchmarkZlibRead(b *testing.B) {
	msg := bytes.Repeat([]byte("thrift message body 123 "), 10)
	var stream bytes.Buffer
	_, _, w := zlibLayer(Buffered, nil, &stream, Limits{})
	for i := 0; i < b.N; i++ {
		w.Write(msg)
	}
	_, r, _ := zlibLayer(Buffered, &stream, nil, Limits{})
	buf := make([]byte, len(msg))
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Fatal(err)
		}
	}
}
