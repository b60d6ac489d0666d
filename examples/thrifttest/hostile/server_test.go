// Package hostile attacks the real testserver binary, as a separate
// process over loopback TLS, the way an outsider would, and checks that it
// holds: memory stays under its budget, timeouts always apply, silent
// connections cannot keep clients out, a graceful stop drops no call, and
// handler internals stay on the server.
//
//	go test -short ./hostile        the short version (part of make test)
//	go test ./hostile               the full one (make hostile)
//	go test -run Soak -soak ./hostile   48 clients for 60 s (make soak)
//
// Every loop is bounded in count and time, and every server is stopped
// when its test ends.
package hostile

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/examples/thrifttest/gen/thrifttest"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

const mib = 1 << 20

var (
	binPath string // the testserver binary, built once
	keysDir string // server.crt, server.key, CA.pem, as Apache's test/keys
	roots   *x509.CertPool
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "thriftsec-hostile-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		binPath = filepath.Join(dir, "testserver")
		build := exec.Command("go", "build", "-o", binPath, "../testserver")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building testserver:", err)
			return 1
		}
		keysDir = filepath.Join(dir, "keys")
		if err := writeKeys(keysDir); err != nil {
			fmt.Fprintln(os.Stderr, "certificates:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func writeKeys(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := devcert.NewCA("hostile test CA", time.Hour)
	if err != nil {
		return err
	}
	srv, err := ca.Server("127.0.0.1", "::1", "localhost")
	if err != nil {
		return err
	}
	if err := srv.WriteCert(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")); err != nil {
		return err
	}
	roots = ca.CertPool()
	return os.WriteFile(filepath.Join(dir, "CA.pem"), ca.CertPEM, 0o644)
}

// server is one testserver process.
type server struct {
	t      testing.TB
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan struct{}
	exitAt time.Time
}

// startServer runs testserver over TLS, framed, on a free loopback port,
// with extra flags, and waits until it accepts connections. It is stopped
// when the test ends.
func startServer(t testing.TB, extra ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	args := append([]string{"--host=127.0.0.1", "--port=" + strconv.Itoa(port), "--ssl", "--keys=" + keysDir, "--transport=framed"}, extra...)
	s := &server{t: t, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), stderr: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(binPath, args...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.cmd.Wait()
		s.exitAt = time.Now()
		close(s.exited)
	}()
	t.Cleanup(s.stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("testserver exited: %s", s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("testserver did not start: %v\n%s", err, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits, killing the process if it lingers.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// status reads a field of /proc/PID/status in bytes (VmHWM: peak RSS).
func (s *server) status(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.t.Fatalf("reading the server's status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				s.t.Fatalf("%s: %v", line, err)
			}
			return kb << 10
		}
	}
	s.t.Fatalf("no %s in /proc status", field)
	return 0
}

func (s *server) peakRSS() int64 { return s.status("VmHWM") }

// client is a legitimate client of s.
func (s *server) client(t testing.TB, opts ...runtime.ClientOption) (*thrifttest.ThriftTestClient, *runtime.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := runtime.Dial(ctx, s.addr, append([]runtime.ClientOption{runtime.WithTLS(clientTLS())}, opts...)...)
	if err != nil {
		t.Fatalf("legitimate client: Dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return thrifttest.NewThriftTestClient(conn), conn
}

func clientTLS() *tls.Config { return &tls.Config{RootCAs: roots} }

// rawTLS opens a TLS connection to s that the test drives byte by byte.
func (s *server) rawTLS(t testing.TB) *tls.Conn {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("raw TLS connection: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// frame encodes one framed message whose body write fills.
func frame(method string, typ runtime.MessageType, seq int32, body func(e *runtime.Encoder)) []byte {
	var e runtime.Encoder
	e.BeginFrame()
	e.WriteMessageBegin(method, typ, seq)
	body(&e)
	e.EndFrame()
	return append([]byte(nil), e.Bytes()...)
}

// readsEOF reports whether c is closed by the server within limit, and
// when.
func readsEOF(c net.Conn, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	if err == nil || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") {
		return time.Since(start), nil
	}
	return time.Since(start), err
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// lines returns the lines of the buffer that contain sub.
func (b *syncBuffer) lines(sub string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// pick returns short in -short mode, else full.
func pick[T any](short, full T) T {
	if testing.Short() {
		return short
	}
	return full
}
