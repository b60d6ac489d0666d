//go:build unix

package runtime

import (
	"net"
	"syscall"
)

// pendingBytes returns how many bytes from the peer (up to 2 KiB) wait in
// c's socket buffer, unread. It peeks without blocking and without taking
// the connection's read lock (Control, not Read), so a goroutine blocked
// reading c does not stall it.
func pendingBytes(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	var buf [2 << 10]byte
	rc.Control(func(fd uintptr) {
		n, _, _ = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	})
	return max(n, 0)
}
