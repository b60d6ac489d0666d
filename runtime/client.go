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
	"sync"
	"sync/atomic"
	"time"
)

// The per-call path, client and server (issue 10).
//
// A call is a ping-pong on one connection, so the floor is a raw
// crypto/tls ping-pong: one write and one read on each side, each side's
// goroutine woken once by the network poller. Every extra goroutine
// hand-off on the path adds a wake-up, paid in latency (the woken
// goroutine waits for a thread) and in CPU (the scheduler spins up threads
// to run it). The path used to have two more than the floor: the client's
// per-connection read loop handed each reply to the caller over a channel,
// and the server started a goroutine per request so that the connection's
// reader could notice the peer leaving while the handler ran. strace
// showed the same system calls as the floor; the difference was those
// wake-ups. Now:
//
//   - client (attempt, below): the caller writes its request and reads its
//     own reply. The call's deadline is the connection's (armDeadline;
//     WithCallTimeout's moved once per quarter of it, not once a call),
//     and a cancellable context gets a context.AfterFunc that closes the
//     connection (two allocations, only for contexts that have a Done
//     channel). With no read loop, nothing notices the server closing an
//     idle pooled connection, so get looks at its socket first, without
//     waiting (idleOK, probeconn.go: MSG_PEEK, TLS records handled) unless
//     it had a clean reply within the last millisecond. What is retried
//     stays exact: only a call the server answered "not executed".
//   - server (runInline, server.go; watchdog.go): the goroutine that read
//     the request runs the handler; one that runs longer than a tick (5 ms)
//     gets a watcher that owns the connection's loop from then on, so the
//     peer leaving still cancels it, as do IdleTimeout and Shutdown.
//     A timer per call for that watcher was tried first and cost more
//     than the hand-off it replaced: arming it wakes the network poller.
//
// Figures, bench/peers' peerbench, 1 KiB echo over loopback TLS on this
// two-core machine shared with other work, so each is read as a ratio to
// the raw crypto/tls ping-pong of the same interleaved passes. At 64
// callers, the old and the new binary run alternately four times: before
// 0.73, 0.72, 0.77, 0.74× raw; after 0.77, 0.81, 0.93, 0.98×, and 0.92,
// 0.81, 1.03× (2.1-2.7× Apache Go) in three full runs. One caller, the two
// run alternately three times, five passes each: p50 53-57 µs before,
// 22-39 µs after; CPU per call, client + server, 70-76 µs before, 35-48
// after (the raw floor's own p50 moved between 19 and 63 µs meanwhile:
// the machine is shared, so single cells swing and pairs are compared,
// not cells). Allocations per call stay 4+4. In process
// (go test -run '^$' -bench Call ./runtime, one call at a time), two
// alternating runs each: TLS 19.7, 20.7 → 15.7, 16.6 µs; plaintext 19.7,
// 19.9 → 14.7, 15.4 µs; a call with a cancellable context 20.2, 21.1 →
// 16.5-17.6 µs but 6 → 8 allocations (the AfterFunc); two callers
// sharing one client (CallTLSFramedParallel) 16.6, 16.7 → 17.6, 17.3 µs,
// the one case that did not gain: client and server share two cores
// there, and the hand-offs overlapped work that now runs in sequence.
//
// What was left at 64 callers (0.80-1.03× raw TLS from run to run) is not
// in the system calls: counted with perf over 2 s of each, a call makes
// one write(2) (one TLS record) and two read(2)s (the second finds
// nothing and parks) on each side, as the floor does; the idle probe ran
// 33 times in 160,000 calls, and deadline moves were too rare to show in
// a profile. Both ends run the two
// cores flat, so calls/s follows CPU per call, and ours was 1.3-1.6 µs a
// side above the floor's ~9.5, all in user space and spread thin: clock
// reads (time.Now is two vDSO calls, ~50 ns), copies of the 1 KiB, the
// stall of writing it into memory freshly allocated per call, and locks.
// Copies and buffers probably cost more here than over plain TCP (not
// measured apart): the TLS state and buffers of 64 connections a process
// overflow the caches, so each further buffer a call touches comes from
// memory. A framed
// message wholly in the read buffer is now decoded where it lies
// (wire.bufferedFrame), not copied into a frame buffer first; the server
// takes a request's read deadline only when it must wait (requestDeadline);
// the pool check reuses the call's clock reading. The old and the new
// binary alternately, 27 times each at 64 callers (three passes of 1 s),
// busy and quiet spells of the machine alike: median 0.83× raw TLS before,
// 0.87× after (0.71-1.00 and 0.77-1.10; four runs below 0.80 before, two
// after), yet the new one ahead in only 14 of the 27 pairs and CPU per
// call 1.18× the floor's in both: the gain is a few percent at most,
// inside this machine's noise, whose largest part is the floor's own
// calls/s (87-119k while ours stayed at 80-97k). 16 callers (0.85× both,
// four pairs) and one caller (p50 32-51 µs both, the floor's 61-70) are
// unchanged. The rest of the gap is per-call work that the encoding, the
// framing, the hardening and the pool each have reason to do.

// ErrClientClosed is returned by calls made after Client.Close.
var ErrClientClosed = errors.New("thrift: client closed")

// ErrNotSent matches, with errors.Is, the error of a call that failed
// before any byte of its request was written: its connection could not be
// made (refused, unreachable, reset or failed during the TLS handshake, as
// when a server closes its listener with connections still in its accept
// queue) or the Client was closed. Like ErrNotExecuted, it says the call
// provably never reached a handler, so sending it again, to this server
// or another, is safe. The error also wraps its cause (errors.Is(err,
// syscall.ECONNREFUSED), ErrClientClosed, ...).
var ErrNotSent = errors.New("thrift: request not sent")

// notSentError marks err, from before the request was written, as
// ErrNotSent.
type notSentError struct{ err error }

func (e notSentError) Error() string        { return e.err.Error() }
func (e notSentError) Unwrap() error        { return e.err }
func (e notSentError) Is(target error) bool { return target == ErrNotSent }

// Defaults of the client options.
const (
	DefaultDialTimeout    = 10 * time.Second
	DefaultClientMaxConns = 16
	// DefaultCallTimeout bounds a call whose context has no deadline, so
	// that a server that accepts a call and never answers cannot hold a
	// goroutine (and a pooled connection) forever.
	DefaultCallTimeout = time.Minute
)

// ClientOption configures Dial.
type ClientOption func(*clientOptions)

type clientOptions struct {
	tls          *tls.Config
	plaintext    bool
	transport    Transport
	protocol     Protocol
	zlib         bool
	dialTimeout  time.Duration
	lim          Limits
	maxConns     int
	logger       *slog.Logger
	interceptors []ClientInterceptor
	callTimeout  time.Duration
	dialer       func(ctx context.Context, addr string) (net.Conn, error)
	sealer       Sealer
	pipeline     int         // WithPipelining's depth; 0 for none
	httpHeader   http.Header // HTTPClient only

	tokens         TokenSource // WithBearerToken
	insecureTokens bool        // WithInsecureBearerToken
}

// WithDialer replaces how the client opens the connection (TCP to addr
// by default) under which it runs TLS and Thrift: a proxy, a tunnel, or a
// custom socket. ctx bounds the dial.
func WithDialer(dial func(ctx context.Context, addr string) (net.Conn, error)) ClientOption {
	return func(o *clientOptions) { o.dialer = dial }
}

// WithCallTimeout bounds each call whose context has no deadline of its
// own (default DefaultCallTimeout; a negative d means no bound). A context
// deadline always wins.
func WithCallTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) { o.callTimeout = d }
}

// WithTLS sets the TLS configuration: roots to trust, a client certificate
// for mutual TLS (see ClientTLSConfig and ClientTLSFromFiles). Dial uses a
// copy hardened by SecureClientTLS; cfg is never modified. Without this
// option (and without WithPlaintext) the client uses TLS with the system
// roots.
func WithTLS(cfg *tls.Config) ClientOption {
	return func(o *clientOptions) { o.tls = cfg }
}

// WithPlaintext makes the client speak unencrypted TCP. It cannot be
// combined with WithTLS.
func WithPlaintext() ClientOption {
	return func(o *clientOptions) { o.plaintext = true }
}

// WithTransport sets the message framing; it must match the server's.
// The default is Framed.
func WithTransport(t Transport) ClientOption {
	return func(o *clientOptions) { o.transport = t }
}

// WithDialTimeout bounds connecting plus the TLS handshake of each new
// connection. The default is DefaultDialTimeout (10s).
func WithDialTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) { o.dialTimeout = d }
}

// WithLimits bounds the replies the client accepts, and the requests it
// sends: a request larger than MaxMessageSize fails with an error wrapping
// ErrSizeLimit before anything is sent, since a server with the same
// limits would refuse it. The default is DefaultLimits.
func WithLimits(l Limits) ClientOption {
	return func(o *clientOptions) { o.lim = l }
}

// WithMaxConns sets how many connections the client keeps to the server,
// which is also how many calls can be in flight at once: each connection
// carries one call at a time. Further calls wait for a free connection (or
// for their context to end). The default is DefaultClientMaxConns (16).
func WithMaxConns(n int) ClientOption {
	return func(o *clientOptions) { o.maxConns = n }
}

// WithLogger sets where the client logs broken connections (at Debug).
// The default is slog.Default().
func WithLogger(l *slog.Logger) ClientOption {
	return func(o *clientOptions) { o.logger = l }
}

// WithInterceptors adds interceptors around every call, the first
// outermost. The option may be given more than once; lists are appended.
func WithInterceptors(interceptors ...ClientInterceptor) ClientOption {
	return func(o *clientOptions) { o.interceptors = append(o.interceptors, interceptors...) }
}

// setDefaults fills in the defaults of the options left zero.
func (o *clientOptions) setDefaults() {
	if o.dialTimeout <= 0 {
		o.dialTimeout = DefaultDialTimeout
	}
	if o.maxConns <= 0 {
		o.maxConns = DefaultClientMaxConns
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if o.callTimeout == 0 {
		o.callTimeout = DefaultCallTimeout
	}
	o.lim = o.lim.withDefaults()
}

// Client calls a Thrift server. It implements Caller, so generated clients
// take it (NewCalculatorClient(c)), and it is safe for concurrent use by
// many goroutines.
//
// It keeps a pool of connections, each carrying one call at a time, which
// works with every Apache server (they answer each connection's requests
// in order). The calling goroutine writes its request and reads its own
// reply; nothing reads a pooled connection between calls, so before one is
// reused its socket is looked at, without waiting, for what the server may
// have sent meanwhile: a connection the server closed (after a restart,
// say) is dropped before a call could be sent on it. A call is sent again,
// on another connection, only when it provably never reached a handler:
// the server answered ExceptionNotExecuted (it is shutting down).
// Otherwise a call is never retried once its bytes may have reached the
// server. A call that failed before any of its request was written (no
// connection could be made, or the Client was closed) returns an error
// matching ErrNotSent, so that a caller holding several servers knows it
// may send it to another.
//
// Every call honours its context: when the context ends first, the call's
// connection is closed (a half-read reply can never be reused) and the
// call returns an error wrapping ctx.Err(). A call whose context has no
// deadline gets one of WithCallTimeout (a minute by default, met within a
// quarter more: see armDeadline), so a silent server cannot hold it
// forever.
type Client struct {
	addr   string
	tls    *tls.Config // nil for plaintext
	opts   clientOptions
	peer   *Peer
	invoke ClientInvoker // nil without interceptors
	sem    chan struct{} // one token per connection in use
	pipe   *pipePool     // WithPipelining's connections, instead of idle

	mu     sync.Mutex
	idle   []*clientConn
	closed bool
}

// Dial returns a client for the server at addr ("host:port", or
// "unix:PATH" for a Unix domain socket; see unix.go). It connects
// once before returning, so that a wrong address, an untrusted server
// certificate or a TLS version or name mismatch is reported here rather
// than by the first call; ctx bounds that first connection only. One
// refusal cannot show here: under TLS 1.3 a server checks the client's
// certificate after the client has finished its handshake, so a missing or
// untrusted client certificate is reported by the first call (and a oneway
// call, which reads no reply, cannot tell).
//
// TLS is used unless WithPlaintext is given; the server name checked
// against the certificate is the host of addr unless the TLS config names
// one.
func Dial(ctx context.Context, addr string, opts ...ClientOption) (*Client, error) {
	o := clientOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.plaintext && o.tls != nil {
		return nil, errors.New("thrift: Dial given both WithTLS and WithPlaintext; choose one")
	}
	if o.sealer != nil && !o.transport.framedRead() {
		return nil, errors.New("thrift: WithSealer needs the Framed transport")
	}
	if o.sealer != nil && o.zlib {
		return nil, errors.New("thrift: WithSealer and WithZlib cannot be combined")
	}
	if !o.protocol.valid() {
		return nil, fmt.Errorf("thrift: protocol %v is not Binary, Compact or JSON", o.protocol)
	}
	if !o.transport.valid() {
		return nil, fmt.Errorf("thrift: transport %v is not Framed, Buffered or Header", o.transport)
	}
	if o.transport.header() && o.protocol == JSON {
		return nil, errors.New("thrift: the Header transport carries Binary or Compact, not JSON")
	}
	if err := o.useTokens(o.transport.carriesHeaders()); err != nil {
		return nil, err
	}
	if err := o.checkPipelining(); err != nil {
		return nil, err
	}
	o.setDefaults()
	cl := &Client{
		addr: addr,
		opts: o,
		peer: &Peer{Addr: dialAddr(addr)},
		sem:  make(chan struct{}, o.maxConns),
	}
	if !o.plaintext {
		if _, unix := unixPath(addr); unix && (o.tls == nil || o.tls.ServerName == "") {
			return nil, errors.New("thrift: TLS over a Unix socket needs the ServerName of the server's certificate in WithTLS's config (or WithPlaintext)")
		}
		cl.tls = SecureClientTLS(o.tls, addr)
	}
	if len(o.interceptors) > 0 {
		cl.invoke = chainClient(o.interceptors, func(ctx context.Context, info *CallInfo, args, result Struct) error {
			return cl.roundTrip(ctx, info.Method, args, result, info.Oneway)
		})
	}
	if o.pipeline > 0 {
		cl.pipe = newPipePool(cl)
		pc, err := cl.pipe.open(ctx)
		if err != nil {
			return nil, err
		}
		cl.pipe.conns = append(cl.pipe.conns, pc)
		return cl, nil
	}
	cc, err := cl.dial(ctx)
	if err != nil {
		return nil, err
	}
	cl.idle = append(cl.idle, cc)
	return cl, nil
}

// Call sends a CALL for method with args and decodes the REPLY into
// result. An EXCEPTION reply is returned as an *ApplicationError.
func (cl *Client) Call(ctx context.Context, method string, args, result Struct) error {
	if cl.invoke != nil {
		return cl.invoke(ctx, &CallInfo{Method: method, Peer: cl.peer}, args, result)
	}
	return cl.roundTrip(ctx, method, args, result, false)
}

// Oneway sends a ONEWAY message for method and returns once it is written
// (handed to the kernel); it does not wait for the server to run it.
func (cl *Client) Oneway(ctx context.Context, method string, args Struct) error {
	if cl.invoke != nil {
		return cl.invoke(ctx, &CallInfo{Method: method, Oneway: true, Peer: cl.peer}, args, nil)
	}
	return cl.roundTrip(ctx, method, args, nil, true)
}

// Close closes the idle connections and makes later calls fail with
// ErrClientClosed. Calls in flight finish; their connections are closed
// as they return.
func (cl *Client) Close() error {
	cl.mu.Lock()
	cl.closed = true
	idle := cl.idle
	cl.idle = nil
	cl.mu.Unlock()
	for _, cc := range idle {
		cc.abort()
	}
	if cl.pipe != nil {
		cl.pipe.close()
	}
	return nil
}

// maxAttempts bounds how often one call is sent: again only when it
// provably never reached a handler (see roundTrip).
const maxAttempts = 3

// roundTrip is one call, on one pooled connection, or on another when the
// first provably did not run it: the server answered ExceptionNotExecuted
// (it is shutting down). A pooled connection found dead before the request
// was sent is not an attempt: get drops it and takes or dials another. Nothing else is retried: once a request may have reached a
// handler, only the caller can know whether running it twice is safe.
func (cl *Client) roundTrip(ctx context.Context, method string, args, result Struct, oneway bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("thrift: call %s: %w", method, err)
	}
	// The call's deadline spans every attempt: the context's, or
	// WithCallTimeout's. It is enforced with the connection's own
	// deadline rather than a derived context, which would cost several
	// allocations per call.
	limit, ok := ctx.Deadline()
	var slack time.Duration
	var now time.Time
	if !ok && cl.opts.callTimeout > 0 {
		now = time.Now()
		limit = now.Add(cl.opts.callTimeout)
		slack = cl.opts.callTimeout / 4
	}
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			now = time.Time{} // a round trip old
		}
		var again bool
		var err error
		if cl.pipe != nil {
			again, err = cl.pipe.attempt(ctx, limit, slack, method, args, result, oneway)
		} else {
			again, err = cl.attempt(ctx, limit, slack, now, method, args, result, oneway)
		}
		if !again || attempt == maxAttempts || ctx.Err() != nil || (!limit.IsZero() && !time.Now().Before(limit)) {
			return err
		}
		cl.opts.logger.Debug("thrift: call not executed by the server; sending it again", "server", cl.addr, "method", method, "error", err)
	}
}

// attempt sends the call once. again reports that it provably did not
// run, so that sending it again is safe.
//
// The caller's goroutine does the whole call: it writes the request and
// reads its own reply (see the comment at the top of this file).
//
// now, if not zero, is the time the call started, just before: get uses it
// instead of reading the clock again.
func (cl *Client) attempt(ctx context.Context, limit time.Time, slack time.Duration, now time.Time, method string, args, result Struct, oneway bool) (again bool, err error) {
	typ := MessageCall
	if oneway {
		typ = MessageOneway
	}
	cc, err := cl.get(ctx, limit, slack, now)
	if err != nil {
		return false, fmt.Errorf("thrift: call %s: %w", method, notSentError{err})
	}
	defer cl.put(cc)
	cc.seq++
	hdrs := headersFrom(ctx)
	if cc.w.hdr != nil && hdrs != nil {
		cc.w.hdr.send = hdrs.send
	}
	if err := cc.w.encodeMessage(method, typ, cc.seq, args); err != nil {
		return false, fmt.Errorf("thrift: call %s: encoding arguments: %w", method, err)
	}
	// The connection's deadline (armed by get) bounds the write and the
	// wait for the reply; the context's cancellation closes the
	// connection, which ends either at once. Any failure closes it: a
	// half-written request or half-read reply can never be reused.
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, cc.abortFn)
	}
	err = cc.w.flush()
	if err == nil && !oneway {
		err = cc.readReply(method, result)
		if cc.w.hdr != nil && hdrs != nil && hdrs.sink != nil {
			// The reply's headers, an exception's too.
			*hdrs.sink = cc.w.hdr.recvd
		}
	}
	if stop != nil && !stop() {
		// The context ended while the call was under way: abort has
		// run or is running. Make sure the connection is marked dead
		// before put sees it; a reply read in full still counts.
		cc.abort()
		if err != nil {
			err = ctx.Err()
		}
	}
	if err == nil {
		cc.lastUse = time.Now()
		return false, nil
	}
	cc.lastUse = time.Time{}
	var ae *ApplicationError
	if errors.As(err, &ae) {
		if ae.Type == ExceptionNotExecuted {
			// The server closes this connection next.
			cc.abort()
			return true, err
		}
		return false, err // the server's answer, as is
	}
	cc.abort()
	if isTimeout(err) && !limit.IsZero() && !time.Now().Before(limit) {
		err = context.DeadlineExceeded
	}
	return false, fmt.Errorf("thrift: call %s: %w", method, err)
}

// readReply reads the reply to the call just sent on cc and decodes it
// into result. An error other than an *ApplicationError the server sent
// as its answer leaves the connection unusable (attempt closes it).
func (cc *clientConn) readReply(method string, result Struct) error {
	name, typ, seq, err := cc.w.readMessageBegin()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("connection closed by server before the reply: %w", io.ErrUnexpectedEOF)
		}
		return err
	}
	fatal, err := readReply(cc.w.dec, method, cc.seq, result, name, typ, seq)
	if fatal {
		cc.abort()
	}
	return err
}

// get takes a connection from the pool, or dials one, waiting while
// maxConns are in use. A pooled connection is checked first (see
// clientConn.idleOK) and dropped if the server closed it or sent
// something meanwhile, so a call is never sent on a connection known to
// be dead. The connection returned has its deadline armed for limit.
//
// now, if not zero, is the time the call started, read by the caller just
// before; the check of a pooled connection uses it rather than reading the
// clock again (a clock read is about 50 ns of a call's 10 µs of CPU), unless
// get had to wait for a connection.
func (cl *Client) get(ctx context.Context, limit time.Time, slack time.Duration, now time.Time) (*clientConn, error) {
	select {
	case cl.sem <- struct{}{}:
	default:
		now = time.Time{} // stale once this waits
		if err := waitSlot(ctx, cl.sem, limit); err != nil {
			return nil, err
		}
	}
	for {
		cl.mu.Lock()
		if cl.closed {
			cl.mu.Unlock()
			<-cl.sem
			return nil, ErrClientClosed
		}
		var cc *clientConn
		if n := len(cl.idle); n > 0 {
			cc = cl.idle[n-1]
			cl.idle[n-1] = nil
			cl.idle = cl.idle[:n-1]
		}
		cl.mu.Unlock()
		if cc == nil {
			break
		}
		if slack == 0 && !limit.IsZero() && !time.Now().Before(limit) {
			// The check below could not look at the socket under a
			// deadline already passed, and would drop a good
			// connection.
			cl.put(cc)
			return nil, context.DeadlineExceeded
		}
		// Armed before the check: a read deadline already passed
		// would keep the check from looking at the socket.
		cc.armDeadline(limit, slack)
		if cc.idleOK(now) {
			return cc, nil
		}
		cc.abort()
	}
	cc, err := cl.dial(ctx)
	if err != nil {
		<-cl.sem
		return nil, err
	}
	cc.armDeadline(limit, slack)
	return cc, nil
}

// waitSlot takes a token of sem, waiting until ctx ends or limit (if not
// zero) passes. The callers try the channel without waiting first, so
// that the common case costs neither a call nor a timer.
func waitSlot(ctx context.Context, sem chan struct{}, limit time.Time) error {
	var expired <-chan time.Time
	if !limit.IsZero() {
		t := time.NewTimer(time.Until(limit))
		defer t.Stop()
		expired = t.C
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-expired:
		return context.DeadlineExceeded
	}
}

// put returns a connection to the pool, or drops it if it is broken or
// the client is closed.
func (cl *Client) put(cc *clientConn) {
	cl.mu.Lock()
	keep := !cl.closed && !cc.dead.Load()
	if keep {
		cl.idle = append(cl.idle, cc)
	}
	cl.mu.Unlock()
	if !keep {
		cc.abort()
	}
	<-cl.sem
}

// dial opens and, for TLS, handshakes a new connection within the dial
// timeout.
func (cl *Client) dial(ctx context.Context) (*clientConn, error) {
	raw, probe, conn, err := cl.connect(ctx)
	if err != nil {
		return nil, err
	}
	cc := &clientConn{cl: cl, raw: raw, probe: probe}
	cc.abortFn = cc.abort
	cc.conn = conn
	var in io.Reader = conn
	var out io.Writer = conn
	t := cl.opts.transport
	if cl.opts.zlib {
		t, in, out = zlibLayer(t, conn, conn, cl.opts.lim)
	}
	cc.w = newWire(t, cl.opts.protocol, in, out, cl.opts.lim)
	cc.w.sealer = cl.opts.sealer
	return cc, nil
}

// connect opens and, for TLS, handshakes a new connection within the dial
// timeout. conn is probe, or the TLS connection over it.
func (cl *Client) connect(ctx context.Context) (raw net.Conn, probe *probeConn, conn net.Conn, err error) {
	ctx, cancel := context.WithTimeout(ctx, cl.opts.dialTimeout)
	defer cancel()
	dial := cl.opts.dialer
	if dial == nil {
		dial = dialNet
	}
	raw, err = dial(ctx, cl.addr)
	if err != nil {
		return nil, nil, nil, err
	}
	probe = newProbeConn(raw)
	conn = probe
	if cl.tls != nil {
		tc := tls.Client(probe, cl.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, nil, nil, fmt.Errorf("thrift: TLS handshake with %s: %w", cl.addr, err)
		}
		conn = tc
	}
	return raw, probe, conn, nil
}

// clientConn is one pooled connection, used by one call at a time: the
// goroutine holding it (taken from the pool) writes the request and reads
// the reply.
type clientConn struct {
	cl    *Client
	raw   net.Conn
	probe *probeConn // raw, as TLS and the wire read it (see idleOK)
	conn  net.Conn   // probe, or the TLS connection over it
	w     *wire
	seq   int32     // last sequence id sent; owned by the holder
	armed time.Time // the deadline set on conn; owned by the holder

	probeBuf [1]byte // idleOK's, kept here so that it does not escape
	// lastUse is when the last call ended with a reply (zero after an
	// exception or a fresh dial): idleOK looks at the socket only when
	// it is older than probeAfter.
	lastUse time.Time

	// dead is set by abort, which may run on the holder's goroutine or
	// on the one of its context's AfterFunc.
	dead atomic.Bool
	// abortFn is cc.abort bound once: a method value made per call
	// would cost an allocation.
	abortFn func()
}

// armDeadline sets the connection's read and write deadline for a call
// that must end by limit (none if zero). slack is how much later than
// limit the deadline may pass: zero for a context's deadline, which is
// armed exactly; a quarter of WithCallTimeout's bound for its own limit,
// so that a busy connection moves its deadline about once every slack
// rather than once a call (each move takes the runtime's timer lock):
// such a call then gets between the bound and 1.25 times it.
func (cc *clientConn) armDeadline(limit time.Time, slack time.Duration) {
	if slack > 0 && !cc.armed.Before(limit) && !cc.armed.After(limit.Add(slack)) {
		return
	}
	want := limit
	if !limit.IsZero() {
		want = limit.Add(slack)
	}
	if cc.armed.Equal(want) {
		return
	}
	cc.conn.SetDeadline(want)
	cc.armed = want
}

// idleOK reports whether a pooled connection can carry a call: the
// server has neither closed it nor sent anything since the last reply.
// It looks at the socket without waiting (see probeConn); TLS records
// the server may send an idle connection without breaking it (TLS 1.3
// session tickets, key updates) are read and handled by TLS on the way.
// now is the current time, or zero to read the clock.
func (cc *clientConn) idleOK(now time.Time) bool {
	if cc.dead.Load() {
		return false
	}
	if cc.w.buffered() > 0 {
		return false // bytes nobody asked for
	}
	if !cc.lastUse.IsZero() && cc.sinceLastUse(now) < probeAfter {
		// Back within probeAfter of a clean reply: the look costs a
		// system call, and a server that drops a connection it just
		// answered on says so first (not executed, or an exception,
		// which clears lastUse) or is failing anyway.
		return true
	}
	if !cc.probe.canProbe() {
		return true // a custom dialer's connection: see probeConn
	}
	bytes, ok := cc.probe.raw.waiting()
	if !ok || !bytes {
		return ok // the common case: nothing arrived, nothing read
	}
	if cc.conn == net.Conn(cc.probe) {
		return false // plaintext: bytes nobody asked for
	}
	// TLS: let TLS read what arrived; records that are not application
	// data (session tickets, key updates) leave it usable.
	cc.probe.probing = true
	n, err := cc.conn.Read(cc.probeBuf[:])
	cc.probe.probing = false
	return n == 0 && errors.Is(err, errNothingToRead)
}

// probeAfter is how long after a clean reply a pooled connection is
// reused without looking at its socket (see idleOK).
const probeAfter = time.Millisecond

// sinceLastUse is how long ago lastUse was, seen from now (zero: the
// clock's now). A lastUse later than now (another call put the
// connection back after this one read the time) is a clean reply within
// the call's own first steps: its idle time counts as zero.
func (cc *clientConn) sinceLastUse(now time.Time) time.Duration {
	if now.IsZero() {
		return time.Since(cc.lastUse)
	}
	return max(now.Sub(cc.lastUse), 0)
}

// abort marks the connection dead and closes it.
func (cc *clientConn) abort() {
	cc.dead.Store(true)
	cc.raw.Close()
}

// readReply checks a reply header against the call and decodes the body.
// fatal means the connection must not be used again (the stream may be out
// of step, or the server is not following the protocol).
func readReply(d *Decoder, method string, expSeq int32, result Struct, name string, typ MessageType, seq int32) (fatal bool, err error) {
	switch {
	case seq != expSeq:
		return true, NewApplicationError(ExceptionBadSequenceID, "%s: reply has sequence id %d, want %d", method, seq, expSeq)
	case !sameMethod(method, name):
		return true, NewApplicationError(ExceptionWrongMethodName, "%s: reply is for method %q", method, name)
	case typ == MessageException:
		ae := &ApplicationError{}
		if err := ae.Decode(d); err != nil {
			return true, fmt.Errorf("decoding the exception reply: %w", err)
		}
		return false, ae
	case typ != MessageReply:
		return true, NewApplicationError(ExceptionInvalidMessageType, "%s: server sent a %v message as its reply", method, typ)
	case result == nil:
		if err := d.Skip(TypeStruct); err != nil {
			return true, fmt.Errorf("skipping the reply: %w", err)
		}
		return false, nil
	default:
		if err := result.Decode(d); err != nil {
			return true, fmt.Errorf("decoding the reply: %w", err)
		}
		return false, nil
	}
}
