package runtime

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
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
	checkClientKeyUsage(c)
	if get := c.GetConfigForClient; get != nil {
		c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			sub, err := get(hello)
			if sub == nil || err != nil || (tlsSecure(sub) && (sub.VerifyConnection != nil || !verifiesClients(sub))) {
				return sub, err
			}
			sub = sub.Clone()
			hardenTLS(sub)
			checkClientKeyUsage(sub)
			return sub, nil
		}
	}
	return c
}

// verifiesClients reports whether c checks client certificates.
func verifiesClients(c *tls.Config) bool {
	return c.ClientAuth == tls.VerifyClientCertIfGiven || c.ClientAuth == tls.RequireAndVerifyClientCert
}

// checkClientKeyUsage makes a server config that verifies client
// certificates also refuse one whose KeyUsage extension is present but
// lacks digitalSignature: such a key may not sign, and the handshake's
// CertificateVerify is a signature. Go checks ExtKeyUsage but ignores a
// leaf's KeyUsage. Any VerifyConnection of the caller still runs after.
func checkClientKeyUsage(c *tls.Config) {
	if !verifiesClients(c) {
		return
	}
	next := c.VerifyConnection
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) > 0 {
			leaf := cs.PeerCertificates[0]
			if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
				return fmt.Errorf("thrift: client certificate %q has a KeyUsage without digitalSignature", leaf.Subject.CommonName)
			}
		}
		if next != nil {
			return next(cs)
		}
		return nil
	}
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
	checkClientKeyUsage(c)
	return c
}

// ClientTLSConfig returns a client config that trusts roots (nil: the
// system roots) and presents certs, if any, for mutual TLS.
func ClientTLSConfig(roots *x509.CertPool, certs ...tls.Certificate) *tls.Config {
	c := &tls.Config{RootCAs: roots, Certificates: certs}
	hardenTLS(c)
	return c
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
