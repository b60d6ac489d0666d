package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// HTTPHandler serves a Processor over HTTP as an http.Handler, so that it
// mounts in any net/http server, behind any middleware:
//
//	h := &runtime.HTTPHandler{Handler: calculator.NewCalculatorProcessor(impl)}
//	mux.Handle("/calculator", authMiddleware(h))
//
// Each request is a POST whose body is one message (see http.go); the
// reply is the body of a 200 response. What can be told in HTTP is told
// in HTTP: a method other than POST gets 405 with Allow: POST, a content
// type that is not Thrift's 415, a body over Limits.MaxMessageSize 413,
// one not read within ReadTimeout 408, and a body whose message header
// cannot be decoded 400. Once the message header is known, errors are
// Thrift's own: an unknown method gets UNKNOWN_METHOD, undecodable
// arguments PROTOCOL_ERROR, handler errors and panics the same exceptions
// Server sends (with the same hiding of error text, see
// ExposeHandlerErrors), all inside a 200 as Apache's servers do.
//
// A handler's context carries the request's context (cancelled when the
// client goes away), the Peer (the remote address and, over HTTPS, the
// verified client certificate and SPIFFE ID from r.TLS), and every request
// header (RequestHeaders, names lowercased); SetResponseHeader sets
// response headers. A oneway call is answered (200, empty body) before its
// handler runs, as Apache's THttpServer does, so its handler's context is
// not cancelled when the client leaves and its response headers are not
// sent.
//
// TLS, connection limits and header timeouts are the http.Server's
// business: NewHTTPServer returns one with safe settings. The zero value
// plus Handler is ready to use; fields must not change once ServeHTTP has
// been called.
type HTTPHandler struct {
	// Handler dispatches calls by method name. Required.
	Handler *Processor

	// Protocol is the encoding of requests and replies: Binary (the zero
	// value), Compact or JSON.
	Protocol Protocol
	// DetectProtocol serves each request in the protocol its first byte
	// shows (binary 0x80, compact 0x82, JSON '['), replying in kind,
	// instead of Protocol alone. The three cannot be confused: each of
	// those bytes starts no valid message of the other two.
	DetectProtocol bool

	// Header makes each body one THeader frame (Apache's THeaderProtocol
	// over HTTP) carrying Binary or Compact; replies use the request's.
	// Its info headers join the HTTP headers in RequestHeaders, and
	// SetResponseHeader values go into the reply's frame as well as its
	// HTTP headers. As on a connection, plain binary and compact messages
	// are served too (framed or, the HTTP body delimiting them, not). With DetectProtocol, a body whose first byte is 0
	// (a frame under 16 MiB) is taken for a header frame.
	Header bool

	// Limits bounds every request; the zero value means DefaultLimits.
	// Limits.MaxMessageSize bounds the body (http.MaxBytesReader), and
	// replies, which are never sent larger.
	Limits Limits

	// ReadTimeout bounds reading a request's body, from when the
	// handler starts, so that a client trickling bytes cannot hold a
	// handler goroutine. Zero means DefaultReadTimeout (30s); negative
	// means no limit (the http.Server's own ReadTimeout still applies).
	ReadTimeout time.Duration

	// MaxInflightBytes is Server.MaxInflightBytes for this handler: the
	// bytes of request bodies being read (counted twice: as read, and as
	// decoded) plus the replies being written, across all requests, the
	// first 64 KiB of each request and reply not counted. A request that
	// cannot get budget within its ReadTimeout gets 503, so a flood of
	// large bodies over many connections waits instead of exhausting
	// memory. Zero means DefaultMaxInflightBytes (256 MiB); negative
	// means no limit.
	MaxInflightBytes int64

	// ExposeHandlerErrors is Server.ExposeHandlerErrors.
	ExposeHandlerErrors bool

	// Logger receives handler panics and failures at Error, and bad
	// requests at Debug. Nil means slog.Default().
	Logger *slog.Logger

	// Interceptors wrap every call, the first outermost.
	Interceptors []ServerInterceptor

	once   sync.Once
	cfg    *httpConfig
	cfgErr error
}

// httpConfig is an HTTPHandler's fields resolved once.
type httpConfig struct {
	dispatch
	protocol Protocol
	detect   bool
	header   bool
	lim      Limits
	read     time.Duration
	codecs   [JSON + 1]bodyCodecs
	headers  bodyCodecs // the Header transport's
	budget   *budget    // nil: no limit
}

func (h *HTTPHandler) config() (*httpConfig, error) {
	h.once.Do(func() {
		if h.Handler == nil {
			h.cfgErr = errors.New("thrift: HTTPHandler.Handler is nil")
			return
		}
		if !h.Protocol.valid() {
			h.cfgErr = fmt.Errorf("thrift: HTTPHandler.Protocol %v is not Binary, Compact or JSON", h.Protocol)
			return
		}
		if h.Header && h.Protocol == JSON {
			h.cfgErr = errors.New("thrift: the Header transport carries Binary or Compact, not JSON")
			return
		}
		c := &httpConfig{
			dispatch: newDispatch(h.Handler, h.Interceptors, h.ExposeHandlerErrors, h.Logger),
			protocol: h.Protocol,
			detect:   h.DetectProtocol,
			header:   h.Header,
			lim:      h.Limits.withDefaults(),
			read:     orDuration(h.ReadTimeout, DefaultReadTimeout),
		}
		for p := range c.codecs {
			c.codecs[p].t, c.codecs[p].p, c.codecs[p].lim = Buffered, Protocol(p), c.lim
		}
		c.headers.t, c.headers.lim = Header, c.lim
		switch b := h.MaxInflightBytes; {
		case b == 0:
			c.budget = newBudget(DefaultMaxInflightBytes)
		case b > 0:
			c.budget = newBudget(b)
		}
		h.cfg = c
	})
	return h.cfg, h.cfgErr
}

// ServeHTTP serves one call.
func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg, err := h.config()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "thrift: calls are POST requests", http.StatusMethodNotAllowed)
		return
	}
	if !thriftMediaType(r.Header.Get("Content-Type"), cfg.protocol, cfg.detect) {
		http.Error(w, "thrift: Content-Type must be "+HTTPContentType, http.StatusUnsupportedMediaType)
		return
	}
	max := cfg.lim.MaxMessageSize
	if r.ContentLength > int64(max) {
		// Refused before a byte of it is read.
		cfg.debug(r, "thrift: request body over the message size limit", "content_length", r.ContentLength)
		http.Error(w, "thrift: request body exceeds the message size limit of "+strconv.Itoa(max)+" bytes", http.StatusRequestEntityTooLarge)
		return
	}
	var bc *bodyCodec
	charge := &budgetReader{b: cfg.budget}
	body, status, err := cfg.readBody(w, r, &bc, charge)
	defer func() {
		charge.release()
		if bc != nil {
			bc.from.put(bc)
		}
	}()
	if err != nil {
		cfg.debug(r, "thrift: request body not read", "error", err)
		http.Error(w, "thrift: "+err.Error(), status)
		return
	}
	bc.charge = charge
	cfg.serve(w, r, bc, body)
}

// budgetReader draws the bytes read through it, beyond connAllowance,
// twice from the handler's memory budget (once as read, once as decoded),
// waiting for them no later than deadline.
type budgetReader struct {
	r        io.Reader
	b        *budget // nil: no limit
	deadline time.Time
	n, held  int64
}

func (br *budgetReader) Read(p []byte) (int, error) {
	n, err := br.r.Read(p)
	br.n += int64(n)
	if err := br.charge(2 * (br.n - connAllowance)); err != nil {
		return n, err
	}
	return n, err
}

// charge brings what br holds up to want bytes.
func (br *budgetReader) charge(want int64) error {
	if br.b == nil || want <= br.held {
		return nil
	}
	if want > br.b.total {
		return errBudget // more than the whole budget: never granted
	}
	if err := br.b.acquire(want-br.held, br.deadline); err != nil {
		return err
	}
	br.held = want
	return nil
}

// more draws n bytes more (if n > 0), waiting no later than deadline.
func (br *budgetReader) more(n int64, deadline time.Time) error {
	if br.b == nil || n <= 0 {
		return nil
	}
	if err := br.b.acquire(n, deadline); err != nil {
		return err
	}
	br.held += n
	return nil
}

func (br *budgetReader) release() {
	if br.b != nil {
		br.b.release(br.held)
	}
	br.held = 0
}

// readBody reads the request body, bounded by MaxMessageSize and
// ReadTimeout, into a pooled codec of the request's protocol (set in *bc,
// for the caller to return). On failure it returns the HTTP status to
// answer.
func (c *httpConfig) readBody(w http.ResponseWriter, r *http.Request, bc **bodyCodec, charge *budgetReader) ([]byte, int, error) {
	rc := http.NewResponseController(w)
	// A budget wait ends with the read, or within the default when
	// reads are unbounded, so that no request waits for ever.
	charge.deadline = time.Now().Add(DefaultReadTimeout)
	if c.read > 0 {
		charge.deadline = time.Now().Add(c.read)
		// ErrNotSupported (a ResponseWriter that is not net/http's)
		// leaves only the http.Server's own timeouts.
		_ = rc.SetReadDeadline(charge.deadline)
		defer rc.SetReadDeadline(time.Time{})
	}
	charge.r = http.MaxBytesReader(w, r.Body, int64(c.lim.MaxMessageSize))
	rd := io.Reader(charge)
	var first [1]byte
	n, err := io.ReadFull(rd, first[:])
	if n == 0 {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, http.StatusBadRequest, errors.New("empty request body")
		}
		return nil, bodyStatus(err), err
	}
	pool := &c.codecs[c.protocol]
	if c.header {
		pool = &c.headers
	}
	switch {
	case c.detect:
		switch first[0] {
		case 0x80:
			pool = &c.codecs[Binary]
		case compactProtocolID:
			pool = &c.codecs[Compact]
		case '[':
			pool = &c.codecs[JSON]
		case 0:
			pool = &c.headers
		default:
			return nil, http.StatusBadRequest, fmt.Errorf("request body starts with 0x%02x, which begins no binary, compact, JSON or header message", first[0])
		}
	case c.header && first[0] == 0x80:
		pool = &c.codecs[Binary] // the plain clients a header server also serves
	case c.header && first[0] == compactProtocolID:
		pool = &c.codecs[Compact]
	}
	*bc = pool.get()
	buf := &(*bc).buf
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	buf.WriteByte(first[0])
	if _, err := buf.ReadFrom(rd); err != nil {
		return nil, bodyStatus(err), err
	}
	return buf.Bytes(), 0, nil
}

// bodyStatus is the HTTP status for a body that could not be read.
func bodyStatus(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case isTimeout(err):
		return http.StatusRequestTimeout
	case errors.Is(err, errBudget):
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// serve decodes the call in body, runs it and writes the reply.
func (c *httpConfig) serve(w http.ResponseWriter, r *http.Request, bc *bodyCodec, body []byte) {
	name, typ, seq, err := bc.read(body)
	if err == nil {
		// The binary form of a compact or JSON body can be several
		// times its size.
		err = bc.charge.more(int64(bc.w.transcoded)-connAllowance, bc.charge.deadline)
	}
	if errors.Is(err, errBudget) {
		http.Error(w, "thrift: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		// Without a name and sequence id no exception can be addressed.
		c.debug(r, "thrift: bad message header", "error", err)
		http.Error(w, "thrift: undecodable message: "+err.Error(), http.StatusBadRequest)
		return
	}
	dec := bc.w.dec
	if typ != MessageCall && typ != MessageOneway {
		c.reply(w, r, bc, name, seq, nil, NewApplicationError(ExceptionInvalidMessageType, "%s: expected a call or oneway message, got %v", name, typ), nil)
		return
	}
	m := c.handler.Method(name)
	if m == nil {
		if err := dec.Skip(TypeStruct); err != nil {
			c.argsFailed(w, r, bc, name, typ, seq, nil, err)
			return
		}
		if typ == MessageOneway {
			writeOnewayOK(w)
			return
		}
		c.debug(r, "thrift: unknown method", "method", name)
		c.reply(w, r, bc, name, seq, nil, NewApplicationError(ExceptionUnknownMethod, "unknown method %s", name), nil)
		return
	}
	args := m.NewArgs()
	if err := args.Decode(dec); err != nil {
		c.argsFailed(w, r, bc, name, typ, seq, m, err)
		return
	}
	peer := httpPeer(r)
	hdrs := &callHeaders{received: mergeHeaders(headerMap(r.Header), bc.infoHeaders())}
	ctx := context.WithValue(withPeer(r.Context(), peer), headersKey{}, hdrs)
	if m.Oneway || typ == MessageOneway {
		// Answered first, as Apache's THttpServer does: the client
		// waits for nothing, so its leaving must not cancel the call.
		writeOnewayOK(w)
		if _, err := c.invoke(context.WithoutCancel(ctx), m, name, true, args, peer); err != nil {
			c.debug(r, "thrift: oneway call failed", "method", name, "error", err)
		}
		return
	}
	res, err := c.invoke(ctx, m, name, false, args, peer)
	c.setHeaders(w, r, hdrs.send)
	switch {
	case r.Context().Err() != nil:
		// The client went away: nobody to reply to.
	case err == nil && res == nil:
		c.reply(w, r, bc, name, seq, nil, NewApplicationError(ExceptionInternalError, "%s: handler returned no result", name), hdrs.send)
	case err == nil:
		c.reply(w, r, bc, name, seq, res, nil, hdrs.send)
	default:
		c.reply(w, r, bc, name, seq, nil, c.clientError(name, err, peer.Addr), hdrs.send)
	}
}

// argsFailed answers arguments that could not be decoded: PROTOCOL_ERROR
// when the client waits for a reply, 400 otherwise.
func (c *httpConfig) argsFailed(w http.ResponseWriter, r *http.Request, bc *bodyCodec, name string, typ MessageType, seq int32, m *Method, err error) {
	c.debug(r, "thrift: undecodable arguments", "method", name, "error", err)
	if typ == MessageOneway || (m != nil && m.Oneway) {
		http.Error(w, "thrift: undecodable oneway arguments: "+err.Error(), http.StatusBadRequest)
		return
	}
	c.reply(w, r, bc, name, seq, nil, NewApplicationError(ExceptionProtocolError, "%s: %v", name, err), nil)
}

// reply writes res as a REPLY, or ae as an EXCEPTION, in a 200 response;
// send are the Header transport's info headers for it.
func (c *httpConfig) reply(w http.ResponseWriter, r *http.Request, bc *bodyCodec, name string, seq int32, res Struct, ae *ApplicationError, send map[string]string) {
	var out []byte
	var err error
	if ae == nil {
		out, err = bc.write(name, MessageReply, seq, res, send)
		if err != nil {
			ae = c.replyFailed(name, err, httpPeer(r).Addr)
		}
	}
	if ae != nil {
		out, _ = bc.write(name, MessageException, seq, ae, send) // fits: the name was read under the same limit
	}
	if ch := bc.charge; ch != nil {
		if err := ch.more(int64(len(out))-connAllowance-ch.held, time.Now().Add(DefaultWriteTimeout)); err != nil {
			c.logger.Warn("thrift: reply dropped: HTTPHandler memory budget (MaxInflightBytes) exhausted", "peer", r.RemoteAddr, "method", name)
			http.Error(w, "thrift: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", HTTPContentType)
	hd.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(out); err != nil {
		c.debug(r, "thrift: writing reply failed", "error", err)
	}
}

// setHeaders copies a handler's SetResponseHeader values into the
// response, leaving out those that would break it.
func (c *httpConfig) setHeaders(w http.ResponseWriter, r *http.Request, send map[string]string) {
	for k, v := range send {
		if reservedHeader(k) || !validHeader(k, v) {
			c.debug(r, "thrift: response header not set", "header", k)
			continue
		}
		w.Header().Set(k, v)
	}
}

func writeOnewayOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", HTTPContentType)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	http.NewResponseController(w).Flush()
}

func (c *httpConfig) debug(r *http.Request, msg string, args ...any) {
	if c.logger.Enabled(r.Context(), slog.LevelDebug) {
		c.logger.Debug(msg, append(args, "peer", r.RemoteAddr)...)
	}
}

// httpPeer is the Peer of a request: its remote address and, over TLS,
// what the handshake proved.
func httpPeer(r *http.Request) *Peer {
	var addr net.Addr = dialAddr(r.RemoteAddr)
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		addr = net.TCPAddrFromAddrPort(ap)
	}
	return newPeer(addr, r.TLS)
}

// Defaults of the http.Server NewHTTPServer returns.
const (
	DefaultHTTPReadHeaderTimeout = 10 * time.Second
	DefaultHTTPMaxHeaderBytes    = 64 << 10
)

// NewHTTPServer returns an http.Server that serves h over TLS with safe
// settings: tlsConfig hardened by SecureServerTLS (a copy; tlsConfig is
// never modified) offering HTTP/2 and HTTP/1.1 by ALPN, headers read
// within DefaultHTTPReadHeaderTimeout and bounded by
// DefaultHTTPMaxHeaderBytes, idle connections closed after
// DefaultIdleTimeout, at most DefaultHTTPMaxConns connections open at once
// (LimitHTTPConns says how to choose another cap). Serve it with srv.ServeTLS(ln, "", "") or
// srv.ListenAndServeTLS("", ""); stop it with Shutdown. With mutual TLS
// (ServerTLSConfig with client CAs) handlers see the client's verified
// identity in PeerFromContext.
func NewHTTPServer(h http.Handler, tlsConfig *tls.Config) (*http.Server, error) {
	if tlsConfig == nil {
		return nil, errors.New("thrift: NewHTTPServer needs a TLS config; use NewPlaintextHTTPServer to serve unencrypted HTTP")
	}
	t := tlsConfig
	if len(t.Certificates) == 0 && t.GetCertificate == nil && t.GetConfigForClient == nil {
		return nil, errors.New("thrift: NewHTTPServer's TLS config has no certificate (Certificates, GetCertificate or GetConfigForClient)")
	}
	srv := NewPlaintextHTTPServer(h)
	srv.TLSConfig = SecureServerTLS(t)
	if len(srv.TLSConfig.NextProtos) == 0 {
		srv.TLSConfig.NextProtos = []string{"h2", "http/1.1"}
	}
	return srv, nil
}

// NewPlaintextHTTPServer is NewHTTPServer without TLS, chosen by name:
// serve it with srv.Serve(ln) or srv.ListenAndServe().
func NewPlaintextHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: DefaultHTTPReadHeaderTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultHTTPMaxHeaderBytes,
		ConnState:         LimitHTTPConns(DefaultHTTPMaxConns, nil),
	}
}
