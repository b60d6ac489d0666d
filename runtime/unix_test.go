package runtime

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startUnixServer serves the test service on a Unix socket in a fresh
// directory, with a "cred" method answering the caller's Peer.Unix.
func startUnixServer(t *testing.T, sec security, adjust func(*Server)) (*testServer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.sock")
	p := getPKI(t)
	ts := &testServer{svc: newTestService(), sec: sec, tr: Framed, served: make(chan error, 1)}
	proc := ts.svc.processor()
	proc.Register("cred", Method{
		NewArgs: func() Struct { return &emptyStruct{} },
		Handle: func(ctx context.Context, _ Struct) (Struct, error) {
			peer, _ := PeerFromContext(ctx)
			s := "none"
			if peer.Unix != nil {
				s = strconv.Itoa(peer.Unix.UID) + ":" + strconv.Itoa(peer.Unix.GID) + ":" + strconv.Itoa(peer.Unix.PID)
			}
			return &strStruct{ID: 0, S: &s}, nil
		},
	})
	ts.srv = &Server{Handler: proc, Logger: testLogger()}
	if sec == secPlain {
		ts.srv.Plaintext = true
	} else {
		ts.srv.TLSConfig = p.serverTLS
	}
	if adjust != nil {
		adjust(ts.srv)
	}
	ts.tr = ts.srv.Transport
	ts.addr = "unix://" + path
	srv := ts.srv
	go func() { ts.served <- srv.ListenAndServe(ts.addr) }()
	t.Cleanup(func() {
		srv.Close()
		<-ts.served
	})
	// ListenAndServe binds in its goroutine: wait for the socket.
	for i := 0; i < 500; i++ {
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSocket != 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ts, path
}

func TestUnixSocketCalls(t *testing.T) {
	for _, sec := range []security{secPlain, secTLS} {
		for _, zl := range []bool{false, true} {
			t.Run(sec.String()+"/zlib="+strconv.FormatBool(zl), func(t *testing.T) {
				ts, path := startUnixServer(t, sec, func(s *Server) { s.Zlib = zl; s.Transport = Buffered })
				opts := []ClientOption{}
				if zl {
					opts = append(opts, WithZlib())
				}
				if sec == secTLS {
					cfg := getPKI(t).clientTLS.Clone()
					cfg.ServerName = "localhost"
					opts = append(opts, WithTLS(cfg))
				}
				c := ts.dial(t, opts...)
				add(t, c, 2, 3)
				var res strStruct
				if err := c.Call(context.Background(), "cred", &emptyStruct{}, &res); err != nil {
					t.Fatal(err)
				}
				if runtime.GOOS == "linux" {
					want := strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid()) + ":" + strconv.Itoa(os.Getpid())
					if *res.S != want {
						t.Fatalf("Peer.Unix = %s, want %s", *res.S, want)
					}
				}
				fi, err := os.Lstat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Fatalf("socket mode %v, want 0600", fi.Mode().Perm())
				}
			})
		}
	}
}

// TestUnixTLSNeedsServerName: there is no host to verify the certificate
// against, so TLS over a Unix socket without a ServerName is refused
// before dialing.
func TestUnixTLSNeedsServerName(t *testing.T) {
	_, err := Dial(context.Background(), "unix:/nonexistent.sock", WithTLS(getPKI(t).clientTLS))
	if err == nil || !strings.Contains(err.Error(), "ServerName") {
		t.Fatalf("got %v", err)
	}
}

// TestListenUnixReplaces: a stale socket is replaced; a live socket, a
// regular file and a directory are not; Close removes the file.
func TestListenUnixReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")

	// A socket left behind by a process that died: bound, never unlinked.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	ln, err := ListenUnix(path, 0o660)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	if fi, _ := os.Lstat(path); fi.Mode().Perm() != 0o660 {
		t.Fatalf("mode %v, want 0660", fi.Mode().Perm())
	}
	// Live: refused, and the live socket still works.
	if _, err := ListenUnix(path, 0); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("live socket: %v, want EADDRINUSE", err)
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	if c, err := net.Dial("unix", path); err != nil {
		t.Fatalf("live socket broken by a second ListenUnix: %v", err)
	} else {
		c.Close()
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Close left the socket file: %v", err)
	}

	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("data"), 0o600)
	if _, err := ListenUnix(file, 0); err == nil {
		t.Fatal("a regular file was replaced")
	}
	if b, _ := os.ReadFile(file); string(b) != "data" {
		t.Fatal("the regular file changed")
	}
	if _, err := ListenUnix(dir, 0); err == nil {
		t.Fatal("a directory was replaced")
	}
	// Nothing left behind in the directory but the file.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("left in the directory: %v", ents)
	}
}

// TestUnixLimits: the server's timeouts and limits hold over a Unix
// socket: a silent connection is closed, an oversized frame refused.
func TestUnixLimits(t *testing.T) {
	_, path := startUnixServer(t, secPlain, func(s *Server) {
		s.IdleTimeout = 200 * time.Millisecond
		s.Limits.MaxMessageSize = 1 << 10
	})
	silent, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silent.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(silent); err != nil {
		t.Fatalf("silent connection: %v, want closed by the server", err)
	}
	big, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	big.SetDeadline(time.Now().Add(10 * time.Second))
	big.Write([]byte{0, 0, 8, 0}) // a 2 KB frame
	if _, err := io.ReadAll(big); err != nil {
		t.Fatalf("oversized frame: %v, want closed by the server", err)
	}
}
