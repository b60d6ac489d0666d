package runtime

import (
	"encoding/binary"
	"io"
	"strconv"
)

// Protocol auto-detection (Server.DetectProtocol): the server tells from
// the first bytes of a connection which protocol and transport its client
// speaks, as Apache's THeader server does for legacy clients, and serves
// it in that for the life of the connection. Only what the bytes prove is
// accepted:
//
//	first bytes                      speaks
//	80 01                            binary (strict), unframed
//	82 (version 1)                   compact, unframed
//	5b 31  "[1"                      JSON, unframed
//	78 xx  (a zlib header)           zlib, then detected again inside
//	4-byte length, then 80 01        binary, framed
//	4-byte length, then 82           compact, framed
//	4-byte length, then 5b 31        JSON, framed
//	4-byte length, then 0f ff        THeader (binary or compact inside)
//	4-byte length, then 78 xx        zlib in frames (Apache's Python
//	                                 TZlibTransport over TFramedTransport)
//
// None of these can be read as another: an unframed message starts with a
// byte (0x80, 0x82, 0x5b, 0x78) that as the first byte of a frame length
// declares a frame of more than 1.5 GB, which is refused anyway (Limits
// caps MaxMessageSize below that), and the protocols' first bytes differ.
// Anything else (old non-strict binary, whose first bytes are a name
// length, a frame length outside the limits, an unknown byte) closes the
// connection unanswered: guessing would mean answering in a protocol the
// client may not speak.

// prefixReader replays the bytes detection peeked at before the rest of r.
type prefixReader struct {
	r   io.Reader
	buf []byte
	off int
}

// peek returns the first n bytes, reading until they have arrived.
func (p *prefixReader) peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		if cap(p.buf) < n {
			nb := make([]byte, len(p.buf), 8)
			copy(nb, p.buf)
			p.buf = nb
		}
		m, err := p.r.Read(p.buf[len(p.buf):n])
		p.buf = p.buf[:len(p.buf)+m]
		if err != nil {
			if len(p.buf) > 0 && err == io.EOF {
				err = protoErr(KindInvalidData, "connection closed after "+strconv.Itoa(len(p.buf))+" bytes, before its protocol could be told", io.ErrUnexpectedEOF)
			}
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if p.off < len(p.buf) {
		n := copy(b, p.buf[p.off:])
		p.off += n
		return n, nil
	}
	return p.r.Read(b)
}

// detected is what the first bytes of a connection said.
type detected struct {
	transport Transport
	protocol  Protocol
	zlib      bool
}

func (d detected) String() string {
	s := d.protocol.String() + "/" + d.transport.String()
	if d.transport == Header {
		s = "header"
	}
	if d.zlib {
		s += "+zlib"
	}
	return s
}

// errUndetected is the error of first bytes that name no known protocol.
func errUndetected(what string, b []byte) error {
	return protoErr(KindInvalidData, "protocol detection: "+what+" (first bytes"+hexBytes(b)+")", nil)
}

func hexBytes(b []byte) string {
	const digits = "0123456789abcdef"
	s := make([]byte, 0, 3*len(b))
	for _, c := range b {
		s = append(s, ' ', digits[c>>4], digits[c&15])
	}
	return string(s)
}

// unframedStart tells the protocol of an unframed message from its first
// two bytes.
func unframedStart(b []byte) (Protocol, bool) {
	switch {
	case b[0] == 0x80 && b[1] == 0x01:
		return Binary, true
	case b[0] == compactProtocolID && b[1]&0x1f == 1:
		return Compact, true
	case b[0] == '[' && b[1] == '1':
		return JSON, true
	}
	return 0, false
}

func isZlibHeader(b []byte) bool {
	return checkZlibHeader([2]byte{b[0], b[1]}) == nil
}

// detectIn reads the first bytes of r. Inside a zlib stream, zlib is not
// detected again; inside zlib carried in frames, messages are unframed.
func detectIn(r *prefixReader, maxSize int, inZlib, unframedOnly bool) (detected, error) {
	b, err := r.peek(2)
	if err != nil {
		return detected{}, err
	}
	if p, ok := unframedStart(b); ok {
		return detected{transport: Buffered, protocol: p}, nil
	}
	if !inZlib && isZlibHeader(b) {
		return detected{transport: Buffered, zlib: true}, nil
	}
	if unframedOnly || b[0] == 0x80 || b[0] == compactProtocolID || b[0] == '[' {
		return detected{}, errUndetected("not a strict binary, compact or JSON message", b)
	}
	if b, err = r.peek(6); err != nil {
		return detected{}, err
	}
	size := int(int32(binary.BigEndian.Uint32(b)))
	if size < 2 || size > maxSize {
		return detected{}, errUndetected("not a message, nor a frame within the size limit", b)
	}
	if p, ok := unframedStart(b[4:]); ok {
		return detected{transport: Framed, protocol: p}, nil
	}
	switch {
	case binary.BigEndian.Uint16(b[4:]) == headerMagic:
		return detected{transport: Header}, nil
	case !inZlib && isZlibHeader(b[4:]):
		return detected{transport: Framed, zlib: true}, nil
	}
	return detected{}, errUndetected("a frame of no known protocol", b)
}

// detectProtocol reads the first bytes of a connection from r (writing to
// w) and returns what it speaks, with the reader and writer the wire must
// use: r with the peeked bytes put back, wrapped in zlib when it was
// detected.
func detectProtocol(r io.Reader, w io.Writer, lim Limits) (detected, io.Reader, io.Writer, error) {
	lim = lim.withDefaults()
	pr := &prefixReader{r: r}
	d, err := detectIn(pr, lim.MaxMessageSize, false, false)
	if err != nil || !d.zlib {
		return d, pr, w, err
	}
	_, zr, zw := zlibLayer(d.transport, pr, w, lim)
	inner := &prefixReader{r: zr}
	in, err := detectIn(inner, lim.MaxMessageSize, true, d.transport == Framed)
	in.zlib = true
	return in, inner, zw, err
}
