package runtime

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// Thrift over HTTP, as Apache's THttpClient and THttpServer (and the Go
// library's NewThriftHandlerFunc) speak it: every call is one POST whose
// body is exactly one message in the chosen protocol (no frame: the HTTP
// body delimits it), and the reply is the 200 response's body. A oneway
// call gets a 200 with an empty body. The content type is
// application/x-thrift whatever the protocol, which is what every Apache
// client sends; a server also accepts the newer
// application/vnd.apache.thrift.{binary,compact,json} and, for JSON,
// application/json.
//
// Per-call headers (WithHeaders, RequestHeaders, SetResponseHeader) are
// HTTP headers here: a client's WithHeaders map goes out as request
// headers and the response's headers come back into its received map; a
// handler sees every request header with a lowercased name and sets
// response headers with SetResponseHeader. The client side is
// httpclient.go, the server side httpserver.go.

// HTTPContentType is the Content-Type of Thrift requests and replies.
const HTTPContentType = "application/x-thrift"

// thriftMediaType reports whether the Content-Type ct names a Thrift body
// a server speaking p (or, with any, any protocol) may read.
func thriftMediaType(ct string, p Protocol, any bool) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case HTTPContentType:
		return true
	case "application/vnd.apache.thrift.binary":
		return any || p == Binary
	case "application/vnd.apache.thrift.compact":
		return any || p == Compact
	case "application/vnd.apache.thrift.json", "application/json":
		return any || p == JSON
	}
	return false
}

// bodyCodec reads and writes one whole message per HTTP body, through the
// same wire (and so the same transcoding and limits) as a connection.
// Bodies are in memory by the time they are decoded, so the wire's
// decoders are reset onto them rather than streaming. With the Header
// transport (Apache's THeaderProtocol over HTTP) each body is one header
// frame, read through the wire's frame reader.
type bodyCodec struct {
	w    *wire
	from *bodyCodecs // the pool it goes back to
	// charge is the server's memory budget held for the request being
	// served; nil on the client.
	charge *budgetReader
	r      bytes.Reader // the body, for the Header transport's frame reader
	buf    bytes.Buffer // the body read, reused
}

func newBodyCodec(t Transport, p Protocol, lim Limits) *bodyCodec {
	bc := &bodyCodec{}
	if t == Header {
		bc.w = newWire(Header, p, &bc.r, nil, lim)
	} else {
		bc.w = newWire(Buffered, p, nil, nil, lim)
	}
	return bc
}

// read decodes the message header of body, leaving the wire's decoder at
// the start of the message's struct.
func (bc *bodyCodec) read(body []byte) (string, MessageType, int32, error) {
	w := bc.w
	switch {
	case w.hdr != nil:
		bc.r.Reset(body)
		w.br.Reset(&bc.r)
		return w.readMessageBegin()
	case w.pw != nil:
		w.pw.src.Reset(body)
		if err := w.pw.toBinary(w); err != nil {
			return "", 0, 0, err
		}
	default:
		w.dec.Reset(body)
	}
	return w.dec.ReadMessageBegin()
}

// write encodes a whole message and returns its wire bytes, valid until
// the next use of bc. info are the Header transport's info headers.
func (bc *bodyCodec) write(name string, typ MessageType, seq int32, s Struct, info map[string]string) ([]byte, error) {
	if bc.w.hdr != nil {
		bc.w.hdr.send = info
	}
	if err := bc.w.encodeMessage(name, typ, seq, s); err != nil {
		return nil, err
	}
	return bc.w.encoded(), nil
}

// infoHeaders returns the Header transport's info headers of the last
// message read, or nil.
func (bc *bodyCodec) infoHeaders() map[string]string {
	if bc.w.hdr != nil {
		return bc.w.hdr.recvd
	}
	return nil
}

// release drops what bc should not keep in a pool: a large body buffer
// and the references into the last body.
func (bc *bodyCodec) release() {
	if bc.buf.Cap() > maxKeptWriteBuf {
		bc.buf = bytes.Buffer{}
	}
	bc.buf.Reset()
	bc.charge = nil
	bc.w.dec.Reset(nil)
	if bc.w.pw != nil {
		bc.w.pw.src.Reset(nil)
	}
	if h := bc.w.hdr; h != nil {
		bc.r.Reset(nil)
		h.recvd, h.send = nil, nil
	}
}

// bodyCodecs pools bodyCodecs of one transport, protocol and set of
// limits.
type bodyCodecs struct {
	t    Transport
	p    Protocol
	lim  Limits
	pool sync.Pool
}

func (b *bodyCodecs) get() *bodyCodec {
	if bc, ok := b.pool.Get().(*bodyCodec); ok {
		return bc
	}
	bc := newBodyCodec(b.t, b.p, b.lim)
	bc.from = b
	return bc
}

func (b *bodyCodecs) put(bc *bodyCodec) {
	bc.release()
	b.pool.Put(bc)
}

// mergeHeaders returns a with b's entries added over it (either may be
// nil; neither is modified).
func mergeHeaders(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// headerMap turns HTTP headers into the map RequestHeaders (and a
// client's received map) holds: names lowercased, repeated values joined
// with ", " as RFC 9110 allows.
func headerMap(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	m := make(map[string]string, len(h))
	for k, v := range h {
		m[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return m
}

// reservedHeader reports headers that describe the HTTP message itself,
// which the transport sets: a handler's or caller's value for them would
// corrupt the exchange.
func reservedHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding",
		"Connection", "Keep-Alive", "Upgrade", "Te", "Trailer", "Host":
		return true
	}
	return false
}

// validHeader reports whether name is an RFC 9110 token and value has no
// control characters other than tab, so that neither can split a header.
func validHeader(name, value string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
