package runtime

import (
	"sync"
	"sync/atomic"
	"time"
)

// A server runs each call's handler on the goroutine that read the
// request (see serverConn.runInline), so that the handler starts without
// a goroutine to start and a wake-up to wait for. While it runs, nobody
// reads the connection: a peer that leaves, IdleTimeout during a long
// oneway handler, Shutdown's quiet period would go unnoticed until the
// handler returns. That is harmless for a quick handler, and the watchdog
// makes it so for a long one: one goroutine per Server, ticking every
// watchTick while any call runs, starts a watcher for each call it finds
// running for a whole tick. The watcher (serverConn.watchLoop) waits for
// the connection's next request exactly as the loop would have, and owns
// the loop from then on, so the peer's end of stream cancels the running
// handler's context as it always did.
//
// Why not a timer per call: arming a short timer on every call makes the
// runtime wake its network poller (or another thread) each time, which
// cost more than the goroutine hand-off it replaces. The watchdog's cost
// is one wake-up per tick, whatever the call rate, and none while the
// server is idle (it parks after a few empty ticks).
const watchTick = 5 * time.Millisecond

// States of serverConn.inline.
const (
	inlineIdle    = iota // no handler runs inline
	inlineRunning        // a handler runs on the loop's goroutine, unwatched
	inlineWatched        // ... and the watchdog started its watcher
)

type watchdog struct {
	srv    *Server
	tick   atomic.Uint32 // ticks so far; a call records it when it starts
	parked atomic.Bool   // waiting on wake, not ticking
	// watchers counts the watchers started, for tests.
	watchers atomic.Int64
	wake     chan struct{}
	stop     chan struct{}
	once     sync.Once
}

func newWatchdog(s *Server) *watchdog {
	w := &watchdog{srv: s, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	w.parked.Store(true)
	return w
}

// callStarted marks c's call as running inline, and wakes the watchdog if
// it is parked.
func (w *watchdog) callStarted(c *serverConn) {
	c.inlineTick.Store(w.tick.Load())
	c.inline.Store(inlineRunning)
	if w.parked.Load() && w.parked.CompareAndSwap(true, false) {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// close ends the watchdog's goroutine; for a server that stopped.
func (w *watchdog) close() {
	w.once.Do(func() { close(w.stop) })
}

// run is the watchdog's goroutine, parked until the first call.
func (w *watchdog) run() {
	var t *time.Ticker
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	idle, ticking := 0, false
	for {
		if w.parked.Load() {
			select {
			case <-w.wake:
			case <-w.stop:
				return
			}
		}
		if !ticking {
			idle, ticking = 0, true
			if t == nil {
				t = time.NewTicker(watchTick)
			} else {
				t.Reset(watchTick)
			}
		}
		select {
		case <-t.C:
		case <-w.stop:
			return
		}
		if w.scan(w.tick.Add(1)) {
			idle = 0
			continue
		}
		if idle++; idle < 3 {
			continue
		}
		// Park; a call starting meanwhile unparks it (callStarted), and
		// one that started before parked was set is seen by the scan
		// that follows.
		t.Stop()
		ticking = false
		w.parked.Store(true)
		if w.scan(w.tick.Load()) && w.parked.CompareAndSwap(true, false) {
			continue
		}
	}
}

// scan starts a watcher for every call that has run inline since before
// the previous tick, and reports whether any call runs inline.
func (w *watchdog) scan(tick uint32) (busy bool) {
	s := w.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.inline.Load() != inlineRunning {
			continue
		}
		busy = true
		if tick-c.inlineTick.Load() >= 2 && c.inline.CompareAndSwap(inlineRunning, inlineWatched) {
			w.watchers.Add(1)
			go c.watchLoop()
		}
	}
	return busy
}
