//go:build !linux

package runtime

import "net"

// unixCred is only implemented on Linux (SO_PEERCRED); elsewhere
// Peer.Unix stays nil.
func unixCred(*net.UnixConn) *UnixCred { return nil }
