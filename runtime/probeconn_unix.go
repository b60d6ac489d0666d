//go:build unix

package runtime

import (
	"io"
	"net"
	"syscall"
)

// rawProbe reads a socket without waiting, through its syscall.RawConn
// (taken once per connection: SyscallConn allocates).
type rawProbe struct {
	rc syscall.RawConn
	// fn is p.readNow bound once, so that a probe allocates nothing;
	// buf, n and err carry its arguments and results.
	fn   func(fd uintptr) bool
	peek func(fd uintptr) bool
	buf  []byte
	n    int
	err  error
	one  [1]byte
}

func (p *rawProbe) init(c net.Conn) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	p.rc = rc
	p.fn = p.readNow
	p.peek = p.peekNow
}

// peekNow looks at the socket's first waiting byte without taking it.
func (p *rawProbe) peekNow(fd uintptr) bool {
	p.n, _, p.err = syscall.Recvfrom(int(fd), p.one[:], syscall.MSG_PEEK)
	return true
}

// waiting reports whether the socket holds bytes nobody has read, or an
// end of stream or error (then ok is false), without waiting or taking
// any.
func (p *rawProbe) waiting() (bytes, ok bool) {
	if err := p.rc.Read(p.peek); err != nil {
		return false, false
	}
	switch {
	case p.err == syscall.EAGAIN || p.err == syscall.EWOULDBLOCK:
		return false, true
	case p.err != nil || p.n <= 0:
		return false, false
	}
	return true, true
}

func (p *rawProbe) ok() bool { return p.rc != nil }

// readNow is one read(2) on the non-blocking socket; done either way, so
// RawConn.Read never waits for the socket to become readable.
func (p *rawProbe) readNow(fd uintptr) bool {
	p.n, p.err = syscall.Read(int(fd), p.buf)
	return true
}

func (p *rawProbe) read(b []byte) (int, error) {
	p.buf = b
	err := p.rc.Read(p.fn)
	p.buf = nil
	switch {
	case err != nil:
		return 0, err // closed, or its deadline passed
	case p.err == syscall.EAGAIN || p.err == syscall.EWOULDBLOCK:
		return 0, errNothingToRead
	case p.err != nil:
		return 0, p.err
	case p.n <= 0:
		return 0, io.EOF
	}
	return p.n, nil
}
