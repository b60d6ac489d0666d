package runtime

import (
	"net"
)

// probeConn is the client's raw connection as TLS and the wire read it.
// A pooled connection has no goroutine reading it between calls, so before
// one is reused (clientConn.idleOK) its socket is looked at once: in
// probing mode a Read takes only what the kernel already holds and, when
// there is nothing, fails at once with errNothingToRead instead of waiting.
// That error is a temporary net.Error, which crypto/tls does not keep as
// the connection's error, so TLS can process records the server sends an
// idle connection legitimately (TLS 1.3 session tickets, key updates) and
// the connection stays usable; anything else (end of stream, a
// close_notify, an alert, a stray message) means the server is done with
// it.
//
// Only sockets (syscall.Conn: TCP, Unix) can be looked at without
// waiting. A custom dialer's other connections cannot: they are taken as
// alive, so a call on one the server has closed fails as sent ("closed by
// server before the reply").
type probeConn struct {
	net.Conn
	probing bool // owned by the connection's holder
	raw     rawProbe
}

// errNothingToRead is what a probing Read returns when no byte is waiting.
var errNothingToRead error = nothingToRead{}

type nothingToRead struct{}

func (nothingToRead) Error() string   { return "thrift: nothing to read on an idle connection" }
func (nothingToRead) Timeout() bool   { return true }
func (nothingToRead) Temporary() bool { return true }

func newProbeConn(c net.Conn) *probeConn {
	p := &probeConn{Conn: c}
	p.raw.init(c)
	return p
}

// canProbe reports whether the connection can be looked at without
// waiting.
func (p *probeConn) canProbe() bool { return p.raw.ok() }

func (p *probeConn) Read(b []byte) (int, error) {
	if p.probing {
		return p.raw.read(b)
	}
	return p.Conn.Read(b)
}
