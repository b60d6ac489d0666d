package runtime

import (
	"net"
	"sync"
	"sync/atomic"
)

// admission holds the connections a Server has accepted but not yet
// established: still in their TLS handshake or, in plaintext, not yet
// having sent a byte. Such a connection costs an attacker nothing to open
// (no certificate is needed to connect, mutual TLS or not), so these are
// kept apart from MaxConns, in a smaller pool (MaxHandshakes) with a share
// per source address (MaxHandshakesPerSource; an IPv6 source is its /64).
//
// A full pool or a full share does not refuse the newcomer: it evicts the
// pending connection that has sent the fewest bytes (the oldest among
// equals), taken from the newcomer's own source when that source is over
// its share. A real client sends its whole ClientHello (over a kilobyte
// with today's key shares), or its request, as soon as it connects, so it
// outlives connections opened beside it that stay silent or trickle a
// byte, even from the same address (one NAT, one proxy, one host): the
// address alone cannot tell attacker from client, the behaviour does. On
// Linux, TCP_DEFER_ACCEPT (see Server.Serve) keeps silent connections from
// reaching the pool at all.
type admission struct {
	max, perSource int

	mu       sync.Mutex
	pending  []*pendingConn // in accept order
	bySource map[string]int
	evicted  atomic.Int64
}

// pendingConn is one connection waiting to be established.
type pendingConn struct {
	source string
	raw    net.Conn
	read   atomic.Int64 // bytes the serving goroutine has read
	gone   bool         // evicted or established; under admission.mu
}

// heardConn marks its pendingConn heard on the first byte read.
type heardConn struct {
	net.Conn
	p *pendingConn
	// enough: p.read has reached progressEnough, so Read stops counting
	// without looking at p again, once a call on an established
	// connection. Owned by the goroutine reading the connection.
	enough bool
}

func (c *heardConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.enough {
		c.enough = c.p.read.Add(int64(n)) >= progressEnough
	}
	return n, err
}

// progressEnough is where counting a connection's bytes stops: past a
// ClientHello's worth, it is as good as any.
const progressEnough = 4 << 10

// progress is how many bytes the peer has sent: read by the serving
// goroutine or, if none yet, waiting in the socket buffer (a client's
// ClientHello is there within a round trip of connecting, before the
// goroutine serving it may even have run).
func (p *pendingConn) progress() int64 {
	if n := p.read.Load(); n > 0 {
		return n
	}
	return int64(pendingBytes(p.raw))
}

func newAdmission(max, perSource int) *admission {
	return &admission{max: max, perSource: perSource, bySource: map[string]int{}}
}

// admit adds raw to the pool, evicting (closing) others as needed, and
// returns it wrapped so that its first byte is noticed.
func (a *admission) admit(raw net.Conn) (*pendingConn, net.Conn) {
	p := &pendingConn{source: sourceKey(raw.RemoteAddr()), raw: raw}
	var victims []*pendingConn
	a.mu.Lock()
	for {
		sameSource := a.bySource[p.source] >= a.perSource
		if !sameSource && len(a.pending) < a.max {
			break
		}
		v := a.victim(p.source, sameSource)
		if v == nil {
			break // cannot happen: a full pool has members
		}
		a.remove(v)
		victims = append(victims, v)
	}
	a.pending = append(a.pending, p)
	a.bySource[p.source]++
	a.mu.Unlock()
	for _, v := range victims {
		v.raw.Close()
	}
	a.evicted.Add(int64(len(victims)))
	return p, &heardConn{Conn: raw, p: p}
}

// victim picks the connection to evict: the one that has sent the fewest
// bytes, the oldest among equals, among those of source if sameSource,
// else among all. Called with mu held.
func (a *admission) victim(source string, sameSource bool) *pendingConn {
	var best *pendingConn
	var bestProgress int64
	for _, c := range a.pending {
		if sameSource && c.source != source {
			continue
		}
		p := c.progress()
		if p == 0 {
			return c // silent: nothing can rank lower
		}
		if best == nil || p < bestProgress {
			best, bestProgress = c, p
		}
	}
	return best
}

// remove takes p out of the pool. Called with mu held.
func (a *admission) remove(p *pendingConn) {
	p.gone = true
	for i, c := range a.pending {
		if c == p {
			a.pending = append(a.pending[:i], a.pending[i+1:]...)
			break
		}
	}
	if a.bySource[p.source]--; a.bySource[p.source] <= 0 {
		delete(a.bySource, p.source)
	}
}

// done takes p out of the pool once it is established or has failed. It
// reports false if p had been evicted meanwhile.
func (a *admission) done(p *pendingConn) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.gone {
		return false
	}
	a.remove(p)
	return true
}

// sourceKey is the share a remote address counts against: its IP for
// IPv4, its /64 for IPv6 (one host or one customer usually holds a whole
// /64), or the address itself for other networks.
func sourceKey(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	if ip4 := tcp.IP.To4(); ip4 != nil {
		return ip4.String()
	}
	return tcp.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// rekey moves p to the share of source, once a trusted proxy has said
// who the client is.
func (a *admission) rekey(p *pendingConn, source string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.gone || p.source == source {
		return
	}
	if a.bySource[p.source]--; a.bySource[p.source] <= 0 {
		delete(a.bySource, p.source)
	}
	p.source = source
	a.bySource[source]++
}

// stats returns the connections pending now and those evicted so far.
func (a *admission) stats() (pending int, evicted int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending), a.evicted.Load()
}
