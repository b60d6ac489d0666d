package runtime

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	goruntime "runtime"
	"testing"
	"time"
)

// serverCallAllocs counts the heap allocations of the whole process per
// "add" call sent over a raw connection, whose client side (a prepared
// frame written, the reply read into a reused buffer) allocates nothing:
// what is counted is the server's.
func serverCallAllocs(t *testing.T, sec security) float64 {
	ts := startServer(t, sec, Framed, nil)
	var conn net.Conn
	if sec == secPlain {
		c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	} else {
		tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ts.addr, getPKI(t).clientTLS)
		if err != nil {
			t.Fatal(err)
		}
		conn = tc
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	e := NewEncoder(nil)
	e.WriteMessageBegin("add", MessageCall, 1)
	if err := (&pairArgs{A: 1, B: 2}).Encode(e); err != nil {
		t.Fatal(err)
	}
	req := binary.BigEndian.AppendUint32(nil, uint32(e.Len()))
	req = append(req, e.Bytes()...)
	var hdr [4]byte
	reply := make([]byte, 256)
	call := func() {
		if _, err := conn.Write(req); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			t.Fatal(err)
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n > uint32(len(reply)) {
			t.Fatalf("reply of %d bytes", n)
		}
		if _, err := io.ReadFull(conn, reply[:n]); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		call()
	}
	const calls = 2000
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	for range calls {
		call()
	}
	goruntime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / calls
}

// The test handler's own allocations per "add": its arguments, its
// result and the result's *int32.
const addHandlerAllocs = 3

// TestServerCallAllocs pins what the server's per-call path allocates
// beyond the handler's arguments and result: nothing over plaintext, and
// over TLS the one helper crypto/tls allocates per record read, on each
// side (the raw client's read counts here too).
func TestServerCallAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	for _, c := range []struct {
		sec  security
		want float64
	}{{secPlain, 0}, {secTLS, 2}} {
		got := serverCallAllocs(t, c.sec) - addHandlerAllocs
		t.Logf("%v: %.2f allocations per call beyond the handler's", c.sec, got)
		if got > c.want+0.05 {
			t.Errorf("%v: %.2f allocations per call beyond the handler's, want at most %v", c.sec, got, c.want)
		}
	}
}
