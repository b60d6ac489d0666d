package runtime

// Pipelining: several calls in flight on one connection.
//
// Without it (the default) a Client's connection carries one call at a
// time: the caller writes its request and reads its own reply. With
// WithPipelining(depth) a connection carries up to depth calls at once.
// Callers append their encoded requests to the connection's outgoing
// buffer and the first of them to find no write under way writes
// everything buffered in one Write (so that N callers cost one system
// call and, over TLS, one record rather than N); one goroutine per
// connection reads the replies, which the server sends in the order of
// the requests, decodes each into its caller's result and wakes the
// caller. Fewer connections and fewer system calls per call: `make
// bench-peers` measures it ("thriftsec TLS pipelined", 64 callers on 8
// connections) against raw crypto/tls ping-pong on one connection per
// caller and on the same 8 connections, and against a raw floor that
// pipelines the same way with nothing else; on this 2-core machine it
// makes about as many calls as the first (0.89-1.04x), more than the
// second, and 0.64-0.85x of the third, whose server also batches replies.
//
// It relies on the server answering a connection's requests in order,
// which every Apache Thrift server does (each reads one request, runs it
// and writes its reply before reading the next) and so does thriftsec's.
// A reply whose sequence id is not the oldest call's ends the connection.
//
// The guarantees of the one-call connection hold:
//   - Deadlines: a call's limit (its context's deadline, or
//     WithCallTimeout's) bounds its wait; a server that stops answering
//     is found by the connection's read deadline, which is kept at the
//     earliest limit of the calls waiting on it, and the connection is
//     closed: every call on it fails.
//   - Cancellation: a call whose context ends returns at once with
//     ctx.Err(); its reply, when it comes, is read and dropped. (The
//     connection is not closed: other calls share it.)
//   - Retries: a call is sent again only when it provably did not run.
//     Besides a NOT_EXECUTED answer, that covers the calls queued behind
//     one on the same connection: thriftsec's server answers one request
//     NOT_EXECUTED when shutting down and then closes the connection
//     without reading further, so none of them ran.
//   - Bounded memory: at most MaxConns × depth calls are in flight; a
//     reply is read under the client's Limits like any other.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// MaxPipelineDepth bounds WithPipelining's depth.
const MaxPipelineDepth = 256

// WithPipelining lets each connection carry up to depth calls at once,
// their requests written back to back (coalesced into one write when
// several callers are ready together) and their replies read in order by
// one goroutine per connection. A new connection is opened only when
// every open one carries depth calls, up to WithMaxConns. The server runs
// a connection's calls one after another, so pipelining suits calls that
// are short next to a round trip; for slow handlers, WithMaxConns is the
// concurrency the server sees. It needs a
// server that answers each connection's requests in order, as Apache's
// and thriftsec's do, and the Framed or Buffered transport without zlib
// or a Sealer (whose streams are stateful per call). depth ≤ 1 means no
// pipelining (the default).
func WithPipelining(depth int) ClientOption {
	return func(o *clientOptions) { o.pipeline = depth }
}

// checkPipelining rejects WithPipelining with what it cannot carry.
func (o *clientOptions) checkPipelining() error {
	switch {
	case o.pipeline <= 1:
		o.pipeline = 0
		return nil
	case o.pipeline > MaxPipelineDepth:
		return fmt.Errorf("thrift: WithPipelining depth %d exceeds %d", o.pipeline, MaxPipelineDepth)
	case o.transport != Framed && o.transport != Buffered:
		return fmt.Errorf("thrift: WithPipelining needs the Framed or Buffered transport, not %v", o.transport)
	case o.zlib:
		return errors.New("thrift: WithPipelining and WithZlib cannot be combined")
	case o.sealer != nil:
		return errors.New("thrift: WithPipelining and WithSealer cannot be combined")
	}
	return nil
}

// pipePool is a Client's set of pipelined connections.
type pipePool struct {
	cl    *Client
	depth int32
	slots chan struct{} // one token per call in flight, MaxConns × depth

	mu      sync.Mutex
	conns   []*pipeConn
	dialing int
	closed  bool
	// closedA is closed, for the readers, which look at it after every
	// reply and should not take mu for that.
	closedA atomic.Bool
}

func newPipePool(cl *Client) *pipePool {
	return &pipePool{
		cl:    cl,
		depth: int32(cl.opts.pipeline),
		slots: make(chan struct{}, cl.opts.maxConns*cl.opts.pipeline),
	}
}

// errConnGone says a connection picked for a call died before the call
// was queued on it: take another.
var errConnGone = errors.New("thrift: connection closed")

// pipeCall is one call queued on a pipeConn.
type pipeCall struct {
	method string
	seq    int32
	result Struct
	limit  time.Time // zero: none
	oneway bool

	// state is callWaiting until either the reader claims the call to
	// deliver its reply (callClaimed) or its caller gives up on it
	// (callAbandoned); whoever moves it last recycles the call.
	state atomic.Int32
	done  chan struct{} // receives once: err is set
	err   error
}

const (
	callWaiting int32 = iota
	callClaimed
	callAbandoned
)

var pipeCalls = sync.Pool{New: func() any { return &pipeCall{done: make(chan struct{}, 1)} }}

func recycle(c *pipeCall) {
	c.result, c.err = nil, nil
	pipeCalls.Put(c)
}

// pipeConn is one pipelined connection.
type pipeConn struct {
	p    *pipePool
	raw  net.Conn
	conn net.Conn
	in   *wire // the reader goroutine's
	load atomic.Int32

	mu      sync.Mutex
	out     *wire // encodes into pending
	pending []byte
	spare   []byte
	// calls are the calls whose replies are due, oldest first; the last
	// unsent of them have their requests still in pending. oneways are
	// the oneway calls whose requests are in pending.
	calls   []*pipeCall
	unsent  int
	oneways []*pipeCall
	writing bool
	seq     int32
	dead    error // why the connection ended; nil while it works
	refused bool  // the server answered NOT_EXECUTED: it runs no more
	armedR  time.Time
	armedW  time.Time
}

// pendingWriter is the out wire's writer: flush appends the message to
// pending, which the writing caller sends.
type pendingWriter struct{ pc *pipeConn }

func (w pendingWriter) Write(b []byte) (int, error) {
	w.pc.pending = append(w.pc.pending, b...)
	return len(b), nil
}

// attempt sends one call on a pipelined connection; again reports that it
// provably did not run.
func (p *pipePool) attempt(ctx context.Context, limit time.Time, slack time.Duration, method string, args, result Struct, oneway bool) (again bool, err error) {
	if err := p.acquire(ctx, limit); err != nil {
		return false, fmt.Errorf("thrift: call %s: %w", method, notSentError{err})
	}
	var c *pipeCall
	var pc *pipeConn
	for tries := 0; ; tries++ {
		pc, err = p.pick(ctx)
		if err == nil {
			c, err = pc.send(method, args, result, oneway, limit, slack)
		}
		if err == errConnGone && tries < maxAttempts {
			continue
		}
		if err != nil {
			<-p.slots
			if errors.Is(err, ErrSizeLimit) {
				return false, fmt.Errorf("thrift: call %s: encoding arguments: %w", method, err)
			}
			return false, fmt.Errorf("thrift: call %s: %w", method, notSentError{err})
		}
		break
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		if c.state.CompareAndSwap(callWaiting, callAbandoned) {
			// The reader drops the reply and recycles c.
			return false, fmt.Errorf("thrift: call %s: %w", method, ctx.Err())
		}
		<-c.done // claimed: the reply is being delivered
	}
	err = c.err
	recycle(c)
	if err == nil {
		return false, nil
	}
	if ae, ok := err.(*ApplicationError); ok {
		return ae.Type == ExceptionNotExecuted, err // the server's answer
	}
	if errors.Is(err, ErrNotSent) || errors.Is(err, ErrNotExecuted) {
		// Queued, or behind a refused call, when the connection ended.
		return true, fmt.Errorf("thrift: call %s: %w", method, err)
	}
	var ae *ApplicationError
	if errors.As(err, &ae) {
		return false, err
	}
	if isTimeout(err) && !limit.IsZero() && !time.Now().Before(limit) {
		err = context.DeadlineExceeded
	}
	return false, fmt.Errorf("thrift: call %s: %w", method, err)
}

// acquire takes a slot for one call, waiting until limit at most.
func (p *pipePool) acquire(ctx context.Context, limit time.Time) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
		return waitSlot(ctx, p.slots, limit)
	}
}

// pick returns the connection with the fewest calls, or a new one when
// every open one carries depth calls and MaxConns allows another. The
// caller holds a slot, so some connection has room or may be opened.
func (p *pipePool) pick(ctx context.Context) (*pipeConn, error) {
	p.mu.Lock()
	for {
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClientClosed
		}
		var best *pipeConn
		for _, pc := range p.conns {
			if best == nil || pc.load.Load() < best.load.Load() {
				best = pc
			}
		}
		if best != nil && best.load.Load() < p.depth {
			best.load.Add(1)
			p.mu.Unlock()
			return best, nil
		}
		if len(p.conns)+p.dialing >= p.cl.opts.maxConns {
			if best != nil {
				// Every slot of the open connections is taken by calls
				// whose slots are being released: share the least loaded.
				best.load.Add(1)
				p.mu.Unlock()
				return best, nil
			}
			// Every connection is being dialed by other calls.
			p.mu.Unlock()
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			time.Sleep(time.Millisecond)
			p.mu.Lock()
			continue
		}
		p.dialing++
		p.mu.Unlock()
		pc, err := p.open(ctx)
		p.mu.Lock()
		p.dialing--
		if err != nil {
			p.mu.Unlock()
			return nil, err
		}
		if p.closed {
			p.mu.Unlock()
			pc.raw.Close()
			return nil, ErrClientClosed
		}
		p.conns = append(p.conns, pc)
		pc.load.Add(1)
		p.mu.Unlock()
		return pc, nil
	}
}

// open dials a connection and starts its reader.
func (p *pipePool) open(ctx context.Context) (*pipeConn, error) {
	raw, _, conn, err := p.cl.connect(ctx)
	if err != nil {
		return nil, err
	}
	return p.adopt(raw, conn), nil
}

// adopt makes a pipelined connection of an established one.
func (p *pipePool) adopt(raw, conn net.Conn) *pipeConn {
	o := &p.cl.opts
	pc := &pipeConn{p: p, raw: raw, conn: conn}
	pc.in = newWire(o.transport, o.protocol, conn, nil, o.lim)
	pc.out = newWire(o.transport, o.protocol, nil, pendingWriter{pc}, o.lim)
	go pc.readLoop()
	return pc
}

// remove drops a dead connection from the pool.
func (p *pipePool) remove(pc *pipeConn) {
	p.mu.Lock()
	for i, c := range p.conns {
		if c == pc {
			p.conns = append(p.conns[:i], p.conns[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
}

// close closes the pool: connections without calls now, the others when
// their last call ends.
func (p *pipePool) close() {
	p.mu.Lock()
	p.closed = true
	p.closedA.Store(true)
	conns := append([]*pipeConn(nil), p.conns...)
	p.mu.Unlock()
	for _, pc := range conns {
		if pc.load.Load() == 0 {
			pc.fail(ErrClientClosed)
		}
	}
}

// send queues a call on pc and writes what is pending unless another
// caller is writing. It holds pc's load unit taken by pick, and gives it
// back if the call cannot be queued.
func (pc *pipeConn) send(method string, args, result Struct, oneway bool, limit time.Time, slack time.Duration) (*pipeCall, error) {
	pc.mu.Lock()
	if pc.dead != nil || pc.refused {
		pc.mu.Unlock()
		pc.load.Add(-1)
		return nil, errConnGone
	}
	typ := MessageCall
	if oneway {
		typ = MessageOneway
	}
	seq := pc.seq + 1
	if err := pc.out.encodeMessage(method, typ, seq, args); err != nil {
		pc.mu.Unlock()
		pc.load.Add(-1)
		return nil, err
	}
	if err := pc.out.flush(); err != nil { // into pending: cannot fail
		pc.mu.Unlock()
		pc.load.Add(-1)
		return nil, err
	}
	pc.seq = seq
	c := pipeCalls.Get().(*pipeCall)
	c.method, c.seq, c.result, c.limit, c.oneway = method, seq, result, limit, oneway
	c.state.Store(callWaiting)
	if oneway {
		pc.oneways = append(pc.oneways, c)
	} else {
		pc.calls = append(pc.calls, c)
		pc.unsent++
		if !limit.IsZero() {
			// Armed here, not by the reader, which may be waiting for a
			// byte under no deadline or a later one. See stillInTime.
			if want := limit.Add(pc.p.grace()); pc.armedR.IsZero() || want.Before(pc.armedR) {
				pc.armedR = want
				pc.conn.SetReadDeadline(want)
			}
		}
	}
	if !limit.IsZero() && (slack == 0 || pc.armedW.Before(limit) || pc.armedW.After(limit.Add(slack))) {
		// As armDeadline: a bound moves once per slack, not per call.
		if want := limit.Add(slack); !want.Equal(pc.armedW) {
			pc.armedW = want
			pc.conn.SetWriteDeadline(want)
		}
	}
	if !pc.writing {
		pc.writeAll()
	}
	pc.mu.Unlock()
	return c, nil
}

// writeAll writes pending until nothing is left, releasing pc.mu during
// each Write so that other callers append to the next batch meanwhile.
// Called with pc.mu held and no write under way.
func (pc *pipeConn) writeAll() {
	pc.writing = true
	for len(pc.pending) > 0 && pc.dead == nil {
		b := pc.pending
		pc.pending = pc.spare[:0]
		oneways := pc.oneways
		pc.oneways = nil
		pc.unsent = 0
		pc.mu.Unlock()
		_, err := pc.conn.Write(b)
		pc.mu.Lock()
		// b is the next batch's buffer, unless it grew large; never
		// the old spare, which pending now is.
		pc.spare = nil
		if cap(b) <= maxKeptWriteBuf {
			pc.spare = b[:0]
		}
		for _, c := range oneways {
			c.err = err
			c.done <- struct{}{}
			pc.load.Add(-1)
			<-pc.p.slots
		}
		if err != nil {
			pc.mu.Unlock()
			pc.fail(err)
			pc.mu.Lock()
		}
	}
	pc.writing = false
}

// readLoop reads the replies, in order, until the connection ends.
func (pc *pipeConn) readLoop() {
	for {
		err := pc.in.waitByte()
		if err != nil && isTimeout(err) && pc.stillInTime() {
			continue // an earlier call's deadline, since answered
		}
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("connection closed by server before the reply: %w", io.ErrUnexpectedEOF)
		}
		if err != nil {
			pc.fail(err)
			return
		}
		name, typ, seq, err := pc.in.readMessageBegin()
		if err != nil {
			pc.fail(err)
			return
		}
		pc.mu.Lock()
		if len(pc.calls) == pc.unsent {
			pc.mu.Unlock()
			pc.fail(NewApplicationError(ExceptionBadSequenceID, "reply (sequence id %d) to no call in flight", seq))
			return
		}
		c := pc.calls[0]
		copy(pc.calls, pc.calls[1:])
		pc.calls[len(pc.calls)-1] = nil
		pc.calls = pc.calls[:len(pc.calls)-1]
		pc.mu.Unlock()

		claimed := c.state.CompareAndSwap(callWaiting, callClaimed)
		result := c.result
		if !claimed {
			result = nil // abandoned: read and drop
		}
		fatal, err := readReply(pc.in.dec, c.method, c.seq, result, name, typ, seq)
		var ae *ApplicationError
		refused := errors.As(err, &ae) && ae.Type == ExceptionNotExecuted
		if refused {
			pc.mu.Lock()
			pc.refused = true
			pc.mu.Unlock()
			pc.p.remove(pc)
		}
		pc.load.Add(-1)
		<-pc.p.slots
		if claimed {
			c.err = err
			c.done <- struct{}{}
		} else {
			recycle(c)
		}
		if fatal {
			pc.fail(err)
			return
		}
		if pc.load.Load() == 0 && pc.p.closedA.Load() {
			pc.fail(ErrClientClosed)
			return
		}
	}
}

// stillInTime reports, after the read deadline passed, whether every call
// waiting still has time (the deadline was an answered call's): it then
// moves the deadline to the earliest limit left.
//
// A call's reply is late when it has not come grace after the call's
// limit: its caller has returned by then (a context's deadline ends the
// wait by itself), and a quarter of the call timeout late is what the
// one-call connection allows too (see armDeadline). Only then is the
// connection, and every call on it, given up: a reply, late or not, is
// what the calls behind it are waiting for.
func (pc *pipeConn) stillInTime() bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	now := time.Now()
	grace := pc.p.grace()
	var earliest time.Time
	for _, c := range pc.calls {
		if c.limit.IsZero() {
			continue
		}
		due := c.limit.Add(grace)
		if !now.Before(due) {
			return false
		}
		if earliest.IsZero() || due.Before(earliest) {
			earliest = due
		}
	}
	pc.armedR = earliest
	pc.conn.SetReadDeadline(earliest)
	return true
}

// grace is how late after its limit a reply may come (see stillInTime).
func (p *pipePool) grace() time.Duration {
	if g := p.cl.opts.callTimeout / 4; g > 0 {
		return g
	}
	return DefaultCallTimeout / 4
}

// fail ends the connection: it is closed and every call on it fails with
// err, or as not sent when its request never left, or as not executed
// when the server had refused an earlier call on it.
func (pc *pipeConn) fail(err error) {
	pc.mu.Lock()
	if pc.dead != nil {
		pc.mu.Unlock()
		return
	}
	pc.dead = err
	calls, unsent, oneways, refused := pc.calls, pc.unsent, pc.oneways, pc.refused
	pc.calls, pc.unsent, pc.oneways = nil, 0, nil
	pc.pending = pc.pending[:0]
	pc.mu.Unlock()
	pc.raw.Close()
	pc.p.remove(pc)
	sent := len(calls) - unsent
	for i, c := range calls {
		cerr := err
		switch {
		case i >= sent:
			cerr = notSentError{err}
		case refused:
			cerr = notExecutedError{err}
		}
		pc.finish(c, cerr)
	}
	for _, c := range oneways {
		pc.finish(c, notSentError{err})
	}
}

// finish ends a call with err and gives its slot back.
func (pc *pipeConn) finish(c *pipeCall, err error) {
	pc.load.Add(-1)
	<-pc.p.slots
	if c.oneway || c.state.CompareAndSwap(callWaiting, callClaimed) {
		c.err = err
		c.done <- struct{}{}
		return
	}
	recycle(c) // abandoned
}

// notExecutedError marks a call lost with its connection after the server
// refused an earlier call on it as not executed: the server read no
// further, so the call did not run either.
type notExecutedError struct{ err error }

func (e notExecutedError) Error() string {
	return "not executed: the server refused an earlier call on the connection and closed it: " + e.err.Error()
}
func (e notExecutedError) Unwrap() error        { return e.err }
func (e notExecutedError) Is(target error) bool { return target == ErrNotExecuted }
