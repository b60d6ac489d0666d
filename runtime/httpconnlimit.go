package runtime

import (
	"net"
	"net/http"
	"sync/atomic"
)

// DefaultHTTPMaxConns is how many connections a server from NewHTTPServer
// or NewPlaintextHTTPServer keeps open at once, the same cap as Server's
// DefaultMaxConns.
const DefaultHTTPMaxConns = DefaultMaxConns

// LimitHTTPConns returns an http.Server ConnState hook that keeps at most
// max connections open: a connection accepted beyond them is closed at
// once, before its TLS handshake or first request is read, so that a peer
// opening connections and sending nothing cannot hold more than max
// goroutines and buffers (each idle one is also closed after the server's
// ReadHeaderTimeout). net/http has no such cap of its own. next, when not
// nil, sees every state change too. NewHTTPServer and
// NewPlaintextHTTPServer install LimitHTTPConns(DefaultHTTPMaxConns, nil);
// to choose another cap, replace their ConnState:
//
//	srv.ConnState = runtime.LimitHTTPConns(4096, nil)
//
// max ≤ 0 means no limit.
func LimitHTTPConns(max int, next func(net.Conn, http.ConnState)) func(net.Conn, http.ConnState) {
	var open atomic.Int64
	return func(c net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			// Counted until it ends, refused or not: net/http reports
			// StateClosed for a connection closed here too.
			if n := open.Add(1); max > 0 && n > int64(max) {
				c.Close()
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
		if next != nil {
			next(c, state)
		}
	}
}
