package runtime

import (
	"net"
	"syscall"
	"time"
)

// deferAccept asks Linux to hand Accept a connection on ln only once the
// peer has sent data (a ClientHello, or a plaintext request), or once d
// has passed (TCP_DEFER_ACCEPT). Connections opened and left silent, which
// cost an attacker nothing, then wait in the kernel's queue and never
// reach the server's pending pool while they stay silent; a client, which
// always speaks first in Thrift and in TLS, is accepted at once. Errors
// are ignored: the pending pool (see Server.MaxHandshakes) still applies.
func deferAccept(ln net.Listener, d time.Duration) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return
	}
	secs := max(1, int(d/time.Second))
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, secs)
	})
}
