//go:build !linux

package runtime

import (
	"net"
	"time"
)

// deferAccept has no portable equivalent off Linux; the pending pool (see
// Server.MaxHandshakes) is the defence there.
func deferAccept(net.Listener, time.Duration) {}
