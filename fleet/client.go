package fleet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// ErrNoEndpoints is returned by calls when the resolver reports no
// endpoint, or none could be connected to.
var ErrNoEndpoints = errors.New("fleet: no endpoint available")

// Client sends calls over the endpoints a Resolver reports. It implements
// runtime.Caller and is safe for concurrent use. See the package doc for
// balancing, ejection and retries.
type Client struct {
	o        options
	res      Resolver
	budget   *budget
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	list     atomic.Pointer[[]*endpoint] // sorted by address; replaced, never changed
	rr       atomic.Uint64
	first    chan struct{} // closed on the resolver's first report
	firstSet sync.Once

	mu     sync.Mutex
	eps    map[string]*endpoint
	closed bool

	calls, retries, ejections atomic.Int64
}

// endpoint is one replica and its connection pool.
type endpoint struct {
	addr     string
	inflight atomic.Int64
	client   atomic.Pointer[runtime.Client]
	gone     chan struct{} // closed when the resolver drops it
	settled  chan struct{} // closed once the first dial has ended either way

	fails        atomic.Int32 // consecutive connection-level failures
	ejected      atomic.Int32 // ejections in a row, reset by a success
	ejectedUntil atomic.Int64 // unix nanoseconds; 0 when never ejected
}

// Stats counts what a Client did since New.
type Stats struct {
	Calls, Retries, Ejections int64
	// Endpoints maps each current endpoint to its calls in flight.
	Endpoints map[string]int64
}

// New starts watching res and returns a Client once the resolver has
// reported the first set and every endpoint in it has been dialed once
// (connected or failed), or when ctx ends, whichever comes first; ctx
// bounds only this wait. Close stops the watch and closes the pools.
func New(ctx context.Context, res Resolver, opts ...Option) (*Client, error) {
	if res == nil {
		return nil, errors.New("fleet: New given a nil Resolver")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	o.defaults()
	c := &Client{o: o, res: res, budget: newBudget(o.ratio, o.burst), first: make(chan struct{}), eps: map[string]*endpoint{}}
	empty := []*endpoint{}
	c.list.Store(&empty)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		res.Watch(c.ctx, c.update)
	}()
	select {
	case <-c.first:
	case <-ctx.Done():
		return c, nil
	}
	for _, e := range *c.list.Load() {
		select {
		case <-e.settled:
		case <-ctx.Done():
			return c, nil
		}
	}
	return c, nil
}

// Close stops watching the resolver and closes every endpoint's pool;
// calls in flight finish.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.cancel()
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.eps {
		if cl := e.client.Load(); cl != nil {
			cl.Close()
		}
	}
	return nil
}

// Stats returns counters and the current endpoints.
func (c *Client) Stats() Stats {
	s := Stats{Calls: c.calls.Load(), Retries: c.retries.Load(), Ejections: c.ejections.Load(), Endpoints: map[string]int64{}}
	for _, e := range *c.list.Load() {
		s.Endpoints[e.addr] = e.inflight.Load()
	}
	return s
}

// update applies a resolver report.
func (c *Client) update(u Update) {
	if u.Err != nil {
		c.o.logger.Warn("fleet: resolver failed; keeping the endpoints it reported before", "error", u.Err)
		return
	}
	eps := normalize(u.Endpoints)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	next := make(map[string]*endpoint, len(eps))
	list := make([]*endpoint, 0, len(eps))
	for _, ep := range eps {
		e := c.eps[ep.Addr]
		if e == nil {
			e = &endpoint{addr: ep.Addr, gone: make(chan struct{}), settled: make(chan struct{})}
			c.wg.Add(1)
			go c.connect(e)
		}
		next[ep.Addr] = e
		list = append(list, e)
	}
	var removed []*endpoint
	for addr, e := range c.eps {
		if next[addr] == nil {
			removed = append(removed, e)
		}
	}
	c.eps = next
	c.list.Store(&list)
	c.mu.Unlock()
	for _, e := range removed {
		close(e.gone)
		if cl := e.client.Load(); cl != nil {
			cl.Close() // calls in flight finish
		}
	}
	c.firstSet.Do(func() { close(c.first) })
}

// connect dials e until it succeeds, e is removed or the client closes,
// waiting the ejection backoff between tries.
func (c *Client) connect(e *endpoint) {
	defer c.wg.Done()
	settled := false
	defer func() {
		if !settled {
			close(e.settled)
		}
	}()
	for {
		ctx, cancel := context.WithTimeout(c.ctx, c.o.dialTimeout)
		cl, err := runtime.Dial(ctx, e.addr, c.o.clientOpts...)
		cancel()
		if err == nil {
			c.mu.Lock()
			keep := !c.closed && c.eps[e.addr] == e
			if keep {
				e.client.Store(cl)
			}
			c.mu.Unlock()
			if !keep {
				cl.Close()
			}
			return
		}
		if c.ctx.Err() != nil {
			return
		}
		d := c.eject(e, time.Now(), err)
		if !settled {
			settled = true
			close(e.settled)
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-e.gone:
			t.Stop()
			return
		case <-c.ctx.Done():
			t.Stop()
			return
		}
	}
}

// eject takes e out of rotation for a backoff that doubles with each
// ejection in a row, and returns it.
func (c *Client) eject(e *endpoint, now time.Time, cause error) time.Duration {
	n := e.ejected.Add(1)
	d := c.o.ejectBackoff
	for i := int32(1); i < n && d < c.o.maxEjection; i++ {
		d *= 2
	}
	d = min(d, c.o.maxEjection)
	d += rand.N(d/4 + 1)
	e.ejectedUntil.Store(now.Add(d).UnixNano())
	e.fails.Store(0)
	c.ejections.Add(1)
	c.o.logger.Info("fleet: endpoint ejected", "endpoint", e.addr, "for", d, "error", cause)
	if rn, ok := c.res.(ResolveNower); ok {
		rn.ResolveNow()
	}
	return d
}

// record notes the outcome of an attempt on e.
func (c *Client) record(e *endpoint, out outcome, err error) {
	switch out {
	case answered:
		if e.fails.Load() != 0 {
			e.fails.Store(0)
		}
		if e.ejected.Load() != 0 {
			e.ejected.Store(0)
		}
	case notExecuted:
		c.eject(e, time.Now(), err)
	case notSent, lost:
		// Right after a re-admission one failure is enough.
		if e.fails.Add(1) >= int32(c.o.ejectAfter) || e.ejected.Load() != 0 {
			now := time.Now()
			if now.UnixNano() >= e.ejectedUntil.Load() {
				c.eject(e, now, err)
			}
		}
	}
}

// usable reports whether e can take a call: connected, not ejected, not
// already tried by this call.
func (e *endpoint) usable(now *int64, tried []*endpoint) (*runtime.Client, bool) {
	cl := e.client.Load()
	if cl == nil {
		return nil, false
	}
	if until := e.ejectedUntil.Load(); until != 0 {
		if *now == 0 {
			*now = time.Now().UnixNano()
		}
		if *now < until {
			return nil, false
		}
	}
	for _, t := range tried {
		if t == e {
			return nil, false
		}
	}
	return cl, true
}

// pick chooses an endpoint for one attempt. When every endpoint is
// ejected or tried, it falls back to any connected endpoint not yet tried,
// and then to any connected one: a fleet that is all ejected still gets
// calls (they probe it), rather than failing without trying.
func (c *Client) pick(tried []*endpoint) (*endpoint, *runtime.Client) {
	l := *c.list.Load()
	n := len(l)
	if n == 0 {
		return nil, nil
	}
	var now int64
	if c.o.policy == RoundRobin || n == 1 {
		start := int(c.rr.Add(1) % uint64(n))
		for k := range n {
			e := l[(start+k)%n]
			if cl, ok := e.usable(&now, tried); ok {
				return e, cl
			}
		}
	} else {
		// Two random starting points, each moving on to the first
		// usable endpoint; the one with fewer calls in flight wins.
		var a, b *endpoint
		var ca, cb *runtime.Client
		i := rand.IntN(n)
		j := rand.IntN(n - 1)
		if j >= i {
			j++
		}
		for k := range n {
			if cl, ok := l[(i+k)%n].usable(&now, tried); ok {
				a, ca = l[(i+k)%n], cl
				break
			}
		}
		if a == nil {
			goto fallback
		}
		for k := range n {
			if cl, ok := l[(j+k)%n].usable(&now, tried); ok {
				b, cb = l[(j+k)%n], cl
				break
			}
		}
		if b != nil && b.inflight.Load() < a.inflight.Load() {
			return b, cb
		}
		return a, ca
	}
fallback:
	var best *endpoint
	for _, e := range l {
		if e.client.Load() == nil {
			continue
		}
		seen := false
		for _, t := range tried {
			seen = seen || t == e
		}
		if !seen && (best == nil || e.ejectedUntil.Load() < best.ejectedUntil.Load()) {
			best = e
		}
	}
	if best != nil {
		return best, best.client.Load()
	}
	return nil, nil
}

// Call sends a call to one endpoint, and again to another when that is
// safe (see the package doc).
func (c *Client) Call(ctx context.Context, method string, args, result runtime.Struct) error {
	return c.call(ctx, method, args, result, false)
}

// Oneway sends a oneway message to one endpoint; it is sent again only
// when it was provably never written.
func (c *Client) Oneway(ctx context.Context, method string, args runtime.Struct) error {
	return c.call(ctx, method, args, nil, true)
}

func (c *Client) call(ctx context.Context, method string, args, result runtime.Struct, oneway bool) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.o.callTimeout)
		defer cancel()
	}
	c.calls.Add(1)
	c.budget.onCall()
	var triedBuf [maxAttemptsCap]*endpoint
	tried := triedBuf[:0]
	var lastErr error
	for attempt := 1; ; attempt++ {
		e, cl := c.pick(tried)
		if e == nil {
			if lastErr != nil {
				return lastErr
			}
			return fmt.Errorf("fleet: call %s: %w", method, ErrNoEndpoints)
		}
		tried = append(tried, e)
		e.inflight.Add(1)
		var err error
		if oneway {
			err = cl.Oneway(ctx, method, args)
		} else {
			err = cl.Call(ctx, method, args, result)
		}
		e.inflight.Add(-1)
		out := classify(ctx, err)
		c.record(e, out, err)
		switch out {
		case answered, ctxEnded:
			return err
		case lost:
			if !c.o.idempotent[method] {
				return err
			}
		}
		lastErr = err
		if attempt >= c.o.maxAttempts || ctx.Err() != nil || !c.budget.take() {
			return err
		}
		c.retries.Add(1)
	}
}
