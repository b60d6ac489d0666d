// Package devcert mints throw-away certificates for development and tests:
// a CA, a server certificate for given host names and IP addresses, and
// client certificates (optionally carrying a URI SAN such as a SPIFFE ID),
// all ECDSA P-256 with a short validity, made in memory.
//
// It exists so that trying thriftsec over TLS, and mutual TLS, takes one
// command (`thriftsec-gen certs -dir DIR`) rather than an openssl recipe.
// Nothing it makes is fit for production: keys are written unencrypted and
// the CA is whoever ran the command.
package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// DefaultValidity is how long certificates are valid when no validity is
// given: long enough for a week of development, short enough that a
// leaked dev key soon stops mattering.
const DefaultValidity = 7 * 24 * time.Hour

// backdate is how far before now certificates start, so that a peer
// whose clock is a little behind still accepts them.
const backdate = 5 * time.Minute

// Cert is a certificate with its private key.
type Cert struct {
	// Leaf is the parsed certificate.
	Leaf *x509.Certificate
	// Key is the private key.
	Key *ecdsa.PrivateKey
	// CertPEM is the certificate in PEM ("CERTIFICATE").
	CertPEM []byte
	// KeyPEM is the key in PEM ("PRIVATE KEY", PKCS #8).
	KeyPEM []byte
}

// TLSCertificate returns the certificate and key for a tls.Config.
func (c *Cert) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Leaf.Raw}, PrivateKey: c.Key, Leaf: c.Leaf}
}

// CA is a certificate authority that issues server and client certificates.
type CA struct {
	Cert
	validity time.Duration
}

// NewCA makes a self-signed CA named commonName whose certificates, its own
// included, are valid for validity (DefaultValidity if zero or negative).
func NewCA(commonName string, validity time.Duration) (*CA, error) {
	if validity <= 0 {
		validity = DefaultValidity
	}
	tmpl, err := template(commonName, validity)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.MaxPathLenZero = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	c, err := issue(tmpl, nil)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: *c, validity: validity}, nil
}

// LoadCA reads back a CA written by WriteFiles with a CA key, to issue
// fresh server and client certificates that existing peers still trust.
// validity applies to the certificates it issues (DefaultValidity if zero).
func LoadCA(certPEM, keyPEM []byte, validity time.Duration) (*CA, error) {
	if validity <= 0 {
		validity = DefaultValidity
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("devcert: no CERTIFICATE block in the CA certificate")
	}
	leaf, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil || kb.Type != "PRIVATE KEY" {
		return nil, errors.New("devcert: no PRIVATE KEY block in the CA key")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(leaf.PublicKey) {
		return nil, errors.New("devcert: the CA key does not match the CA certificate")
	}
	if !leaf.IsCA {
		return nil, errors.New("devcert: the CA certificate is not a CA")
	}
	return &CA{Cert: Cert{Leaf: leaf, Key: key, CertPEM: certPEM, KeyPEM: keyPEM}, validity: validity}, nil
}

// CertPool returns a pool holding the CA, for RootCAs or ClientCAs.
func (ca *CA) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Leaf)
	return p
}

// Server issues a server certificate for hosts: each is an IP address
// (becoming an IP SAN) or a DNS name. The first is also the common name.
func (ca *CA) Server(hosts ...string) (*Cert, error) {
	if len(hosts) == 0 {
		return nil, errors.New("devcert: a server certificate needs at least one host")
	}
	tmpl, err := template(hosts[0], ca.validity)
	if err != nil {
		return nil, err
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	return issue(tmpl, &ca.Cert)
}

// Client issues a client certificate named commonName with the given URI
// SANs (for example "spiffe://example.org/client").
func (ca *CA) Client(commonName string, uris ...string) (*Cert, error) {
	tmpl, err := template(commonName, ca.validity)
	if err != nil {
		return nil, err
	}
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" {
			return nil, fmt.Errorf("devcert: %q is not an absolute URI", s)
		}
		tmpl.URIs = append(tmpl.URIs, u)
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return issue(tmpl, &ca.Cert)
}

// template returns a certificate template with a random serial number.
func template(commonName string, validity time.Duration) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"thriftsec development"}},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(validity),
	}, nil
}

// issue makes a key and signs tmpl with parent (self-signed when nil).
func issue(tmpl *x509.Certificate, parent *Cert) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.Key, parent.Leaf
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &Cert{
		Leaf:    leaf,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}, nil
}

// WriteCert writes c's certificate to certPath (mode 0644) and key to
// keyPath (mode 0600), each replaced atomically.
func (c *Cert) WriteCert(certPath, keyPath string) error {
	if err := writeFile(certPath, c.CertPEM, 0o644); err != nil {
		return err
	}
	return writeFile(keyPath, c.KeyPEM, 0o600)
}

// File names WriteFiles uses in its directory.
const (
	CAFile         = "ca.pem"
	CAKeyFile      = "ca.key"
	ServerCertFile = "server.pem"
	ServerKeyFile  = "server.key"
	ClientCertFile = "client.pem"
	ClientKeyFile  = "client.key"
)

// Options says what WriteFiles makes.
type Options struct {
	// Hosts are the server certificate's names and IP addresses; default
	// 127.0.0.1, ::1 and localhost.
	Hosts []string
	// ClientCommonName names the client certificate; default
	// "thriftsec-dev-client".
	ClientCommonName string
	// ClientURIs are URI SANs of the client certificate, such as a SPIFFE
	// ID.
	ClientURIs []string
	// Validity of the certificates; DefaultValidity if zero.
	Validity time.Duration
	// CA issues the certificates; nil makes a new CA. Pass a CA from
	// LoadCA to renew the server and client certificates under the CA
	// peers already trust.
	CA *CA
	// WriteCAKey also writes the CA's key to ca.key, which a later run
	// needs to renew certificates under the same CA. Without it the key
	// is discarded and nobody can issue more certificates that the dev CA
	// vouches for.
	WriteCAKey bool
}

// WriteFiles makes a CA (unless opts.CA is given), a server and a client
// certificate, and writes them as PEM files in dir (created if missing):
// ca.pem, server.pem, server.key, client.pem, client.key, and ca.key when
// opts.WriteCAKey is set. Key files get mode 0600. It returns the paths
// written, in that order.
func WriteFiles(dir string, opts Options) ([]string, error) {
	if len(opts.Hosts) == 0 {
		opts.Hosts = []string{"127.0.0.1", "::1", "localhost"}
	}
	if opts.ClientCommonName == "" {
		opts.ClientCommonName = "thriftsec-dev-client"
	}
	ca := opts.CA
	if ca == nil {
		var err error
		if ca, err = NewCA("thriftsec development CA", opts.Validity); err != nil {
			return nil, err
		}
	} else if opts.Validity > 0 {
		c := *ca
		c.validity = opts.Validity
		ca = &c
	}
	srv, err := ca.Server(opts.Hosts...)
	if err != nil {
		return nil, err
	}
	cli, err := ca.Client(opts.ClientCommonName, opts.ClientURIs...)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	var written []string
	if opts.CA == nil {
		if err := writeFile(p(CAFile), ca.CertPEM, 0o644); err != nil {
			return written, err
		}
		written = append(written, p(CAFile))
	}
	if err := srv.WriteCert(p(ServerCertFile), p(ServerKeyFile)); err != nil {
		return written, err
	}
	written = append(written, p(ServerCertFile), p(ServerKeyFile))
	if err := cli.WriteCert(p(ClientCertFile), p(ClientKeyFile)); err != nil {
		return written, err
	}
	written = append(written, p(ClientCertFile), p(ClientKeyFile))
	if opts.WriteCAKey {
		if err := writeFile(p(CAKeyFile), ca.KeyPEM, 0o600); err != nil {
			return written, err
		}
		written = append(written, p(CAKeyFile))
	}
	return written, nil
}

// writeFile replaces path with data through a temporary file and a rename,
// so a server reloading the file never reads half of it, and the mode is
// set before any byte is written.
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".devcert-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
