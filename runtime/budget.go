package runtime

import (
	"errors"
	"sync"
	"time"
)

// errBudget is how a connection learns that the server-wide memory budget
// stayed spent until its read or write deadline.
var errBudget = errors.New("thrift: server memory budget exhausted; try again later")

// connAllowance is how many bytes of each request, and of each reply, a
// connection may hold without drawing on the server-wide budget. Small
// calls, the great majority, therefore never wait for memory even while
// large ones have spent the budget; what they can hold is bounded by the
// connection caps instead (MaxConns times twice this).
const connAllowance = 64 << 10

// budget is the server-wide memory budget (Server.MaxInflightBytes): a
// counting semaphore of bytes, granted in arrival order so that a large
// request is not starved by a stream of smaller ones.
type budget struct {
	mu      sync.Mutex
	total   int64
	free    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed once granted
}

func newBudget(total int64) *budget {
	return &budget{total: total, free: total}
}

// acquire takes n bytes, waiting until they are free or deadline passes (a
// zero deadline waits for ever). A request for more than the whole budget
// fails at once: it could never be granted.
func (b *budget) acquire(n int64, deadline time.Time) error {
	if n <= 0 {
		return nil
	}
	b.mu.Lock()
	if n > b.total {
		b.mu.Unlock()
		return errBudget
	}
	if len(b.waiters) == 0 && b.free >= n {
		b.free -= n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()

	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-w.ready:
		return nil
	case <-expired:
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready:
		// Granted just as the deadline passed: keep it.
		return nil
	default:
	}
	for i, o := range b.waiters {
		if o == w {
			b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
			break
		}
	}
	// The waiter at the head may have been what held the others back.
	b.grant()
	return errBudget
}

// release returns n bytes and wakes the waiters they satisfy.
func (b *budget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	b.grant()
	b.mu.Unlock()
}

// grant hands free bytes to waiters in order. Called with mu held.
func (b *budget) grant() {
	for len(b.waiters) > 0 && b.free >= b.waiters[0].n {
		w := b.waiters[0]
		b.free -= w.n
		close(w.ready)
		b.waiters[0] = nil
		b.waiters = b.waiters[1:]
	}
}

// inUse returns the bytes currently granted.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total - b.free
}
