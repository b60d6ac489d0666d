package hostile

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/examples/thrifttest/gen/thrifttest"
	"github.com/thriftsec/thriftsec/runtime"
)

// TestBehindHAProxy runs Debian's HAProxy in TCP mode in front of
// testserver, passing TLS through and prepending a PROXY v2 header. The
// server trusts HAProxy's address (127.0.0.1) only: a client connecting
// through HAProxy from 127.0.0.5 is seen as 127.0.0.5 by the handler,
// while a header sent straight from 127.0.0.5 is refused.
func TestBehindHAProxy(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		haproxy = "/usr/sbin/haproxy" // Debian's, when sbin is not on PATH
		if _, err := os.Stat(haproxy); err != nil {
			t.Fatal("haproxy not found (make deps installs Debian's haproxy)")
		}
	}
	s := startServer(t, "--proxy-protocol-trusted=127.0.0.1/32", "--echo-peer")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global
	maxconn 100
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend thrift
	bind %s
	default_backend servers
backend servers
	source 127.0.0.1
	server s1 %s send-proxy-v2
`, front, s.addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(haproxy, "-db", "-f", cfg)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", front, time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not start:\n%s", &out)
		}
	}

	from := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 5)}
	dialFrom := runtime.WithDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		return (&net.Dialer{LocalAddr: from}).DialContext(ctx, "tcp", addr)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := runtime.Dial(ctx, front, runtime.WithTLS(clientTLS()), dialFrom)
	if err != nil {
		t.Fatalf("through haproxy: %v\n%s", err, &out)
	}
	defer conn.Close()
	c := thrifttest.NewThriftTestClient(conn)
	got, err := c.TestString(ctx, "via haproxy")
	if err != nil || !strings.HasPrefix(got, "via haproxy@127.0.0.5:") {
		t.Fatalf("through haproxy the handler saw %q (%v), want the client's 127.0.0.5", got, err)
	}

	// Straight to the server from 127.0.0.5, with a forged header.
	raw, err := (&net.Dialer{LocalAddr: from, Timeout: 5 * time.Second}).Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.Write([]byte("PROXY TCP4 198.51.100.1 127.0.0.1 1234 9090\r\n"))
	if d, err := readsEOF(raw, 5*time.Second); err != nil {
		t.Fatalf("forged PROXY header not refused: %v after %v", err, d)
	}
	waitLog(t, s, "not in TrustedProxies")
}
