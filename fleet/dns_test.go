package fleet

import (
	"context"
	"encoding/binary"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// dnsServer is a tiny authoritative DNS server on 127.0.0.1 (UDP) that
// answers A, AAAA and SRV questions from a table the test changes.
type dnsServer struct {
	pc net.PacketConn

	mu       sync.Mutex
	a, aaaa  map[string][]net.IP
	srv      map[string][]srvRec
	servfail bool
	queries  int
}

type srvRec struct {
	port   uint16
	target string
}

func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{pc: pc, a: map[string][]net.IP{}, aaaa: map[string][]net.IP{}, srv: map[string][]srvRec{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := s.answer(buf[:n]); resp != nil {
				pc.WriteTo(resp, from)
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return s
}

// resolver returns a net.Resolver that asks only s.
func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.pc.LocalAddr().String())
	}}
}

func (s *dnsServer) set(f func(s *dnsServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

const (
	typeA    = 1
	typeAAAA = 28
	typeSRV  = 33
)

// answer builds the reply to one query, or nil for garbage.
func (s *dnsServer) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	var labels []string
	off := 12
	for {
		if off >= len(q) {
			return nil
		}
		l := int(q[off])
		off++
		if l == 0 {
			break
		}
		if l > 63 || off+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[off:off+l]))
		off += l
	}
	if off+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[off:])
	off += 4
	name := strings.ToLower(strings.Join(labels, ".")) + "."

	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries++
	rcode := uint16(0)
	var answers [][]byte // rdata, all of type qtype
	_, knownA := s.a[name]
	_, knownAAAA := s.aaaa[name]
	_, knownSRV := s.srv[name]
	switch {
	case s.servfail:
		rcode = 2
	case !knownA && !knownAAAA && !knownSRV:
		rcode = 3
	case qtype == typeA:
		for _, ip := range s.a[name] {
			answers = append(answers, ip.To4())
		}
	case qtype == typeAAAA:
		for _, ip := range s.aaaa[name] {
			answers = append(answers, ip.To16())
		}
	case qtype == typeSRV:
		for _, r := range s.srv[name] {
			rd := binary.BigEndian.AppendUint16(nil, 0) // priority
			rd = binary.BigEndian.AppendUint16(rd, 1)   // weight
			rd = binary.BigEndian.AppendUint16(rd, r.port)
			for _, l := range strings.Split(strings.TrimSuffix(r.target, "."), ".") {
				rd = append(rd, byte(len(l)))
				rd = append(rd, l...)
			}
			answers = append(answers, append(rd, 0))
		}
	}
	resp := make([]byte, 0, 512)
	resp = append(resp, q[0], q[1])
	flags := uint16(0x8000|0x0400|0x0080) | binary.BigEndian.Uint16(q[2:])&0x0100 | rcode
	resp = binary.BigEndian.AppendUint16(resp, flags)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(answers)))
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = append(resp, q[12:off]...)
	for _, rd := range answers {
		resp = append(resp, 0xc0, 12) // the question's name
		resp = binary.BigEndian.AppendUint16(resp, qtype)
		resp = binary.BigEndian.AppendUint16(resp, 1) // IN
		resp = binary.BigEndian.AppendUint32(resp, 0) // TTL
		resp = binary.BigEndian.AppendUint16(resp, uint16(len(rd)))
		resp = append(resp, rd...)
	}
	return resp
}

// watch runs r.Watch and returns the channel of its updates.
func watch(t *testing.T, r Resolver) <-chan Update {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan Update, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Watch(ctx, func(u Update) {
			select {
			case ch <- u:
			case <-ctx.Done():
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ch
}

func next(t *testing.T, ch <-chan Update) Update {
	t.Helper()
	select {
	case u := <-ch:
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no update from the resolver in 5 s")
		return Update{}
	}
}

func addrsOf(u Update) []string {
	var out []string
	for _, e := range u.Endpoints {
		out = append(out, e.Addr)
	}
	return out
}

func TestDNSAddressRecords(t *testing.T) {
	s := startDNS(t)
	s.set(func(s *dnsServer) {
		s.a["svc.test."] = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("127.0.0.2")}
		s.aaaa["svc.test."] = []net.IP{net.ParseIP("::1")}
	})
	ch := watch(t, &DNS{Target: "svc.test.:9000", Resolver: s.resolver(), Interval: 50 * time.Millisecond, MinInterval: 10 * time.Millisecond})
	want := []string{"127.0.0.1:9000", "127.0.0.2:9000", "[::1]:9000"}
	if got := addrsOf(next(t, ch)); !slices.Equal(got, want) {
		t.Fatalf("endpoints %v, want %v", got, want)
	}
	s.set(func(s *dnsServer) {
		s.a["svc.test."] = []net.IP{net.ParseIP("127.0.0.2")}
		delete(s.aaaa, "svc.test.")
	})
	if got := addrsOf(next(t, ch)); !slices.Equal(got, []string{"127.0.0.2:9000"}) {
		t.Fatalf("after the change: endpoints %v", got)
	}
	// A failing server is reported as an error; its recovery as a set.
	s.set(func(s *dnsServer) { s.servfail = true })
	if u := next(t, ch); u.Err == nil {
		t.Fatalf("SERVFAIL gave %v, want an error", addrsOf(u))
	}
	s.set(func(s *dnsServer) { s.servfail = false })
	for {
		u := next(t, ch)
		if u.Err == nil {
			if got := addrsOf(u); !slices.Equal(got, []string{"127.0.0.2:9000"}) {
				t.Fatalf("after recovery: endpoints %v", got)
			}
			break
		}
	}
}

func TestDNSResolveNow(t *testing.T) {
	s := startDNS(t)
	s.set(func(s *dnsServer) { s.a["svc.test."] = []net.IP{net.ParseIP("127.0.0.1")} })
	d := &DNS{Target: "svc.test.:1", Resolver: s.resolver(), Interval: time.Hour, MinInterval: 10 * time.Millisecond}
	ch := watch(t, d)
	next(t, ch)
	s.set(func(s *dnsServer) { s.a["svc.test."] = []net.IP{net.ParseIP("127.0.0.3")} })
	time.Sleep(20 * time.Millisecond)
	d.ResolveNow()
	if got := addrsOf(next(t, ch)); !slices.Equal(got, []string{"127.0.0.3:1"}) {
		t.Fatalf("after ResolveNow: endpoints %v", got)
	}
}

// TestDNSSRVFleet resolves two real servers through SRV records, then
// drops one from DNS: the client stops calling it.
func TestDNSSRVFleet(t *testing.T) {
	a, b := startReplica(t), startReplica(t)
	port := func(r *replica) uint16 {
		_, p, _ := net.SplitHostPort(r.addr)
		n, _ := net.LookupPort("tcp", p)
		return uint16(n)
	}
	s := startDNS(t)
	s.set(func(s *dnsServer) {
		s.srv["_thrift._tcp.svc.test."] = []srvRec{{port(a), "a.test."}, {port(b), "b.test."}}
		s.a["a.test."] = []net.IP{net.ParseIP("127.0.0.1")}
		s.a["b.test."] = []net.IP{net.ParseIP("127.0.0.1")}
	})
	d := &DNS{Target: "_thrift._tcp.svc.test.", SRV: true, Resolver: s.resolver(), Interval: 50 * time.Millisecond, MinInterval: 10 * time.Millisecond}
	c := newClient(t, d)
	seen := map[string]int{}
	for range 100 {
		got, err := call(c, "who", "")
		if err != nil {
			t.Fatal(err)
		}
		seen[got]++
	}
	if seen[a.addr] == 0 || seen[b.addr] == 0 {
		t.Fatalf("calls per server %v, want both", seen)
	}
	s.set(func(s *dnsServer) { s.srv["_thrift._tcp.svc.test."] = []srvRec{{port(b), "b.test."}} })
	eventually(t, 5*time.Second, "the endpoint dropped from DNS leaves the set", func() bool {
		_, ok := c.Stats().Endpoints[a.addr]
		return !ok
	})
	n := a.calls.Load()
	for range 30 {
		if got, err := call(c, "who", ""); err != nil || got != b.addr {
			t.Fatalf("who = %q, %v; want %s", got, err, b.addr)
		}
	}
	if a.calls.Load() != n {
		t.Fatal("the endpoint dropped from DNS still gets calls")
	}
}

func TestDNSBadTarget(t *testing.T) {
	ch := watch(t, &DNS{Target: "no-port", MinInterval: 10 * time.Millisecond})
	if u := next(t, ch); u.Err == nil {
		t.Fatalf("target without a port gave %v", addrsOf(u))
	}
}
