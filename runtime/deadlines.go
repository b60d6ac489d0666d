package runtime

import (
	"encoding/binary"
	"time"
)

// Setting a connection deadline takes the runtime's timer lock and moves a
// timer, and a server set four per call (the idle wait, the request read,
// the reply write, the idle wait again). They are now kept by value and
// changed only when the call needs a different one:
//
//   - Read deadlines may be left armed earlier than wanted: a wait that
//     times out on one checks the deadline it meant (waitUntil) and, if
//     that has not passed, waits again with it armed exactly. So the idle
//     deadline is re-armed about once per IdleTimeout/4 on a busy
//     connection, and a handler running longer than the deadline left
//     armed costs one extra wake-up, never an early close.
//   - A request whose frame is already buffered is read without touching
//     the connection: its read deadline is not set at all.
//   - Write deadlines cannot fire early (a timed-out TLS write leaves the
//     connection unusable), so one is armed for 1.25 × WriteTimeout and
//     kept while at least WriteTimeout of it is left.

// deadlineIn is the deadline d from now, or none for d <= 0.
func deadlineIn(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// armRead sets the read deadline t exactly. Called with mu held (or, in
// beginRequest, when no handler runs).
func (c *serverConn) armRead(t time.Time) {
	if !c.readArmed.Equal(t) {
		c.conn.SetReadDeadline(t)
		c.readArmed = t
	}
}

// relaxReadDeadline arms the wait deadline c.waitUntil, which is d from
// now (none for d <= 0), unless the deadline armed already ends no later
// than it and at most d/4 earlier (or, for no deadline, at all): a wait
// that times out early waits again (see rearmWait). Called with mu held.
func (c *serverConn) relaxReadDeadline(d time.Duration) {
	t, a := c.waitUntil, c.readArmed
	switch {
	case a.IsZero():
	case t.IsZero():
		return
	case !a.After(t) && t.Sub(a) <= d/4:
		return
	}
	c.armRead(t)
}

// rearmWait is called with mu held when awaitRequest's wait timed out. It
// reports whether the wait should go on: when its own deadline has not
// passed yet (the one that did was left armed by relaxReadDeadline, or a
// reply became owed meanwhile), after arming the wait's own deadline
// exactly.
func (c *serverConn) rearmWait() bool {
	if c.owed || (c.inflight && c.srv.shutting.Load()) {
		c.waitUntil = time.Time{}
	}
	if t := c.waitUntil; !t.IsZero() && !time.Now().Before(t) {
		return false
	}
	c.conn.SetReadDeadline(c.waitUntil)
	c.readArmed = c.waitUntil
	return true
}

// armWrite makes sure the reply about to be written has at least
// WriteTimeout before the write deadline, and returns the deadline it is
// owed (for the memory budget's wait). Called by whoever writes, while no
// other write runs.
func (c *serverConn) armWrite() time.Time {
	d := c.cfg.write
	if d <= 0 {
		if !c.writeArmed.IsZero() {
			c.conn.SetWriteDeadline(time.Time{})
			c.writeArmed = time.Time{}
		}
		return time.Time{}
	}
	want := time.Now().Add(d)
	if c.writeArmed.Before(want) {
		c.writeArmed = want.Add(d / 4)
		c.conn.SetWriteDeadline(c.writeArmed)
	}
	return want
}

// frameBuffered reports whether the next request is a frame already
// wholly in the read buffer, so that reading it cannot wait for the peer.
func (w *wire) frameBuffered() bool {
	if w.transport != Framed || w.br.Buffered() < 4 {
		return false
	}
	b, err := w.br.Peek(4)
	if err != nil {
		return false
	}
	return 4+uint64(binary.BigEndian.Uint32(b)) <= uint64(w.br.Buffered())
}
