package runtime

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"
)

// secureCipherSuites are the TLS 1.2 suites this package allows: ECDHE key
// exchange (forward secrecy) with an AEAD cipher. TLS 1.3 suites are all
// AEAD and not configurable in Go.
var secureCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// tlsSecure reports whether c already has the settings hardenTLS would
// give it, so that configs handed out on every handshake (by
// GetConfigForClient) are not cloned again and again.
func tlsSecure(c *tls.Config) bool {
	if c.MinVersion < tls.VersionTLS12 || c.CipherSuites == nil {
		return false
	}
	for _, s := range c.CipherSuites {
		if !slices.Contains(secureCipherSuites, s) {
			return false
		}
	}
	return true
}

// hardenTLS sets the secure defaults on c, which must be the caller's own
// copy: a TLS 1.2 floor (a higher floor is kept), and only the AEAD ECDHE
// suites for TLS 1.2. A caller's suite list is filtered to those; if none
// is left, the full secure list is used. CurvePreferences is left alone, so
// that when it is nil Go's default key exchange, including the
// post-quantum hybrid X25519MLKEM768, stays on.
func hardenTLS(c *tls.Config) {
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	var suites []uint16
	for _, s := range c.CipherSuites {
		if slices.Contains(secureCipherSuites, s) {
			suites = append(suites, s)
		}
	}
	if len(suites) == 0 {
		suites = slices.Clone(secureCipherSuites)
	}
	c.CipherSuites = suites
}

// SecureServerTLS returns a copy of cfg with secure defaults filled in; cfg
// itself is never modified. The copy has TLS 1.2 as its lowest version
// (higher floors are kept) and only AEAD cipher suites with ECDHE for TLS
// 1.2 (a caller's list is filtered; if nothing is left, the secure list is
// used). Key exchange preferences are left as given, so Go's default,
// which includes the post-quantum hybrid X25519MLKEM768, stays on.
//
// Configs that cfg.GetConfigForClient returns are hardened the same way on
// each handshake (cloned only when they need a change).
//
// Server.Serve applies this to Server.TLSConfig; call it yourself only to
// inspect the result.
func SecureServerTLS(cfg *tls.Config) *tls.Config {
	c := cfg.Clone()
	if c == nil {
		c = &tls.Config{}
	}
	hardenTLS(c)
	if get := c.GetConfigForClient; get != nil {
		c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			sub, err := get(hello)
			if sub == nil || err != nil || tlsSecure(sub) {
				return sub, err
			}
			sub = sub.Clone()
			hardenTLS(sub)
			return sub, nil
		}
	}
	return c
}

// SecureClientTLS returns a copy of cfg (which may be nil: system roots,
// no client certificate) with the defaults of SecureServerTLS, and with
// ServerName set to the host part of addr when cfg leaves it empty, so
// that the server's certificate is checked against the name the caller
// dialled. cfg is never modified. InsecureSkipVerify stays false unless
// cfg set it.
func SecureClientTLS(cfg *tls.Config, addr string) *tls.Config {
	c := cfg.Clone()
	if c == nil {
		c = &tls.Config{}
	}
	hardenTLS(c)
	if c.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		c.ServerName = host
	}
	return c
}

// ServerTLSConfig returns a server config serving cert. With a non-nil
// clientCAs it is mutual TLS: every client must present a certificate that
// chains to clientCAs (tls.RequireAndVerifyClientCert), and its verified
// identity reaches handlers through PeerFromContext.
func ServerTLSConfig(cert tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{cert}}
	if clientCAs != nil {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = clientCAs
	}
	hardenTLS(c)
	return c
}

// ClientTLSConfig returns a client config that trusts roots (nil: the
// system roots) and presents certs, if any, for mutual TLS.
func ClientTLSConfig(roots *x509.CertPool, certs ...tls.Certificate) *tls.Config {
	c := &tls.Config{RootCAs: roots, Certificates: certs}
	hardenTLS(c)
	return c
}

// ServerTLSFromFiles returns a server config that serves the PEM
// certificate chain and key in certFile and keyFile and, when clientCAFile
// is not "", requires client certificates that chain to the PEM CAs in it.
//
// The files are read now (an error is returned if they are unusable) and
// again on later handshakes, at most once per second: when their contents
// change, new connections get the new certificate and CA pool, without a
// restart. Connections already open keep what they negotiated. If the new
// files do not load (say the key was not yet rewritten to match the new
// certificate), the previous good ones stay in use until a later check
// finds a consistent pair.
func ServerTLSFromFiles(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	return serverTLSFromFiles(certFile, keyFile, clientCAFile, time.Second)
}

func serverTLSFromFiles(certFile, keyFile, clientCAFile string, interval time.Duration) (*tls.Config, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, caFile: clientCAFile, interval: interval}
	if err := r.load(); err != nil {
		return nil, err
	}
	r.checked = time.Now()
	c := &tls.Config{GetConfigForClient: r.getConfig}
	hardenTLS(c)
	// Certificates is empty and GetConfigForClient always answers, so a
	// Server sees a usable config; the per-handshake config carries the
	// certificate and client CAs.
	return c, nil
}

// certReloader serves the current config loaded from files and reloads it
// when their contents change.
type certReloader struct {
	certFile, keyFile, caFile string
	interval                  time.Duration

	mu      sync.Mutex
	cfg     *tls.Config
	raw     [3][]byte // file contents cfg was built from
	checked time.Time
}

func (r *certReloader) getConfig(*tls.ClientHelloInfo) (*tls.Config, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= r.interval {
		r.checked = now
		_ = r.load() // keep the last good config on failure
	}
	return r.cfg, nil
}

// load reads the files and, if they differ from the ones in use, builds a
// new config from them. Called with mu held (or before r is shared).
func (r *certReloader) load() error {
	var raw [3][]byte
	var err error
	for i, f := range []string{r.certFile, r.keyFile, r.caFile} {
		if f == "" {
			continue
		}
		if raw[i], err = os.ReadFile(f); err != nil {
			return err
		}
	}
	if r.cfg != nil && bytes.Equal(raw[0], r.raw[0]) && bytes.Equal(raw[1], r.raw[1]) && bytes.Equal(raw[2], r.raw[2]) {
		return nil
	}
	cert, err := tls.X509KeyPair(raw[0], raw[1])
	if err != nil {
		return fmt.Errorf("thrift: loading %s and %s: %w", r.certFile, r.keyFile, err)
	}
	var pool *x509.CertPool
	if r.caFile != "" {
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(raw[2]) {
			return fmt.Errorf("thrift: no PEM certificates in %s", r.caFile)
		}
	}
	r.cfg = ServerTLSConfig(cert, pool)
	r.raw = raw
	return nil
}

// ClientTLSFromFiles returns a client config that trusts the PEM CAs in
// caFile ("" for the system roots) and, when certFile and keyFile are not
// "", presents that certificate for mutual TLS. The files are read once.
func ClientTLSFromFiles(certFile, keyFile, caFile string) (*tls.Config, error) {
	var roots *x509.CertPool
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("thrift: no PEM certificates in %s", caFile)
		}
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("thrift: a client certificate needs both a certificate and a key file")
	}
	var certs []tls.Certificate
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("thrift: loading %s and %s: %w", certFile, keyFile, err)
		}
		certs = append(certs, cert)
	}
	return ClientTLSConfig(roots, certs...), nil
}
