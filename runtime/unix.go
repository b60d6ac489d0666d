package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Unix domain sockets: an address "unix:PATH" (or "unix://PATH", so
// "unix:///run/app/thrift.sock" is /run/app/thrift.sock) makes Dial connect
// to, and ListenAndServe listen on, a Unix domain socket instead of TCP.
// Everything else is the same: TLS unless plaintext is chosen by name
// (over a Unix socket TLS has no host name to check, so the client's TLS
// config must name the ServerName its certificate is for), every limit and
// timeout, the transports, protocols and zlib.
//
// A server's socket file is created with mode 0600 (owner only; see
// ListenUnix for other modes), already in place under its final name
// before anyone can connect: the kernel checks write permission on the
// file at connect, so the mode is the first line of authorization, and
// Peer.Unix the second (the client's uid, gid and pid as the kernel saw
// them, on Linux).

// UnixScheme is the prefix of a Unix domain socket address.
const UnixScheme = "unix:"

// unixPath returns the socket path of a "unix:" address.
func unixPath(addr string) (string, bool) {
	rest, ok := strings.CutPrefix(addr, UnixScheme)
	if !ok {
		return "", false
	}
	if p, ok := strings.CutPrefix(rest, "//"); ok {
		rest = p
	}
	return rest, true
}

// UnixCred is what the kernel says about the process at the other end of a
// Unix domain socket (SO_PEERCRED), as it was when it connected.
type UnixCred struct {
	PID, UID, GID int
}

// defaultUnixMode is the mode of a server's socket file.
const defaultUnixMode fs.FileMode = 0o600

// ListenUnix listens on the Unix domain socket path with the file mode
// mode (0 means 0600: the owner only). The socket is bound under a
// temporary name in the same directory, given its mode, and renamed to
// path, so there is never a moment when it accepts connections with the
// umask's mode. A file already at path is replaced only when it is a
// socket that nobody listens on (one left by a process that died);
// anything else at path is an error. Closing the listener removes the
// socket file, if it is still this listener's.
func ListenUnix(path string, mode fs.FileMode) (net.Listener, error) {
	if mode == 0 {
		mode = defaultUnixMode
	}
	if path == "" {
		return nil, errors.New("thrift: empty Unix socket path")
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(rnd[:]))
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ul.SetUnlinkOnClose(false)
	fail := func(err error) (net.Listener, error) {
		ul.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Chmod(tmp, mode.Perm()); err != nil {
		return fail(err)
	}
	// Rename replaces a stale socket that appeared since the check, but
	// must not replace a live one: check once more just before.
	if err := removeStaleSocket(path); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fail(err)
	}
	return &unixListener{UnixListener: ul, path: path, file: fi}, nil
}

// removeStaleSocket removes path when it is a socket nobody listens on,
// and fails when it is anything else or in use.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("thrift: %s exists and is not a socket; not replacing it", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("thrift: %s: a server is listening on it: %w", path, syscall.EADDRINUSE)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		// Refused is the one answer that proves nobody listens; a
		// full backlog or a permission problem proves nothing.
		return fmt.Errorf("thrift: %s exists and may be in use (%v); not replacing it", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// unixListener removes its socket file on Close, if the file is still its
// own (another server may have taken the path over since).
type unixListener struct {
	*net.UnixListener
	path string
	file fs.FileInfo
	once sync.Once
}

func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	l.once.Do(func() {
		if fi, serr := os.Lstat(l.path); serr == nil && os.SameFile(fi, l.file) {
			os.Remove(l.path)
		}
	})
	return err
}

// listen opens the listener of a ListenAndServe address.
func listen(addr string) (net.Listener, error) {
	if path, ok := unixPath(addr); ok {
		return ListenUnix(path, 0)
	}
	return net.Listen("tcp", addr)
}

// dialNet dials a Dial address: TCP, or a "unix:" path.
func dialNet(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	if path, ok := unixPath(addr); ok {
		return d.DialContext(ctx, "unix", path)
	}
	return d.DialContext(ctx, "tcp", addr)
}

// peerUnixCred fills p.Unix for a Unix domain socket connection.
func peerUnixCred(p *Peer, raw net.Conn) {
	if uc, ok := raw.(*net.UnixConn); ok {
		p.Unix = unixCred(uc)
	}
}
