package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is what Serve and ListenAndServe return after Shutdown or
// Close.
var ErrServerClosed = errors.New("thrift: server closed")

// Defaults of the Server fields left zero.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultIdleTimeout      = 2 * time.Minute
	DefaultReadTimeout      = 30 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultMaxConns         = 1024
)

// Server serves a Processor over TLS (or, when asked by name, plaintext
// TCP), speaking the binary protocol over the framed or buffered transport.
// It is shaped like net/http.Server: set the fields, then call Serve or
// ListenAndServe; stop it with Shutdown or Close.
//
//	srv := &runtime.Server{Handler: proc, TLSConfig: serverTLS}
//	go srv.ListenAndServe("127.0.0.1:9090")
//	defer srv.Shutdown(ctx)
//
// The zero value (plus Handler and TLSConfig) is ready to use. Fields must
// not change once Serve has been called.
//
// Each connection is served by one goroutine, which reads requests in
// order; a handler runs in a goroutine of its own, one at a time per
// connection, so that the reader notices a client that goes away (its
// handler's context is then cancelled) and replies keep the order of
// requests, as Apache's clients expect.
type Server struct {
	// Handler dispatches calls by method name. Required.
	Handler *Processor

	// TLSConfig is the server's TLS configuration (see ServerTLSConfig
	// and ServerTLSFromFiles). Serve uses a copy hardened by
	// SecureServerTLS; the value itself is never modified. Required
	// unless Plaintext is set.
	TLSConfig *tls.Config

	// Plaintext serves unencrypted TCP. It must be set by name: a Server
	// with neither TLSConfig nor Plaintext refuses to serve, so a missing
	// certificate never silently turns into cleartext. Setting both is an
	// error too.
	Plaintext bool

	// Transport is the message framing: Framed (the zero value) or
	// Buffered. Clients must use the same.
	Transport Transport
	// Protocol is the encoding: Binary (the zero value), Compact or JSON;
	// clients must use the same.
	Protocol Protocol

	// Limits bounds every message a client sends; the zero value means
	// DefaultLimits. Limits.MaxMessageSize is also the largest frame.
	Limits Limits

	// HandshakeTimeout bounds the TLS handshake, counted from accept, so
	// that a connection that never sends a ClientHello is closed. Zero
	// means DefaultHandshakeTimeout (10s); negative means no limit.
	HandshakeTimeout time.Duration

	// IdleTimeout is how long a connection may wait for the first byte of
	// its next request before it is closed. Zero means DefaultIdleTimeout
	// (2m); negative means no limit.
	IdleTimeout time.Duration

	// ReadTimeout bounds the reading of one request from its first byte
	// to its last, so that a peer trickling bytes cannot hold a
	// connection. Zero means DefaultReadTimeout (30s); negative means no
	// limit.
	ReadTimeout time.Duration

	// WriteTimeout bounds the writing of one reply. Zero means
	// DefaultWriteTimeout (30s); negative means no limit.
	WriteTimeout time.Duration

	// MaxConns is the most connections served at once, counting those
	// still in their handshake. A connection beyond it is closed as soon
	// as it is accepted, and the server goes on accepting. Zero means
	// DefaultMaxConns (1024); negative means no limit.
	MaxConns int

	// Logger receives the server's own messages: handler panics at
	// Error, refused connections at Warn (at most one line a second),
	// broken and hostile connections at Debug, so a flood of bad
	// connections does not flood the log. Nil means slog.Default().
	Logger *slog.Logger

	// Interceptors wrap every call, the first outermost.
	Interceptors []ServerInterceptor

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*serverConn]struct{}
	baseCtx   context.Context
	cancel    context.CancelFunc
	allGone   chan struct{} // closed when conns empties after Shutdown
	goneDone  bool
	shutting  atomic.Bool
	lastWarn  atomic.Int64 // unix nanos of the last refusal warning
}

// serverConfig is a Server's fields resolved once per Serve: defaults
// applied, TLS hardened.
type serverConfig struct {
	tls          *tls.Config // nil for plaintext
	transport    Transport
	protocol     Protocol
	lim          Limits
	handshake    time.Duration // <= 0: none
	idle         time.Duration
	read         time.Duration
	write        time.Duration
	maxConns     int // <= 0: none
	logger       *slog.Logger
	handler      *Processor
	interceptors []ServerInterceptor
}

func orDuration(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

func (s *Server) config() (*serverConfig, error) {
	if s.Handler == nil {
		return nil, errors.New("thrift: Server.Handler is nil")
	}
	if !s.Transport.valid() {
		return nil, fmt.Errorf("thrift: Server.Transport %v is not Framed or Buffered", s.Transport)
	}
	if !s.Protocol.valid() {
		return nil, fmt.Errorf("thrift: Server.Protocol %v is not Binary, Compact or JSON", s.Protocol)
	}
	c := &serverConfig{
		transport:    s.Transport,
		protocol:     s.Protocol,
		lim:          s.Limits.withDefaults(),
		handshake:    orDuration(s.HandshakeTimeout, DefaultHandshakeTimeout),
		idle:         orDuration(s.IdleTimeout, DefaultIdleTimeout),
		read:         orDuration(s.ReadTimeout, DefaultReadTimeout),
		write:        orDuration(s.WriteTimeout, DefaultWriteTimeout),
		maxConns:     s.MaxConns,
		logger:       s.Logger,
		handler:      s.Handler,
		interceptors: append([]ServerInterceptor(nil), s.Interceptors...),
	}
	if c.maxConns == 0 {
		c.maxConns = DefaultMaxConns
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	switch {
	case s.Plaintext && s.TLSConfig != nil:
		return nil, errors.New("thrift: Server has both TLSConfig and Plaintext set; choose one")
	case s.Plaintext:
	case s.TLSConfig == nil:
		return nil, errors.New("thrift: Server.TLSConfig is nil; set it, or set Plaintext to serve unencrypted TCP")
	default:
		t := s.TLSConfig
		if len(t.Certificates) == 0 && t.GetCertificate == nil && t.GetConfigForClient == nil {
			return nil, errors.New("thrift: Server.TLSConfig has no certificate (Certificates, GetCertificate or GetConfigForClient)")
		}
		c.tls = SecureServerTLS(t)
	}
	return c, nil
}

// init sets up the server's shared state. Called with mu held.
func (s *Server) init() {
	if s.baseCtx == nil {
		s.baseCtx, s.cancel = context.WithCancel(context.Background())
		s.listeners = map[*net.Listener]struct{}{}
		s.conns = map[*serverConn]struct{}{}
	}
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	if s.shutting.Load() {
		return ErrServerClosed
	}
	if _, err := s.config(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln and serves each in its own goroutine. It
// always returns a non-nil error and closes ln: ErrServerClosed after
// Shutdown or Close, a configuration error at once, or the error that
// stopped Accept. Temporary accept errors (out of file descriptors, say)
// are waited out with a growing pause, as net/http does.
//
// Serve may be called on several listeners at once. A Server that was shut
// down or closed stays closed (Serve returns ErrServerClosed); to serve
// again, for example on the same address after a restart, use a new
// Server.
func (s *Server) Serve(ln net.Listener) error {
	defer ln.Close()
	cfg, err := s.config()
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.init()
	s.listeners[&ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, &ln)
		s.mu.Unlock()
	}()

	var pause time.Duration
	for {
		raw, err := ln.Accept()
		if err != nil {
			if s.shutting.Load() {
				return ErrServerClosed
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				cfg.logger.Warn("thrift: accept failed; retrying", "error", err, "pause", pause)
				time.Sleep(pause)
				continue
			}
			return err
		}
		pause = 0
		if c := s.newConn(raw, cfg); c != nil {
			go c.serve()
		}
	}
}

// newConn registers a new connection, or closes it and returns nil when
// the server is at MaxConns or shutting down.
func (s *Server) newConn(raw net.Conn, cfg *serverConfig) *serverConn {
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		raw.Close()
		return nil
	}
	if cfg.maxConns > 0 && len(s.conns) >= cfg.maxConns {
		s.mu.Unlock()
		raw.Close()
		s.warnRefusal(cfg, raw.RemoteAddr())
		return nil
	}
	ctx, cancel := context.WithCancel(s.baseCtx)
	c := &serverConn{srv: s, cfg: cfg, raw: raw, ctx: ctx, cancel: cancel, done: make(chan struct{}, 1)}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	return c
}

// warnRefusal logs a connection refused over MaxConns, at most once a
// second, so that a flood of connections does not become a flood of logs.
func (s *Server) warnRefusal(cfg *serverConfig, addr net.Addr) {
	now := time.Now().UnixNano()
	last := s.lastWarn.Load()
	if now-last < int64(time.Second) || !s.lastWarn.CompareAndSwap(last, now) {
		cfg.logger.Debug("thrift: connection refused: MaxConns reached", "peer", addr.String(), "max_conns", cfg.maxConns)
		return
	}
	cfg.logger.Warn("thrift: connection refused: MaxConns reached", "peer", addr.String(), "max_conns", cfg.maxConns)
}

func (s *Server) removeConn(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	if s.allGone != nil && len(s.conns) == 0 && !s.goneDone {
		s.goneDone = true
		close(s.allGone)
	}
	s.mu.Unlock()
}

// closeListeners closes every listener Serve is using. Called with mu held.
func (s *Server) closeListeners() error {
	var first error
	for ln := range s.listeners {
		if err := (*ln).Close(); err != nil && first == nil && !errors.Is(err, net.ErrClosed) {
			first = err
		}
	}
	return first
}

// Shutdown stops the server gracefully: it closes the listeners (new
// connections are refused), closes connections that are idle (no request
// begun, including those still in their TLS handshake), lets calls
// in flight run to the end and send their replies, closing each
// connection after its last reply, and returns once every connection is
// gone. If ctx ends first it returns ctx.Err(); the connections still open
// then stay open (call Close to drop them). Handlers' contexts are not
// cancelled by Shutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutting.Store(true)
	s.init()
	err := s.closeListeners()
	if s.allGone == nil {
		s.allGone = make(chan struct{})
		if len(s.conns) == 0 {
			s.goneDone = true
			close(s.allGone)
		}
	}
	gone := s.allGone
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.closeIfIdle()
	}
	select {
	case <-gone:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the server at once: it closes the listeners and every
// connection, and cancels the contexts of running handlers. It does not
// wait for handlers to return. It returns the error of closing a
// listener, if any.
func (s *Server) Close() error {
	s.mu.Lock()
	s.shutting.Store(true)
	s.init()
	err := s.closeListeners()
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Connections first, then contexts: a handler that stops because its
	// context ended must not get a reply out on a connection that is
	// being closed.
	for _, c := range conns {
		c.forceClose()
	}
	s.cancel()
	return err
}

// serverConn is one accepted connection.
type serverConn struct {
	srv    *Server
	cfg    *serverConfig
	raw    net.Conn // the TCP connection, closed to stop everything
	conn   net.Conn // raw, or the TLS connection over it
	peer   *Peer
	ctx    context.Context // cancelled when the connection ends; carries peer
	cancel context.CancelFunc
	w      *wire

	// done receives one value when a handler goroutine finishes.
	done chan struct{}

	// Owned by the reading goroutine.
	startedLocal bool // a copy of started, to skip the lock on each Read
	pending      bool // a handler goroutine has not been joined yet

	mu       sync.Mutex
	started  bool // bytes of the next request have arrived
	inflight bool // a handler is running or writing its reply
	closed   bool
}

// Read reads from the connection for the wire's decoder, noticing the
// first bytes of a request: from then on ReadTimeout, not IdleTimeout,
// bounds the read.
func (c *serverConn) Read(p []byte) (int, error) {
	n, err := c.conn.Read(p)
	if n > 0 && !c.startedLocal {
		c.markStarted()
	}
	return n, err
}

// markStarted records that a request has begun and arms ReadTimeout.
func (c *serverConn) markStarted() {
	c.startedLocal = true
	c.mu.Lock()
	c.started = true
	c.setReadDeadline(c.cfg.read)
	c.mu.Unlock()
}

// setReadDeadline sets the read deadline d from now, or none for d <= 0.
func (c *serverConn) setReadDeadline(d time.Duration) {
	if d > 0 {
		c.conn.SetReadDeadline(time.Now().Add(d))
	} else {
		c.conn.SetReadDeadline(time.Time{})
	}
}

// beginWait prepares to read the next request. It returns false when the
// server is shutting down and the connection is idle, so it should end.
func (c *serverConn) beginWait() bool {
	c.startedLocal = false
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started = false
	if c.closed {
		return false
	}
	if c.inflight {
		// The handler's time is not the peer's idleness: no deadline
		// until the handler ends (endCall arms IdleTimeout) or a new
		// request begins (markStarted arms ReadTimeout).
		c.conn.SetReadDeadline(time.Time{})
		return true
	}
	if c.srv.shutting.Load() {
		return false
	}
	c.setReadDeadline(c.cfg.idle)
	return true
}

// closeIfIdle closes the connection if it has no request in progress; for
// Shutdown.
func (c *serverConn) closeIfIdle() {
	c.mu.Lock()
	if !c.inflight && !c.started && !c.closed {
		c.closed = true
		c.raw.Close()
	}
	c.mu.Unlock()
}

// forceClose closes the connection whatever it is doing; for Close.
func (c *serverConn) forceClose() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.raw.Close()
}

// logger returns the server logger with the connection's peer.
func (c *serverConn) debug(msg string, args ...any) {
	if !c.cfg.logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	c.cfg.logger.Debug(msg, append(args, "peer", c.raw.RemoteAddr().String())...)
}

// serve runs the connection: handshake, then requests until the peer
// leaves, misbehaves, or the server stops.
func (c *serverConn) serve() {
	defer c.finish()
	defer func() {
		// Decoding runs generated code; a bug there must cost this
		// connection, not the process.
		if r := recover(); r != nil {
			c.cfg.logger.Error("thrift: panic serving connection", "peer", c.raw.RemoteAddr().String(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if err := c.handshake(); err != nil {
		c.debug("thrift: TLS handshake failed", "error", err)
		return
	}
	c.w = newWire(c.cfg.transport, c.cfg.protocol, c, c.conn, c.cfg.lim)
	for {
		if !c.beginWait() {
			return
		}
		name, typ, seq, err := c.w.readMessageBegin()
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.startedLocal {
			// The whole header was already buffered.
			c.markStarted()
		}
		if typ != MessageCall && typ != MessageOneway {
			c.join()
			c.debug("thrift: message of the wrong type from a client", "method", name, "type", typ)
			c.replyError(name, seq, NewApplicationError(ExceptionInvalidMessageType, "%s: expected a call or oneway message, got %v", name, typ))
			return
		}
		m := c.cfg.handler.Method(name)
		if m == nil {
			if err := c.w.dec.Skip(TypeStruct); err != nil {
				c.argsFailed(name, typ, seq, err)
				return
			}
			c.join()
			if typ == MessageCall {
				c.debug("thrift: unknown method", "method", name)
				if !c.replyError(name, seq, NewApplicationError(ExceptionUnknownMethod, "unknown method %s", name)) {
					return
				}
			}
			continue
		}
		args := m.NewArgs()
		if err := args.Decode(c.w.dec); err != nil {
			c.argsFailed(name, typ, seq, err)
			return
		}
		c.join()
		c.mu.Lock()
		closed := c.closed
		c.inflight = !closed
		c.mu.Unlock()
		if closed {
			return
		}
		c.pending = true
		go c.handle(m, name, typ, seq, args)
	}
}

// join waits for the running handler, if any, to finish (and to have
// written its reply).
func (c *serverConn) join() {
	if c.pending {
		<-c.done
		c.pending = false
	}
}

// handshake runs the TLS handshake under HandshakeTimeout and records the
// peer.
func (c *serverConn) handshake() error {
	if c.cfg.tls == nil {
		c.conn = c.raw
		c.peer = newPeer(c.raw.RemoteAddr(), nil)
	} else {
		tc := tls.Server(c.raw, c.cfg.tls)
		c.conn = tc
		if d := c.cfg.handshake; d > 0 {
			c.raw.SetDeadline(time.Now().Add(d))
		}
		if err := tc.HandshakeContext(c.ctx); err != nil {
			return err
		}
		c.raw.SetDeadline(time.Time{})
		st := tc.ConnectionState()
		c.peer = newPeer(c.raw.RemoteAddr(), &st)
	}
	c.ctx = withPeer(c.ctx, c.peer)
	return nil
}

// readFailed handles an error reading a message header. Nothing can be
// replied to: the method name and sequence id are unknown.
func (c *serverConn) readFailed(err error) {
	var pe *ProtocolError
	if errors.As(err, &pe) && !errors.Is(err, io.ErrUnexpectedEOF) {
		// Hostile or broken bytes: let the call in flight answer,
		// then close.
		c.join()
		c.debug("thrift: bad message header; closing", "error", err)
		return
	}
	// The connection itself ended or timed out: a call in flight can no
	// longer be answered, so its handler is told to stop. A oneway call
	// is left to finish; nobody waits for it anyway.
	if c.pending {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		c.cancel()
	}
	c.join()
	switch {
	case errors.Is(err, io.EOF):
	case isTimeout(err):
		c.debug("thrift: connection timed out; closing", "error", err, "request_started", c.startedLocal)
	default:
		c.debug("thrift: connection read failed; closing", "error", err)
	}
}

// argsFailed handles arguments that could not be decoded (or skipped):
// reply PROTOCOL_ERROR if the client waits for a reply, then close, as
// the stream can no longer be trusted.
func (c *serverConn) argsFailed(name string, typ MessageType, seq int32, err error) {
	var pe *ProtocolError
	if !errors.As(err, &pe) || (errors.Is(err, io.ErrUnexpectedEOF) && c.cfg.transport == Buffered) {
		// An I/O error or the stream ending inside the message.
		c.readFailed(err)
		return
	}
	c.join()
	c.debug("thrift: undecodable arguments; closing", "method", name, "error", err)
	if typ == MessageCall {
		if m := c.cfg.handler.Method(name); m == nil || !m.Oneway {
			c.replyError(name, seq, NewApplicationError(ExceptionProtocolError, "%s: %v", name, err))
		}
	}
}

// handle runs one call in its own goroutine and writes the reply.
func (c *serverConn) handle(m *Method, name string, typ MessageType, seq int32, args Struct) {
	oneway := m.Oneway || typ == MessageOneway
	res, err := c.invoke(m, name, oneway, args)
	switch {
	case c.ctx.Err() != nil:
		// The connection is going away (the client left, or the server
		// is closing): there is nobody to reply to.
	case oneway:
		// Nothing goes back for a oneway call, not even an error: the
		// client is not reading, and a reply would desynchronise it.
		if err != nil {
			c.debug("thrift: oneway call failed", "method", name, "error", err)
		}
	case err == nil && res == nil:
		c.replyError(name, seq, NewApplicationError(ExceptionInternalError, "%s: handler returned no result", name))
	case err == nil:
		if encErr := c.w.encodeMessage(name, MessageReply, seq, res); encErr != nil {
			c.replyError(name, seq, NewApplicationError(ExceptionInternalError, "%s: encoding the result: %v", name, encErr))
		} else {
			c.write()
		}
	default:
		var ae *ApplicationError
		if !errors.As(err, &ae) {
			ae = NewApplicationError(ExceptionInternalError, "%s", err.Error())
		}
		c.replyError(name, seq, ae)
	}
	c.endCall()
	c.done <- struct{}{}
}

// invoke runs the interceptors and the handler, turning a panic into an
// INTERNAL_ERROR so that one bad call does not take the server down.
func (c *serverConn) invoke(m *Method, name string, oneway bool, args Struct) (res Struct, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.cfg.logger.Error("thrift: handler panicked", "service", c.cfg.handler.Service(), "method", name,
				"peer", c.raw.RemoteAddr().String(), "panic", r, "stack", string(debug.Stack()))
			res, err = nil, NewApplicationError(ExceptionInternalError, "%s: internal error", name)
		}
	}()
	if len(c.cfg.interceptors) == 0 {
		return m.Handle(c.ctx, args)
	}
	info := &CallInfo{Service: c.cfg.handler.Service(), Method: name, Oneway: oneway, Peer: c.peer}
	return chainServer(c.cfg.interceptors, info, m.Handle)(c.ctx, args)
}

// endCall marks the handler finished: the connection is idle again unless
// the next request has begun, so IdleTimeout applies, or, during
// Shutdown, the connection is closed.
func (c *serverConn) endCall() {
	c.mu.Lock()
	c.inflight = false
	if !c.started && !c.closed {
		if c.srv.shutting.Load() {
			c.closed = true
			c.raw.Close()
		} else {
			c.setReadDeadline(c.cfg.idle)
		}
	}
	c.mu.Unlock()
}

// replyError sends an EXCEPTION message; it reports whether the write
// succeeded.
func (c *serverConn) replyError(name string, seq int32, ae *ApplicationError) bool {
	_ = c.w.encodeMessage(name, MessageException, seq, ae) // cannot fail
	return c.write()
}

// write sends the encoded reply under WriteTimeout, closing the
// connection if it cannot (a TLS connection is unusable after a failed
// write anyway).
func (c *serverConn) write() bool {
	if d := c.cfg.write; d > 0 {
		c.conn.SetWriteDeadline(time.Now().Add(d))
	}
	if err := c.w.flush(); err != nil {
		c.debug("thrift: writing reply failed; closing", "error", err)
		c.forceClose()
		return false
	}
	return true
}

// finish tears the connection down once its reader is done.
func (c *serverConn) finish() {
	c.join()
	c.cancel()
	c.forceClose()
	c.srv.removeConn(c)
}
