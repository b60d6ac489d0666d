package runtime

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// dialCall dials with opts and makes one call; it returns the first error.
// Under TLS 1.3 a client learns that the server refused its certificate
// only when it next reads, so the error may come from either step.
func dialCall(addr string, opts ...ClientOption) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, opts...)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Call(ctx, "add", &pairArgs{A: 1, B: 2}, &i32Result{})
}

// TestRefusals checks that each insecure or mistaken client is turned away
// with an error, promptly, never with a hang.
func TestRefusals(t *testing.T) {
	p := getPKI(t)
	tlsSrv := startServer(t, secTLS, Framed, nil)
	mtlsSrv := startServer(t, secMTLS, Framed, nil)
	wrongName := p.clientTLS.Clone()
	wrongName.ServerName = "wrong.example.org"
	cases := []struct {
		name string
		addr string
		opts []ClientOption
	}{
		{"plaintext client to a TLS port", tlsSrv.addr, []ClientOption{WithPlaintext()}},
		{"plaintext buffered client to a TLS port", tlsSrv.addr, []ClientOption{WithPlaintext(), WithTransport(Buffered)}},
		{"no client certificate to mutual TLS", mtlsSrv.addr, []ClientOption{WithTLS(p.clientTLS)}},
		{"client certificate from another CA", mtlsSrv.addr, []ClientOption{WithTLS(p.otherCAClientTLS)}},
		{"wrong server name", tlsSrv.addr, []ClientOption{WithTLS(wrongName)}},
		{"server not in the client's roots", tlsSrv.addr, []ClientOption{WithTLS(ClientTLSConfig(p.otherCA.CertPool()))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			within(t, 5*time.Second, tc.name, func() { err = dialCall(tc.addr, tc.opts...) })
			if err == nil {
				t.Fatal("the call succeeded")
			}
			t.Logf("refused: %v", err)
		})
	}
	t.Run("wrong server name is a hostname error", func(t *testing.T) {
		err := dialCall(tlsSrv.addr, WithTLS(wrongName))
		var he x509.HostnameError
		if !errors.As(err, &he) {
			t.Fatalf("err = %v, want an x509.HostnameError", err)
		}
	})
	t.Run("TLS 1.1 client", func(t *testing.T) {
		cfg := &tls.Config{RootCAs: p.ca.CertPool(), MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11, ServerName: "127.0.0.1"}
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", tlsSrv.addr, cfg)
		if err == nil {
			conn.Close()
			t.Fatal("a TLS 1.1 handshake succeeded")
		}
	})
	// The servers are still serving good clients.
	if err := dialCall(mtlsSrv.addr, WithTLS(p.mtlsClientTLS)); err != nil {
		t.Fatal(err)
	}
	if err := dialCall(tlsSrv.addr, WithTLS(p.clientTLS)); err != nil {
		t.Fatal(err)
	}
}

// TestHandshakeTimeout opens 200 TCP connections that never send a
// ClientHello and checks that the server closes every one at its handshake
// deadline, while a real client keeps getting answers.
func TestHandshakeTimeout(t *testing.T) {
	const n = 200
	const timeout = 300 * time.Millisecond
	ts := startServer(t, secTLS, Framed, func(s *Server) { s.HandshakeTimeout = timeout })
	c := ts.dial(t)

	start := time.Now()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, conn := range conns {
			conn.Close()
		}
	}()
	for range n {
		conn, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	add(t, c, 1, 2) // served while 200 silent connections are open

	var wg sync.WaitGroup
	closedAfter := make([]time.Duration, n)
	for i, conn := range conns {
		wg.Go(func() {
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := conn.Read(make([]byte, 1))
			closedAfter[i] = time.Since(start)
			if !errors.Is(err, io.EOF) && !isReset(err) {
				t.Errorf("connection %d: %v, want the server to close it", i, err)
			}
		})
	}
	wg.Wait()
	latest := slices.Max(closedAfter)
	if latest > timeout+2*time.Second {
		t.Fatalf("the last silent connection was closed after %v (handshake timeout %v)", latest, timeout)
	}
	t.Logf("all %d silent connections closed within %v", n, latest)
	add(t, c, 3, 4)
}

// isReset reports whether err is a connection reset by the peer.
func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// TestMaxConns holds MaxConns established connections and checks that
// one more is closed once established, that the server keeps accepting, and that a slot freed
// is usable again.
func TestMaxConns(t *testing.T) {
	const max = 3
	ts := startServer(t, secTLS, Framed, func(s *Server) { s.MaxConns = max })
	p := getPKI(t)
	cfg := SecureClientTLS(p.clientTLS, ts.addr)
	var held []*tls.Conn
	for range max {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ts.addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, conn)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// The server counts a connection once its side of the handshake is
	// done, a moment after the client's.
	waitFor(t, "the held connections to be established", func() bool { return ts.srv.Stats().Established == max })
	for i := range 3 { // the accept loop goes on refusing
		if err := dialCall(ts.addr, WithTLS(p.clientTLS)); err == nil {
			t.Fatalf("connection %d over MaxConns was served", max+1+i)
		}
	}
	held[0].Close()
	held = held[1:]
	waitFor(t, "a free slot", func() bool {
		ts.srv.mu.Lock()
		defer ts.srv.mu.Unlock()
		return len(ts.srv.conns) < max
	})
	if err := dialCall(ts.addr, WithTLS(p.clientTLS)); err != nil {
		t.Fatalf("after a slot was freed: %v", err)
	}
}

// TestCertificateReload rewrites the server's certificate and key files
// and checks that new connections get the new certificate, without a
// restart, while a connection made before keeps working.
func TestCertificateReload(t *testing.T) {
	dir := t.TempDir()
	ca, err := devcert.NewCA("reload CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := devcert.WriteFiles(dir, devcert.Options{CA: ca, Hosts: []string{"127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, devcert.ServerCertFile), filepath.Join(dir, devcert.ServerKeyFile)
	cfg, err := serverTLSFromFiles(certFile, keyFile, "", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, secTLS, Framed, func(s *Server) { s.TLSConfig = cfg })
	roots := ca.CertPool()

	serial := func() string {
		t.Helper()
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ts.addr, ClientTLSConfig(roots))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serial()
	c := ts.dial(t, WithTLS(ClientTLSConfig(roots)), WithMaxConns(1))
	add(t, c, 1, 1)

	renewed, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := renewed.WriteCert(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	want := renewed.Leaf.SerialNumber.String()
	var got string
	waitFor(t, "the renewed certificate", func() bool { got = serial(); return got == want })
	if before == got {
		t.Fatal("serial unchanged")
	}
	add(t, c, 2, 2) // the connection from before still works

	// A broken rewrite (a key that does not match) keeps the last good
	// pair in service.
	other, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeTestFile(certFile, other.CertPEM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if s := serial(); s != want {
		t.Fatalf("serial %s after a mismatched rewrite, want the last good %s", s, want)
	}

	// The exported constructor works on the same files.
	if _, err := ServerTLSFromFiles(filepath.Join(dir, devcert.ClientCertFile), filepath.Join(dir, devcert.ClientKeyFile), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ServerTLSFromFiles(certFile, keyFile, ""); err == nil {
		t.Fatal("ServerTLSFromFiles accepted a certificate and key that do not match")
	}
}

// TestMutualTLSFromFiles serves with ServerTLSFromFiles and a client CA
// file, and checks that the client's SPIFFE ID reaches the handler.
func TestMutualTLSFromFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := devcert.WriteFiles(dir, devcert.Options{ClientURIs: []string{testSPIFFE}}); err != nil {
		t.Fatal(err)
	}
	f := func(name string) string { return filepath.Join(dir, name) }
	scfg, err := ServerTLSFromFiles(f(devcert.ServerCertFile), f(devcert.ServerKeyFile), f(devcert.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	ccfg, err := ClientTLSFromFiles(f(devcert.ClientCertFile), f(devcert.ClientKeyFile), f(devcert.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	noCert, err := ClientTLSFromFiles("", "", f(devcert.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, secTLS, Framed, func(s *Server) { s.TLSConfig = scfg })
	c := ts.dial(t, WithTLS(ccfg))
	var who strStruct
	if err := c.Call(context.Background(), "whoami", &emptyStruct{}, &who); err != nil {
		t.Fatal(err)
	}
	if *who.S != "tls:"+testSPIFFE {
		t.Fatalf("whoami = %q", *who.S)
	}
	if err := dialCall(ts.addr, WithTLS(noCert)); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	if _, err := ClientTLSFromFiles(f(devcert.ClientCertFile), "", ""); err == nil {
		t.Fatal("a certificate without a key was accepted")
	}
}

// tlsSnapshot is what a tls.Config's caller could see change.
type tlsSnapshot struct {
	MinVersion, MaxVersion uint16
	CipherSuites           []uint16
	CurvePreferences       []tls.CurveID
	ServerName             string
	ClientAuth             tls.ClientAuthType
	InsecureSkipVerify     bool
	Certificates           int
	HasGetConfig           bool
}

func snapshot(c *tls.Config) tlsSnapshot {
	return tlsSnapshot{c.MinVersion, c.MaxVersion, slices.Clone(c.CipherSuites), slices.Clone(c.CurvePreferences),
		c.ServerName, c.ClientAuth, c.InsecureSkipVerify, len(c.Certificates), c.GetConfigForClient != nil}
}

// TestTLSConfigNotMutated gives weak configs to a server and a client and
// checks that they are left exactly as they were, while the connection
// they make is hardened: TLS 1.2 or later, an AEAD suite, the
// post-quantum hybrid key exchange.
func TestTLSConfigNotMutated(t *testing.T) {
	p := getPKI(t)
	weak := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	scfg := &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, MinVersion: tls.VersionTLS10, CipherSuites: slices.Clone(weak)}
	ccfg := &tls.Config{RootCAs: p.ca.CertPool(), MinVersion: tls.VersionTLS10, CipherSuites: slices.Clone(weak)}
	sBefore, cBefore := snapshot(scfg), snapshot(ccfg)

	hs := SecureServerTLS(scfg)
	if hs.MinVersion != tls.VersionTLS12 || !slices.Equal(hs.CipherSuites, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}) || hs.CurvePreferences != nil {
		t.Fatalf("hardened server config: min %x suites %x curves %v", hs.MinVersion, hs.CipherSuites, hs.CurvePreferences)
	}
	if hc := SecureClientTLS(&tls.Config{MinVersion: tls.VersionTLS13}, "[::1]:99"); hc.MinVersion != tls.VersionTLS13 || hc.ServerName != "::1" {
		t.Fatalf("hardened client config: min %x, server name %q", hc.MinVersion, hc.ServerName)
	}
	if hc := SecureClientTLS(nil, "localhost:1"); hc.InsecureSkipVerify || hc.ServerName != "localhost" {
		t.Fatal("SecureClientTLS(nil) is not verifying localhost")
	}

	ts := startServer(t, secTLS, Buffered, func(s *Server) { s.TLSConfig = scfg })
	c := ts.dial(t, WithTLS(ccfg))
	add(t, c, 1, 2)

	// And the connection itself, seen from a raw client with the same
	// weak config.
	conn, err := tls.Dial("tcp", ts.addr, SecureClientTLS(ccfg, ts.addr))
	if err != nil {
		t.Fatal(err)
	}
	st := conn.ConnectionState()
	conn.Close()
	if st.Version < tls.VersionTLS12 {
		t.Fatalf("negotiated version %x", st.Version)
	}
	if st.Version == tls.VersionTLS13 && st.CurveID != tls.X25519MLKEM768 {
		t.Errorf("key exchange %v, want X25519MLKEM768", st.CurveID)
	}
	if !reflect.DeepEqual(snapshot(scfg), sBefore) {
		t.Errorf("server config changed:\n before %+v\n after  %+v", sBefore, snapshot(scfg))
	}
	if !reflect.DeepEqual(snapshot(ccfg), cBefore) {
		t.Errorf("client config changed:\n before %+v\n after  %+v", cBefore, snapshot(ccfg))
	}

	// TLS 1.2 only: the weak CBC suite cannot be negotiated even though
	// both configs list it.
	cbc := &tls.Config{RootCAs: p.ca.CertPool(), ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}
	if conn, err := tls.Dial("tcp", ts.addr, cbc); err == nil {
		conn.Close()
		t.Fatal("a CBC suite was negotiated")
	}
}

// writeTestFile replaces a file's contents in place.
func writeTestFile(path string, data []byte) error {
	return os.WriteFile(path, data, 0o644)
}
