package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
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
	DefaultMaxHandshakes    = 256
	// DefaultMaxInflightBytes bounds the bytes of requests being read and
	// decoded plus replies being encoded and written, across all
	// connections: room for eight calls at the largest default message
	// size (16 MiB in, 16 MiB decoded) at once.
	DefaultMaxInflightBytes = 256 << 20
)

// shutdownQuiet is how long Shutdown lets an idle connection stay open for
// a request already on its way; one that arrives is answered "not
// executed". lingerTimeout bounds the graceful close that follows.
const (
	shutdownQuiet = 250 * time.Millisecond
	lingerTimeout = 250 * time.Millisecond
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
// order and runs each handler itself, one at a time per connection, so
// that replies keep the order of requests, as Apache's clients expect. A
// handler that runs long gets a watcher (see watchdog.go), so that a
// client that goes away is still noticed while it runs (its handler's
// context is then cancelled). The next request is not read until the
// previous reply is written, so a client that sends and never reads holds
// one call's memory, not a pipeline's.
//
// Memory is bounded server-wide by MaxInflightBytes; connections by
// MaxConns once established and by MaxHandshakes (with a share per source
// address) before: see those fields.
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

	// Zlib compresses both directions with Apache's zlib transport
	// (TZlibTransport) over Transport; clients must use WithZlib. See
	// zlib.go for how it composes with Framed and what it costs.
	Zlib bool

	// DetectProtocol makes the server tell each connection's protocol
	// and transport from its first bytes (binary, compact or JSON;
	// framed, unframed or THeader; zlib or not: see detect.go) and serve
	// it in those, instead of Transport, Protocol and Zlib, which it
	// then ignores. First bytes that name none of them unambiguously
	// close the connection unanswered. Off by default: a server that
	// knows what its clients speak should say so.
	DetectProtocol bool

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
	// DefaultWriteTimeout (30s); negative means no limit. The connection's
	// write deadline is re-armed only when less than WriteTimeout is
	// left, a quarter more at a time, so a reply gets between
	// WriteTimeout and 1.25 × WriteTimeout.
	WriteTimeout time.Duration

	// MaxConns is the most established connections served at once: TLS
	// handshake done or, in plaintext, a first byte received. A
	// connection established beyond it is closed (and the refusal
	// logged), and the server goes on accepting. Zero means
	// DefaultMaxConns (1024); negative means no limit.
	MaxConns int

	// MaxHandshakes is the most connections at once that are accepted but
	// not yet established, kept apart from MaxConns so that connections
	// opened and left silent (which cost an attacker nothing, with or
	// without mutual TLS) cannot keep clients out. When it is reached, or
	// a source address has MaxHandshakesPerSource of them, a newcomer is
	// not refused: the pending connection that has sent the fewest bytes
	// (the oldest among equals) is closed instead, taken from the
	// newcomer's own source when that source is over its share. A real
	// client sends its whole ClientHello within a round trip, so it
	// outlives any flood of silent or trickling connections, even one
	// from its own address. Zero means
	// DefaultMaxHandshakes (256: a quarter of it, 64, per source, so that a
	// client warming up a pool of 64 connections at once from one address
	// gets them all).
	MaxHandshakes int

	// MaxHandshakesPerSource is the share of MaxHandshakes one source may
	// hold: one IPv4 address, or one IPv6 /64. Zero means a quarter of
	// MaxHandshakes (at least 1).
	MaxHandshakesPerSource int

	// MaxInflightBytes is the server-wide memory budget: the bytes of
	// requests being read and decoded (counted twice: as read, and as
	// decoded) plus the replies being encoded and written, across all
	// connections. The first 64 KiB of each request and of each reply are
	// the connection's own, so small calls never wait; beyond that, a
	// request waits for budget (within its ReadTimeout) and a reply within
	// its WriteTimeout, and a connection that cannot get it is closed.
	// Zero means DefaultMaxInflightBytes (256 MiB); negative means no
	// limit.
	MaxInflightBytes int64

	// ExposeHandlerErrors sends the text of a handler's plain Go error to
	// the client in the INTERNAL_ERROR application exception. By default
	// the client gets a generic message with an error id, and the error
	// itself is logged at Error with the same id, because error text
	// often carries internals (paths, queries, addresses) that are not
	// the caller's business. Declared IDL exceptions and
	// *ApplicationError values are always sent as they are.
	ExposeHandlerErrors bool

	// Logger receives the server's own messages: handler panics at
	// Error, refused connections at Warn (at most one line a second),
	// broken and hostile connections at Debug, so a flood of bad
	// connections does not flood the log. Nil means slog.Default().
	Logger *slog.Logger

	// Interceptors wrap every call, the first outermost.
	Interceptors []ServerInterceptor

	// Sealer, when set, seals every reply and opens every request (see
	// Sealer), for links where TLS cannot be used; it needs the Framed
	// transport and, without TLSConfig, Plaintext set by name as ever.
	// A request that does not open closes the connection unanswered.
	Sealer Sealer

	// TrustedProxies are the load balancers (HAProxy in TCP mode with
	// send-proxy or send-proxy-v2, say) allowed to say who the client
	// is. A connection from one of them must start with a PROXY protocol
	// header (version 1 or 2), read within HandshakeTimeout, whose source
	// address then stands for the client everywhere: PeerFromContext,
	// logs, and the per-source share of MaxHandshakes. A header from any
	// other address is refused (the connection closed, the refusal
	// logged at Warn, at most once a second), so a client cannot forge
	// its address. Empty (the default): no PROXY headers are read.
	TrustedProxies []netip.Prefix

	mu          sync.Mutex
	listeners   map[*net.Listener]struct{}
	conns       map[*serverConn]struct{} // every connection, until its goroutines end
	established int                      // of conns, those counted against MaxConns
	resolved    *serverConfig            // the first Serve's, shared by every later one
	baseCtx     context.Context
	cancel      context.CancelFunc
	watchdog    *watchdog     // watches handlers that run long (watchdog.go)
	allGone     chan struct{} // closed when conns empties after Shutdown
	goneDone    bool
	shutting    atomic.Bool
	lastWarn    sync.Map // message → *atomic.Int64, unix nanos of its last Warn
	refused     atomic.Int64
}

// serverConfig is a Server's fields resolved once per Serve: defaults
// applied, TLS hardened.
type serverConfig struct {
	tls       *tls.Config // nil for plaintext
	transport Transport
	protocol  Protocol
	zlib      bool
	detect    bool
	lim       Limits
	handshake time.Duration // <= 0: none
	idle      time.Duration
	read      time.Duration
	write     time.Duration
	maxConns  int // <= 0: none
	admission *admission
	budget    *budget // nil: no limit
	proxies   []netip.Prefix
	sealer    Sealer
	dispatch
}

// firstWait bounds how long a new connection may take to be established:
// HandshakeTimeout, and for plaintext, which has no handshake and waits
// for a request, IdleTimeout too. <= 0: no bound.
func (c *serverConfig) firstWait() time.Duration {
	d := c.handshake
	if c.tls == nil && c.idle > 0 && (d <= 0 || c.idle < d) {
		d = c.idle
	}
	return d
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
		return nil, fmt.Errorf("thrift: Server.Transport %v is not Framed, Buffered or Header", s.Transport)
	}
	if s.Transport.header() && s.Protocol == JSON {
		return nil, errors.New("thrift: the Header transport carries Binary or Compact, not JSON")
	}
	if !s.Protocol.valid() {
		return nil, fmt.Errorf("thrift: Server.Protocol %v is not Binary, Compact or JSON", s.Protocol)
	}
	c := &serverConfig{
		transport: s.Transport,
		protocol:  s.Protocol,
		zlib:      s.Zlib,
		detect:    s.DetectProtocol,
		lim:       s.Limits.withDefaults(),
		handshake: orDuration(s.HandshakeTimeout, DefaultHandshakeTimeout),
		idle:      orDuration(s.IdleTimeout, DefaultIdleTimeout),
		read:      orDuration(s.ReadTimeout, DefaultReadTimeout),
		write:     orDuration(s.WriteTimeout, DefaultWriteTimeout),
		maxConns:  s.MaxConns,
		dispatch:  newDispatch(s.Handler, s.Interceptors, s.ExposeHandlerErrors, s.Logger),
	}
	if c.maxConns == 0 {
		c.maxConns = DefaultMaxConns
	}
	c.proxies = append([]netip.Prefix(nil), s.TrustedProxies...)
	if s.Sealer != nil && !s.Transport.framedRead() {
		return nil, errors.New("thrift: Server.Sealer needs the Framed transport")
	}
	if s.Sealer != nil && (s.Zlib || s.DetectProtocol) {
		return nil, errors.New("thrift: Server.Sealer cannot be combined with Zlib or DetectProtocol")
	}
	c.sealer = s.Sealer
	hs := s.MaxHandshakes
	if hs <= 0 {
		hs = DefaultMaxHandshakes
	}
	per := s.MaxHandshakesPerSource
	if per <= 0 {
		per = max(1, hs/4)
	}
	c.admission = newAdmission(hs, per)
	switch b := s.MaxInflightBytes; {
	case b == 0:
		c.budget = newBudget(DefaultMaxInflightBytes)
	case b > 0:
		c.budget = newBudget(b)
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
		s.watchdog = newWatchdog(s)
		go s.watchdog.run()
	}
}

// ListenAndServe listens on the TCP address addr, or on the Unix domain
// socket of a "unix:PATH" address (see ListenUnix), and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	if s.shutting.Load() {
		return ErrServerClosed
	}
	if _, err := s.config(); err != nil {
		return err
	}
	ln, err := listen(addr)
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
// On Linux, Serve sets TCP_DEFER_ACCEPT on a TCP listener: the kernel
// hands over a connection once its peer has sent something (a client
// speaks first in TLS and in Thrift) or once HandshakeTimeout has passed,
// so connections opened and left silent do not reach the server at all
// while they stay silent.
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
	if s.resolved == nil {
		s.resolved = cfg
	}
	// One budget and one pending pool for every listener.
	cfg = s.resolved
	s.listeners[&ln] = struct{}{}
	s.mu.Unlock()
	if d := cfg.firstWait(); d > 0 {
		deferAccept(ln, d)
	}
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

// newConn registers a new connection in the pending pool (see
// MaxHandshakes), or closes it and returns nil when the server is shutting
// down.
func (s *Server) newConn(raw net.Conn, cfg *serverConfig) *serverConn {
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		raw.Close()
		return nil
	}
	ctx, cancel := context.WithCancel(s.baseCtx)
	c := &serverConn{srv: s, cfg: cfg, raw: raw, addr: raw.RemoteAddr(), ctx: ctx, cancel: cancel, done: make(chan struct{}, 1)}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.pend, c.net = cfg.admission.admit(raw)
	return c
}

// establish counts c against MaxConns, or reports false (and logs the
// refusal) when the server is full.
func (s *Server) establish(c *serverConn) bool {
	s.mu.Lock()
	full := c.cfg.maxConns > 0 && s.established >= c.cfg.maxConns
	if !full {
		s.established++
		c.counted = true
	}
	s.mu.Unlock()
	if full {
		s.refused.Add(1)
		s.warnRefusal(c.cfg, c.addr)
	}
	return !full
}

// ServerStats is a snapshot of a Server's connections and memory, for
// metrics and health checks (see Server.Stats).
type ServerStats struct {
	// Established is the connections counted against MaxConns.
	Established int
	// Pending is the connections accepted and not yet established (see
	// MaxHandshakes).
	Pending int
	// Refused counts the connections closed because MaxConns was
	// reached, since the server started.
	Refused int64
	// Evicted counts the pending connections closed to make room for
	// newer ones, since the server started.
	Evicted int64
	// InflightBytes is the part of MaxInflightBytes in use, of
	// InflightLimit (0: no limit).
	InflightBytes, InflightLimit int64
}

// Stats returns the server's current counters; all zero before Serve.
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	st := ServerStats{Established: s.established, Refused: s.refused.Load()}
	cfg := s.resolved
	s.mu.Unlock()
	if cfg == nil {
		return st
	}
	st.Pending, st.Evicted = cfg.admission.stats()
	if cfg.budget != nil {
		st.InflightBytes, st.InflightLimit = cfg.budget.inUse(), cfg.budget.total
	}
	return st
}

// warnRefusal logs a connection refused over MaxConns, at most once a
// second, so that a flood of connections does not become a flood of logs.
func (s *Server) warnRefusal(cfg *serverConfig, addr net.Addr) {
	s.warnLimited(cfg, "thrift: connection refused: MaxConns reached", "peer", addr.String(), "max_conns", cfg.maxConns)
}

// warnLimited logs msg at Warn at most once a second for each msg across
// the server, and at Debug otherwise, so that a flood of bad connections
// does not become a flood of logs, nor hide a different warning.
func (s *Server) warnLimited(cfg *serverConfig, msg string, args ...any) {
	now := time.Now().UnixNano()
	v, _ := s.lastWarn.LoadOrStore(msg, new(atomic.Int64))
	lastWarn := v.(*atomic.Int64)
	last := lastWarn.Load()
	if now-last < int64(time.Second) || !lastWarn.CompareAndSwap(last, now) {
		cfg.logger.Debug(msg, args...)
		return
	}
	cfg.logger.Warn(msg, args...)
}

// release gives c's MaxConns slot back once its socket is closed, even if
// a handler that ignores its context still runs.
func (s *Server) release(c *serverConn) {
	s.mu.Lock()
	if c.counted {
		c.counted = false
		s.established--
	}
	s.mu.Unlock()
}

func (s *Server) removeConn(c *serverConn) {
	s.mu.Lock()
	if c.counted {
		c.counted = false
		s.established--
	}
	delete(s.conns, c)
	if s.allGone != nil && len(s.conns) == 0 && !s.goneDone {
		s.goneDone = true
		close(s.allGone)
		s.watchdog.close()
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

// Shutdown stops the server gracefully and drops no call: it closes the
// listeners (new connections are refused) and the connections still in
// their handshake, lets calls in flight run to the end and send their
// replies, and answers any request that arrives after that with an
// application exception of type ExceptionNotExecuted (errors.Is(err,
// ErrNotExecuted) on the client, which may safely retry elsewhere), then
// closes the connection. A connection that stays quiet for a moment
// (250 ms) is closed gracefully: TLS close_notify and a TCP FIN, then a
// short wait for the peer to close, so that a request racing the close
// meets an orderly end of stream rather than a connection reset. Shutdown
// returns once every connection is gone. If ctx ends first it returns
// ctx.Err(); the connections still open then stay open (call Close to drop
// them). Handlers' contexts are not cancelled by Shutdown.
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
			s.watchdog.close()
		}
	}
	gone := s.allGone
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drain()
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
	s.watchdog.close() // no watcher is needed once every connection is closed
	return err
}

// serverConn is one accepted connection.
type serverConn struct {
	srv    *Server
	cfg    *serverConfig
	raw    net.Conn      // the TCP connection, closed to stop everything
	net    net.Conn      // raw, wrapped to notice its first byte (see admission)
	conn   net.Conn      // net, or the TLS connection over it
	src    io.Reader     // conn, or what inflates it (Zlib)
	det    *prefixReader // DetectProtocol: conn, until the wire is set up
	pend   *pendingConn
	addr   net.Addr // the client's: the socket's peer, or a trusted proxy's word
	peer   *Peer
	ctx    context.Context // cancelled when the connection ends; carries peer
	cancel context.CancelFunc
	w      *wire

	// counted: the connection holds a MaxConns slot. Under srv.mu.
	counted bool

	// done receives one value when a handler that ran long finishes
	// (see runInline); the watcher that took the loop over joins it.
	done chan struct{}
	// inline is the state of the handler running on the loop's
	// goroutine, inlineTick the watchdog's tick when it started (see
	// watchdog.go).
	inline     atomic.Int32
	inlineTick atomic.Uint32

	// Owned by the goroutine running the connection's loop.
	pending      bool      // a handler that ran long has not been joined yet
	charging     bool      // a request is being read: Read draws on the budget
	readBytes    int64     // bytes read from the connection so far
	reqBase      int64     // readBytes where the current request began
	reqHeld      int64     // budget held for the request being read
	reqExtra     int64     // of reqHeld, what chargeTranscoded added
	readDeadline time.Time // when the request being read must be in (requestDeadline)
	// readDeadlineSet: readDeadline has been taken for this request.
	readDeadlineSet bool
	writeArmed      time.Time // the write deadline set on conn (deadlines.go)

	// Owned by the goroutine running the handler while it runs.
	callHeld int64 // budget held for the call: its request, then its reply

	mu          sync.Mutex
	readArmed   time.Time // the read deadline set on conn (deadlines.go)
	waitUntil   time.Time // when awaitRequest's wait should end; zero: never
	established bool      // past the handshake (see MaxHandshakes)
	waiting     bool      // the reader waits for the next request's first byte
	inflight    bool      // a handler is running (two-way or oneway)
	owed        bool      // ... and its reply is still to be written
	closed      bool
}

// Read reads from the connection for the wire. While a request is being
// read, its bytes beyond the connection's own allowance are drawn from the
// server-wide budget, twice (once as read, once as decoded), waiting for
// it no longer than the request's read deadline.
func (c *serverConn) Read(p []byte) (int, error) {
	n, err := c.src.Read(p)
	c.readBytes += int64(n)
	if n > 0 && c.charging {
		if berr := c.chargeRequest(); berr != nil {
			return n, berr
		}
	}
	return n, err
}

// chargeRequest brings the budget held for the request being read up to
// twice its bytes beyond connAllowance.
func (c *serverConn) chargeRequest() error {
	want := 2 * (c.readBytes - c.reqBase - connAllowance)
	held := c.reqHeld - c.reqExtra
	if c.cfg.budget == nil || want <= held {
		return nil
	}
	if err := c.cfg.budget.acquire(want-held, c.requestDeadline()); err != nil {
		return err
	}
	c.reqHeld += want - held
	return nil
}

// chargeTranscoded adds to the request's budget the binary form a
// compact or JSON message was transcoded into, beyond its allowance.
func (c *serverConn) chargeTranscoded() error {
	n := int64(c.w.transcoded) - connAllowance
	if c.cfg.budget == nil || n <= 0 {
		return nil
	}
	if err := c.cfg.budget.acquire(n, c.requestDeadline()); err != nil {
		return err
	}
	c.reqHeld += n
	c.reqExtra += n
	return nil
}

// releaseRequest gives back the budget of a request that no handler took
// over.
func (c *serverConn) releaseRequest() {
	if c.cfg.budget != nil {
		c.cfg.budget.release(c.reqHeld)
	}
	c.reqHeld, c.reqExtra = 0, 0
}

// debug logs msg at Debug with the connection's peer.
func (c *serverConn) debug(msg string, args ...any) {
	if !c.cfg.logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	c.cfg.logger.Debug(msg, append(args, "peer", c.addr.String())...)
}

// serve runs the connection: handshake, then requests until the peer
// leaves, misbehaves, or the server stops.
func (c *serverConn) serve() {
	c.guard(func() bool {
		if !c.establish() {
			return false
		}
		if c.cfg.detect && !c.detect() {
			return false
		}
		return c.loop()
	})
}

// watchLoop is the watcher's goroutine (see watchdog.go): it takes over the
// connection's loop while the handler that started it still runs, and
// joins it before reading the next request.
func (c *serverConn) watchLoop() {
	c.guard(func() bool {
		c.pending = true
		return c.loop()
	})
}

// guard runs serve's work (f) on the goroutine that owns the connection,
// and tears the connection down when it ends, unless f handed the
// connection over to another goroutine (see runInline).
func (c *serverConn) guard(f func() (handed bool)) {
	handed := false
	defer func() {
		if !handed {
			c.finish()
		}
	}()
	defer func() {
		// Decoding runs generated code; a bug there must cost this
		// connection, not the process.
		if r := recover(); r != nil {
			c.cfg.logger.Error("thrift: panic serving connection", "peer", c.addr.String(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	handed = f()
}

// loop serves requests one at a time until the connection ends (false)
// or the watcher took it over (true).
func (c *serverConn) loop() (handed bool) {
	for {
		if !c.awaitRequest() {
			return false
		}
		// One call at a time: the next request is read only once the
		// previous reply is out.
		c.join()
		if c.srv.shutting.Load() {
			c.refuse()
			return false
		}
		switch c.readCall() {
		case callStop:
			return false
		case callHanded:
			return true
		}
	}
}

// establish takes the connection out of the pending pool: after its TLS
// handshake, or in plaintext once its first byte arrived, within
// HandshakeTimeout; then counts it against MaxConns.
func (c *serverConn) establish() bool {
	c.conn = c.net
	if d := c.cfg.firstWait(); d > 0 {
		c.raw.SetDeadline(time.Now().Add(d))
	}
	if len(c.cfg.proxies) > 0 && !c.readProxyHeader() {
		c.cfg.admission.done(c.pend)
		return false
	}
	if c.cfg.tls != nil {
		tc := tls.Server(c.net, c.cfg.tls)
		c.conn = tc
		if err := tc.HandshakeContext(c.ctx); err != nil {
			c.cfg.admission.done(c.pend)
			c.debug("thrift: TLS handshake failed", "error", err)
			return false
		}
		st := tc.ConnectionState()
		c.peer = newPeer(c.addr, &st)
	} else {
		c.peer = newPeer(c.addr, nil)
	}
	peerUnixCred(c.peer, c.raw)
	if c.cfg.detect {
		// The wire is built once the first bytes are in (see detect).
		c.det = &prefixReader{r: c.conn}
	} else {
		c.setWire(c.cfg.transport, c.cfg.protocol, c.cfg.zlib, c.conn, c.conn)
	}
	if c.cfg.tls == nil {
		// A plaintext connection has no handshake: it is pending until
		// it speaks.
		var err error
		if c.det != nil {
			_, err = c.det.peek(1)
		} else {
			err = c.w.waitByte()
		}
		if err != nil {
			c.cfg.admission.done(c.pend)
			c.debug("thrift: connection closed before its first request", "error", err)
			return false
		}
	}
	if !c.cfg.admission.done(c.pend) {
		c.debug("thrift: pending connection evicted for a newer one")
		return false
	}
	c.raw.SetDeadline(time.Time{})
	c.readArmed, c.writeArmed = time.Time{}, time.Time{}
	c.ctx = withPeer(c.ctx, c.peer)
	if !c.srv.establish(c) {
		return false
	}
	c.mu.Lock()
	c.established = true
	closed := c.closed
	c.mu.Unlock()
	return !closed
}

// setWire sets up the connection's wire for what it speaks over r and w.
func (c *serverConn) setWire(t Transport, p Protocol, zlib bool, r io.Reader, w io.Writer) {
	c.src = r
	if zlib {
		// Read then counts, and charges to the budget, the inflated
		// bytes.
		t, c.src, w = zlibLayer(t, r, w, c.cfg.lim)
	}
	c.w = newWire(t, p, c, w, c.cfg.lim)
	c.w.sealer = c.cfg.sealer
}

// detect tells the protocol of a DetectProtocol connection from its first
// bytes, waiting for them as for a request (IdleTimeout, or the quiet
// period of Shutdown), and sets up its wire. It reports whether the
// connection may go on.
func (c *serverConn) detect() bool {
	var d detected
	var r io.Reader
	var w io.Writer
	closed, err := c.waitAsIdle(func() (err error) {
		d, r, w, err = detectProtocol(c.det, c.conn, c.cfg.lim)
		return err
	}, false)
	if closed {
		return false
	}
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.srv.warnLimited(c.cfg, "thrift: client's protocol not recognised; closing", "peer", c.addr.String(), "error", err)
		}
		return false
	}
	c.debug("thrift: protocol detected", "speaks", d.String())
	c.src = r
	c.w = newWire(d.transport, d.protocol, c, w, c.cfg.lim)
	c.det = nil
	return true
}

// readProxyHeader takes the client's address from the PROXY header a
// trusted proxy sends first, and refuses a connection from anyone else
// that starts with one. It reports whether the connection may go on.
func (c *serverConn) readProxyHeader() bool {
	if trusted(c.cfg.proxies, c.addr) {
		ap, err := readProxyHeader(c.net)
		if errors.Is(err, io.EOF) {
			c.debug("thrift: connection from a trusted proxy closed before its header")
			return false
		}
		if err != nil {
			c.srv.warnLimited(c.cfg, "thrift: bad PROXY protocol header from a trusted proxy; closing", "proxy", c.addr.String(), "error", err)
			return false
		}
		if ap.IsValid() {
			c.addr = proxiedAddr(ap)
			c.cfg.admission.rekey(c.pend, sourceKey(c.addr))
		}
		return true
	}
	first := make([]byte, 1)
	if _, err := io.ReadFull(c.net, first); err != nil {
		c.debug("thrift: connection closed before its first byte", "error", err)
		return false
	}
	if looksLikeProxyHeader(first[0]) {
		c.srv.warnLimited(c.cfg, "thrift: PROXY protocol header from a source not in TrustedProxies refused", "peer", c.addr.String())
		return false
	}
	c.net = &prefixConn{Conn: c.net, prefix: first}
	return true
}

// awaitRequest waits for the first byte of the next request without
// reading it. While a reply is owed the wait has no deadline (the
// handler's time is not the peer's idleness; endCall arms one); otherwise
// IdleTimeout bounds it, even while a oneway handler runs, or during
// Shutdown the short quiet period. When the wait times out the connection
// is closed gracefully.
func (c *serverConn) awaitRequest() bool {
	closed, err := c.waitAsIdle(c.w.waitByte, true)
	switch {
	case err == nil:
		return !closed
	case isTimeout(err) && !closed:
		if c.srv.shutting.Load() {
			c.debug("thrift: closing quiet connection for shutdown")
		} else {
			c.debug("thrift: connection idle; closing", "idle_timeout", c.cfg.idle)
		}
		c.closeGracefully()
	case errors.Is(err, io.EOF):
	default:
		c.debug("thrift: connection read failed; closing", "error", err)
	}
	return false
}

// waitAsIdle runs wait, which blocks until the client's next bytes
// arrive, as the wait of an idle connection: under the deadline armWait
// sets, and seen by drain (Shutdown). closed reports that the connection
// was closed before or during the wait (wait does not run if before).
//
// A resumable wait (one that consumes nothing before it succeeds, like
// waitByte) that times out on a deadline left armed early is run again
// (see deadlines.go); detection, which may have read part of its bytes, is
// not, and its deadline is always armed exactly: relaxReadDeadline keeps
// only one armed earlier than wanted, and none is armed before detection.
func (c *serverConn) waitAsIdle(wait func() error, resumable bool) (closed bool, err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return true, nil
	}
	c.waiting = true
	c.armWait()
	c.mu.Unlock()
	err = wait()
	c.mu.Lock()
	for resumable && err != nil && isTimeout(err) && !c.closed && c.rearmWait() {
		// The deadline that passed was one left armed to save a
		// reset (deadlines.go), not the wait's own: wait on.
		c.mu.Unlock()
		err = wait()
		c.mu.Lock()
	}
	c.waiting = false
	closed = c.closed
	c.mu.Unlock()
	return closed, err
}

// armWait sets the read deadline for awaitRequest. Called with mu held.
func (c *serverConn) armWait() {
	switch {
	case c.owed, c.inflight && c.srv.shutting.Load():
		// A reply is owed, or Shutdown lets a oneway call finish
		// before the connection closes: endCall arms the deadline.
		c.waitUntil = time.Time{}
		c.relaxReadDeadline(0)
	case c.srv.shutting.Load():
		c.waitUntil = deadlineIn(shutdownQuiet)
		c.armRead(c.waitUntil)
	default:
		c.waitUntil = deadlineIn(c.cfg.idle)
		c.relaxReadDeadline(c.cfg.idle)
	}
}

// beginRequest starts reading a request under ReadTimeout, drawing on the
// budget for the bytes already buffered too.
func (c *serverConn) beginRequest() error {
	c.readDeadline, c.readDeadlineSet = time.Time{}, false
	if !c.w.frameBuffered() {
		// Reading the request may wait for the peer: under ReadTimeout.
		// (A request already in the buffer is read without touching
		// the connection, so its deadline is left as it is.)
		c.mu.Lock()
		c.armRead(c.requestDeadline())
		c.mu.Unlock()
	}
	c.charging = true
	return c.chargeRequest()
}

// requestDeadline is when the request being read must be in: ReadTimeout
// after it was first needed. A request that begins wholly buffered, the
// common case, never waits for the peer, and then only a wait for the
// memory budget needs it: it is taken lazily, so that such a request
// costs no clock read (about 50 ns), and counts from the start of that
// wait, which comes within the decoding of bytes already in memory.
func (c *serverConn) requestDeadline() time.Time {
	if !c.readDeadlineSet {
		c.readDeadlineSet = true
		if d := c.cfg.read; d > 0 {
			c.readDeadline = time.Now().Add(d)
		}
	}
	return c.readDeadline
}

// endRequest stops charging reads to the request, which has been read;
// bytes read ahead belong to the next one.
func (c *serverConn) endRequest() {
	c.charging = false
	c.reqBase = c.readBytes - int64(c.w.buffered())
}

// What readCall did.
const (
	callStop   = iota // the connection ends
	callNext          // go on with the next request
	callHanded        // the handler ran long: the watcher owns the loop now
)

// readCall reads one request and runs its handler (see runInline).
func (c *serverConn) readCall() int {
	if err := c.beginRequest(); err != nil {
		c.readFailed(err)
		return callStop
	}
	name, typ, seq, err := c.w.readMessageBegin()
	if err == nil {
		err = c.chargeTranscoded()
	}
	if err != nil {
		// be is declared here, not above: errors.As makes it escape,
		// which would cost every call an allocation.
		var be *bodyError
		if errors.As(err, &be) {
			c.argsFailed(be.name, be.typ, be.seq, be.err)
			return callStop
		}
		c.readFailed(err)
		return callStop
	}
	if typ != MessageCall && typ != MessageOneway {
		c.debug("thrift: message of the wrong type from a client", "method", name, "type", typ)
		c.replyError(name, seq, NewApplicationError(ExceptionInvalidMessageType, "%s: expected a call or oneway message, got %v", name, typ))
		return callStop
	}
	m := c.cfg.handler.Method(name)
	if m == nil {
		if err := c.w.dec.Skip(TypeStruct); err != nil {
			c.argsFailed(name, typ, seq, err)
			return callStop
		}
		c.endRequest()
		c.releaseRequest()
		if typ == MessageCall {
			c.debug("thrift: unknown method", "method", name)
			if !c.replyError(name, seq, NewApplicationError(ExceptionUnknownMethod, "unknown method %s", name)) {
				return callStop
			}
		}
		return callNext
	}
	args := m.NewArgs()
	if err := args.Decode(c.w.dec); err != nil {
		c.argsFailed(name, typ, seq, err)
		return callStop
	}
	c.endRequest()
	oneway := m.Oneway || typ == MessageOneway
	c.mu.Lock()
	closed := c.closed
	c.inflight, c.owed = !closed, !closed && !oneway
	c.mu.Unlock()
	if closed {
		return callStop
	}
	c.callHeld, c.reqHeld, c.reqExtra = c.reqHeld, 0, 0
	var hdrs *callHeaders
	if c.w.hdr != nil {
		hdrs = &callHeaders{received: c.w.hdr.recvd}
	}
	return c.runInline(m, name, oneway, seq, args, hdrs)
}

// runInline runs a call's handler on the goroutine that read the request,
// so that it starts at once, without a goroutine to start and a wake-up to
// wait for. A handler that runs long gets a watcher from the server's
// watchdog (see watchdog.go), which then owns the connection's loop: this
// goroutine hands the finished call over (c.done) and returns.
func (c *serverConn) runInline(m *Method, name string, oneway bool, seq int32, args Struct, hdrs *callHeaders) int {
	c.srv.watchdog.callStarted(c)
	c.handle(m, name, oneway, seq, args, hdrs)
	if c.inline.CompareAndSwap(inlineRunning, inlineIdle) {
		return callNext
	}
	// The watcher has started: it joins this call.
	c.inline.Store(inlineIdle)
	c.done <- struct{}{}
	return callHanded
}

// refuse answers a request that arrived during Shutdown, without running
// it, with ExceptionNotExecuted, and closes the connection.
func (c *serverConn) refuse() {
	if err := c.beginRequest(); err != nil {
		c.readFailed(err)
		return
	}
	name, typ, seq, err := c.w.readMessageBegin()
	var be *bodyError
	if errors.As(err, &be) {
		c.argsFailed(be.name, be.typ, be.seq, be.err)
		return
	}
	if err != nil {
		c.readFailed(err)
		return
	}
	if err := c.w.dec.Skip(TypeStruct); err != nil {
		c.argsFailed(name, typ, seq, err)
		return
	}
	c.endRequest()
	c.releaseRequest()
	m := c.cfg.handler.Method(name)
	if typ == MessageCall && (m == nil || !m.Oneway) {
		c.debug("thrift: call refused: shutting down", "method", name)
		if !c.replyError(name, seq, notExecuted(name)) {
			return
		}
	}
	c.closeGracefully()
}

// join waits for the running handler, if any, to finish (and to have
// written its reply).
func (c *serverConn) join() {
	if c.pending {
		<-c.done
		c.pending = false
	}
}

// readFailed logs why a request could not be read. Nothing can be replied
// to: the method name and sequence id are unknown, or the stream is.
func (c *serverConn) readFailed(err error) {
	var pe *ProtocolError
	switch {
	case errors.Is(err, errBudget):
		c.srv.warnLimited(c.cfg, "thrift: request dropped: server memory budget (MaxInflightBytes) exhausted until its read deadline",
			"peer", c.addr.String())
	case errors.As(err, new(*SealError)):
		c.srv.warnLimited(c.cfg, "thrift: sealed request refused; closing", "peer", c.addr.String(), "error", err)
	case errors.As(err, &pe) && !errors.Is(err, io.ErrUnexpectedEOF):
		c.debug("thrift: bad message header; closing", "error", err)
	case errors.Is(err, io.EOF):
	case isTimeout(err):
		c.debug("thrift: request not read within ReadTimeout; closing", "error", err, "read_timeout", c.cfg.read)
	default:
		c.debug("thrift: connection read failed; closing", "error", err)
	}
}

// argsFailed handles arguments that could not be decoded (or skipped):
// reply PROTOCOL_ERROR if the client waits for a reply, then close, as
// the stream can no longer be trusted.
func (c *serverConn) argsFailed(name string, typ MessageType, seq int32, err error) {
	var pe *ProtocolError
	if !errors.As(err, &pe) || (errors.Is(err, io.ErrUnexpectedEOF) && c.w.transport == Buffered) {
		// An I/O error or the stream ending inside the message.
		c.readFailed(err)
		return
	}
	c.endRequest()
	c.releaseRequest()
	c.debug("thrift: undecodable arguments; closing", "method", name, "error", err)
	if typ == MessageCall {
		if m := c.cfg.handler.Method(name); m == nil || !m.Oneway {
			c.replyError(name, seq, NewApplicationError(ExceptionProtocolError, "%s: %v", name, err))
		}
	}
}

// handle runs one call and writes the reply (see runInline).
func (c *serverConn) handle(m *Method, name string, oneway bool, seq int32, args Struct, hdrs *callHeaders) {
	defer c.endCall()
	defer func() {
		// invoke recovers the handler's panics; this is for the
		// generated code encoding the result. It costs the connection,
		// not the process, and never leaves a watcher waiting.
		if r := recover(); r != nil {
			c.cfg.logger.Error("thrift: panic writing a reply", "peer", c.addr.String(), "method", name, "panic", r, "stack", string(debug.Stack()))
			c.forceClose()
		}
	}()
	ctx := c.ctx
	if hdrs != nil {
		ctx = context.WithValue(ctx, headersKey{}, hdrs)
	}
	res, err := c.cfg.invoke(ctx, m, name, oneway, args, c.peer)
	if hdrs != nil {
		c.w.hdr.send = hdrs.send
	}
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
			c.replyError(name, seq, c.cfg.replyFailed(name, encErr, c.addr))
		} else {
			c.write()
		}
	default:
		c.replyError(name, seq, c.cfg.clientError(name, err, c.addr))
	}
}

// endCall marks the handler finished, gives back the call's budget and,
// if the reader waits for the next request, arms its deadline.
func (c *serverConn) endCall() {
	if c.cfg.budget != nil {
		c.cfg.budget.release(c.callHeld)
	}
	c.callHeld = 0
	c.mu.Lock()
	c.inflight, c.owed = false, false
	if c.waiting && !c.closed {
		c.armWait()
	}
	c.mu.Unlock()
}

// drain starts Shutdown for this connection: one still in its handshake
// is closed; an idle one gets the quiet period (see Shutdown); one with a
// call in flight gets it once the call ends.
func (c *serverConn) drain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
	case !c.established:
		c.closed = true
		c.raw.Close()
	case c.waiting && !c.inflight:
		c.waitUntil = deadlineIn(shutdownQuiet)
		c.armRead(c.waitUntil)
	}
}

// replyError sends an EXCEPTION message; it reports whether the write
// succeeded.
func (c *serverConn) replyError(name string, seq int32, ae *ApplicationError) bool {
	_ = c.w.encodeMessage(name, MessageException, seq, ae) // fits: the name was read under the same limit
	return c.write()
}

// write sends the encoded reply under WriteTimeout, drawing what exceeds
// the call's budget (and the connection's allowance) from the server-wide
// budget first. It closes the connection if it cannot send (a TLS
// connection is unusable after a failed write anyway).
func (c *serverConn) write() bool {
	deadline := c.armWrite()
	if need := int64(c.w.enc.Len()) - connAllowance - c.callHeld; need > 0 && c.cfg.budget != nil {
		if err := c.cfg.budget.acquire(need, deadline); err != nil {
			c.srv.warnLimited(c.cfg, "thrift: reply dropped: server memory budget (MaxInflightBytes) exhausted until its write deadline",
				"peer", c.addr.String())
			c.forceClose()
			return false
		}
		c.callHeld += need
	}
	if err := c.w.flush(); err != nil {
		c.debug("thrift: writing reply failed; closing", "error", err)
		c.forceClose()
		return false
	}
	return true
}

// closeGracefully ends an idle connection so that a request racing the
// close meets an orderly end of stream, not a reset: TLS close_notify and
// a TCP FIN, then whatever still arrives is read and dropped, briefly
// (closing a socket with unread bytes makes the kernel send a reset).
func (c *serverConn) closeGracefully() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.raw.SetDeadline(time.Now().Add(lingerTimeout))
	if tc, ok := c.conn.(*tls.Conn); ok {
		tc.CloseWrite()
	}
	if cw, ok := c.raw.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(c.raw, 1<<20))
	c.raw.Close()
}

// forceClose closes the connection whatever it is doing; for Close.
func (c *serverConn) forceClose() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.raw.Close()
}

// finish tears the connection down once its reader is done: the socket
// and its MaxConns slot go at once, the handler's context is cancelled
// (its connection has ended), and the connection is forgotten once the
// handler has returned.
func (c *serverConn) finish() {
	c.forceClose()
	c.srv.release(c)
	c.cancel()
	c.join()
	c.releaseRequest()
	c.srv.removeConn(c)
}
