//go:build !unix

package runtime

import "net"

// rawProbe cannot look at a socket without waiting on this platform: every
// pooled connection is taken as alive (see probeConn).
type rawProbe struct{}

func (*rawProbe) init(net.Conn) {}

func (*rawProbe) ok() bool { return false }

func (*rawProbe) read([]byte) (int, error) { return 0, errNothingToRead }

func (*rawProbe) waiting() (bytes, ok bool) { return false, true }
