//go:build !unix

package runtime

import "net"

// pendingBytes cannot peek at the socket here; admission relies on the
// bytes the serving goroutine has read.
func pendingBytes(net.Conn) int { return 0 }
