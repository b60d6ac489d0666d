package runtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
)

// Transport is how Thrift messages are delimited on a connection. Both ends
// must use the same one; Apache Thrift calls them TFramedTransport and
// TBufferedTransport (a plain socket).
type Transport int

const (
	// Framed sends each message behind a 4-byte big-endian length. It is
	// the default (the zero value) because the size of a message is known
	// before any of it is read, so a server refuses an oversized message
	// without reading it, and because Apache's non-blocking servers accept
	// nothing else.
	Framed Transport = iota
	// Buffered sends messages back to back with no length prefix (Apache's
	// TBufferedTransport over a TSocket). The decoder still bounds each
	// message by Limits.MaxMessageSize as it reads.
	Buffered
	// Header is Apache's THeaderTransport: framed, with the message's
	// protocol, transforms (zlib) and info headers in a header in front
	// of each message (see theader.go). Binary or Compact, per
	// Server.Protocol / WithProtocol, travels inside; a server replies in
	// what each request used, and also serves plain framed clients.
	Header
)

// String returns "framed" or "buffered", the names Apache's test suite uses.
func (t Transport) String() string {
	switch t {
	case Framed:
		return "framed"
	case Buffered:
		return "buffered"
	case Header:
		return "header"
	case FramedHeader:
		return "framed header"
	}
	return "Transport(" + strconv.Itoa(int(t)) + ")"
}

func (t Transport) valid() bool { return t == Framed || t == Buffered || t.header() }

// carriesHeaders reports whether t carries per-call headers (WithHeaders,
// WithBearerToken).
func (t Transport) carriesHeaders() bool { return t.header() }

// framedRead reports whether messages arrive in length-prefixed frames.
func (t Transport) framedRead() bool { return t == Framed || t.header() }

// readBufSize is the size of the read buffer in front of a framed
// connection: small messages then cost one read system call, not two.
const readBufSize = 4 << 10

// maxKeptWriteBuf is the largest encode buffer a connection keeps between
// messages, so that one large message does not pin memory on an idle
// connection.
const maxKeptWriteBuf = 256 << 10

// wire reads and writes whole messages of one transport on a connection.
// Reading belongs to one goroutine and writing to one (possibly another)
// goroutine at a time; the two halves share nothing.
type wire struct {
	transport Transport
	lim       Limits
	w         io.Writer

	// Framed reading: frames come through br into frame and are decoded
	// in memory. Buffered reading: dec reads the stream directly.
	br    *bufio.Reader
	frame []byte
	dec   *Decoder

	enc Encoder

	// cenc writes compact messages directly (compact_wire.go); direct
	// says the last message encoded is in w.enc's buffer in compact.
	cenc   CompactEncoder
	direct bool

	// pw is nil for the binary protocol; see protocol.go. transcoded is
	// the size of the binary form of the last message it read, which can
	// be several times its wire size (a compact varint is one byte, its
	// binary i64 eight), so a server charges it to its memory budget.
	pw         *protoWire
	transcoded int

	// sealer, when set, seals every frame's payload (see Sealer);
	// sealed is the buffer a sealed frame is written from.
	sealer Sealer
	sealed []byte

	// hdr is the Header transport's state; hdrOut the frame it writes.
	hdr    *headerWire
	hdrOut []byte
}

func newWire(t Transport, p Protocol, r io.Reader, w io.Writer, lim Limits) *wire {
	wr := &wire{transport: t, lim: lim.withDefaults(), w: w}
	// A message may take MaxMessageSize bytes, plus a frame header.
	wr.enc.SetMaxSize(wr.lim.MaxMessageSize + 4)
	if t.framedRead() {
		wr.br = bufio.NewReaderSize(r, readBufSize)
		wr.dec = NewDecoder(nil, wr.lim)
	} else {
		wr.dec = NewStreamDecoder(r, wr.lim)
	}
	if t.header() {
		wr.hdr = &headerWire{writeOuter: t == FramedHeader}
		if p == Compact {
			wr.hdr.writeProto = headerProtoCompact
		}
		// The compact form is transcoded inside the header frame (see
		// theader.go), so no protocol wire of its own.
		lim := wr.lim
		lim.MaxMessageSize = maxLimit
		wr.dec = NewDecoder(nil, lim)
		return wr
	}
	wr.setProtocol(p, r)
	return wr
}

// readMessageBegin reads the next message header. A clean end of the
// connection before the message's first byte is io.EOF.
func (w *wire) readMessageBegin() (string, MessageType, int32, error) {
	if w.hdr != nil {
		if err := w.readHeaderMessage(); err != nil {
			return "", 0, 0, err
		}
		return w.dec.ReadMessageBegin()
	}
	if w.pw != nil {
		if err := w.readProto(); err != nil {
			return "", 0, 0, err
		}
		return w.dec.ReadMessageBegin()
	}
	if w.transport == Framed {
		f, ok, err := w.bufferedFrame()
		if err == nil && !ok {
			f, err = w.readFrame()
		}
		if err != nil {
			return "", 0, 0, err
		}
		w.dec.Reset(f)
	}
	return w.dec.ReadMessageBegin()
}

// bufferedFrame takes the next frame's payload from where it lies in the
// read buffer, when the whole frame is there (ok), instead of copying it
// into w.frame: a small message, the common case, then costs no copy and
// touches no second buffer before it is decoded. It waits, as readFrame
// would, only for the first byte; a frame not yet wholly buffered, or one
// readFrame refuses (empty, negative or oversized), is left unread for
// readFrame, which reads and vets it as always.
//
// The payload aliases br's buffer, which the next read from br may
// overwrite. None comes before the message is decoded: the Decoder reads
// its buffer alone, and copies every string and binary it returns, so a
// decoded value never aliases the frame. A sealed frame always takes the
// copy, as its Sealer may return (part of) what it is given.
func (w *wire) bufferedFrame() (f []byte, ok bool, err error) {
	if w.sealer != nil {
		return nil, false, nil
	}
	if w.br.Buffered() == 0 {
		// readFrame's first read; an error here (io.EOF for a clean
		// end) is the one it would return.
		if _, err := w.br.Peek(1); err != nil {
			return nil, false, err
		}
	}
	n := w.br.Buffered()
	if n < 4 {
		return nil, false, nil
	}
	h, _ := w.br.Peek(4)
	size := int(int32(binary.BigEndian.Uint32(h)))
	if size <= 0 || size > w.lim.MaxMessageSize || size > n-4 {
		return nil, false, nil
	}
	b, _ := w.br.Peek(4 + size)
	w.br.Discard(4 + size)
	return b[4:], true, nil
}

// readFrame reads the next frame, keeping its buffer for the next one
// unless it grew large, and opens it when the link is sealed.
func (w *wire) readFrame() ([]byte, error) {
	f, err := ReadFrame(w.br, w.frame, w.lim.MaxMessageSize)
	if cap(f) <= maxKeptStreamBuf {
		w.frame = f[:0]
	} else {
		w.frame = nil
	}
	if err != nil {
		return nil, err
	}
	if len(f) == 0 {
		// ReadMessageBegin would see a used-up buffer and say io.EOF,
		// which means an orderly close; this is not one.
		return nil, protoErr(KindInvalidData, "empty frame", nil)
	}
	if w.sealer != nil {
		if f, err = w.sealer.Open(f); err != nil {
			return nil, &SealError{Err: err}
		}
		if len(f) == 0 {
			return nil, protoErr(KindInvalidData, "empty sealed message", nil)
		}
	}
	return f, nil
}

// waitByte blocks until the first byte of the next message has arrived
// (or is already buffered), without reading the message. A clean end of
// the connection first is io.EOF.
func (w *wire) waitByte() error {
	if w.transport.framedRead() {
		_, err := w.br.Peek(1)
		return err
	}
	return w.streamDecoder().waitByte()
}

// streamDecoder is the Decoder that reads an unframed connection: the
// protocol's source decoder, or for binary the message decoder itself.
func (w *wire) streamDecoder() *Decoder {
	if w.pw != nil {
		return w.pw.src
	}
	return w.dec
}

// buffered returns how many bytes have been read from the connection and
// not yet consumed: the start of a message that follows the current one.
func (w *wire) buffered() int {
	if w.transport.framedRead() {
		return w.br.Buffered()
	}
	return w.streamDecoder().buffered()
}

// begin starts encoding a message with the given header.
func (w *wire) begin(name string, typ MessageType, seq int32) {
	if cap(w.enc.buf) > maxKeptWriteBuf {
		w.enc.buf = nil
	}
	w.enc.Reset()
	if w.transport == Framed && w.pw == nil {
		w.enc.BeginFrame()
	}
	if typ == MessageReply || typ == MessageException {
		name = replyName(name) // see multiplex.go
	}
	w.enc.WriteMessageBegin(name, typ, seq)
}

// encodeMessage encodes a whole message with body s. A message larger than
// Limits.MaxMessageSize is an error wrapping ErrSizeLimit: no peer with
// the same limits would accept it, so it is never sent.
func (w *wire) encodeMessage(name string, typ MessageType, seq int32, s Struct) error {
	w.direct = false
	if cs, ok := s.(CompactStruct); ok && w.writesCompact(typ == MessageReply || typ == MessageException) {
		return w.encodeCompactMessage(name, typ, seq, cs)
	}
	w.begin(name, typ, seq)
	if err := s.Encode(&w.enc); err != nil {
		return err
	}
	if w.pw != nil {
		return w.finishProto()
	}
	if w.transport == Framed {
		w.enc.EndFrame()
	}
	if err := w.enc.Err(); err != nil {
		return err
	}
	if w.hdr != nil {
		reply := typ == MessageReply || typ == MessageException
		if !reply {
			w.hdr.seq, w.hdr.flags = uint32(seq), 0
		}
		_, err := w.headerFrame(w.enc.Bytes(), reply)
		return err
	}
	return nil
}

// flush writes the encoded message in one Write, so that header and body
// leave in one system call and, over TLS, one record.
func (w *wire) flush() error {
	b := w.encoded()
	if w.sealer != nil {
		// b is a whole frame; its payload goes out as a token instead.
		token, err := w.sealer.Seal(b[4:])
		if err != nil {
			return &SealError{Err: err}
		}
		if len(token) > w.lim.MaxMessageSize {
			return protoErr(KindSizeLimit, "sealed message of "+itoa(len(token))+" bytes exceeds the limit of "+itoa(w.lim.MaxMessageSize)+" bytes", nil)
		}
		w.sealed = binary.BigEndian.AppendUint32(w.sealed[:0], uint32(len(token)))
		w.sealed = append(w.sealed, token...)
		b = w.sealed
		if cap(w.sealed) > maxKeptWriteBuf {
			w.sealed = nil
		}
	}
	_, err := w.w.Write(b)
	return err
}

// encoded returns the message encodeMessage last encoded, as it goes on
// the wire (before sealing).
func (w *wire) encoded() []byte {
	switch {
	case w.hdr != nil:
		return w.hdrOut
	case w.direct:
		return w.enc.Bytes()
	case w.pw != nil:
		return w.pw.out
	}
	return w.enc.Bytes()
}

// isTimeout reports whether err is a deadline passing on a connection.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
