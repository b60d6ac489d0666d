package runtime

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// ServerTLSFromFiles returns a server config that serves the PEM
// certificate chain and key in certFile and keyFile and, when clientCAFile
// is not "", requires client certificates that chain to the PEM CAs in it.
// It is NewCertReloader(...).TLSConfig(), logging to slog.Default(); use
// a CertReloader to choose the logger and to read its Status for health
// checks.
func ServerTLSFromFiles(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	r, err := NewCertReloader(certFile, keyFile, clientCAFile, nil)
	if err != nil {
		return nil, err
	}
	return r.TLSConfig(), nil
}

func serverTLSFromFiles(certFile, keyFile, clientCAFile string, interval time.Duration) (*tls.Config, error) {
	r, err := newCertReloader(certFile, keyFile, clientCAFile, nil, interval)
	if err != nil {
		return nil, err
	}
	return r.TLSConfig(), nil
}

// CertReloader serves a certificate, key and client CA pool loaded from
// PEM files, and reloads them when the files change, without a restart.
//
// The files are read by NewCertReloader (an error is returned if they are
// unusable) and again on later handshakes, at most once per second: when
// their contents change, new connections get the new certificate and CA
// pool; connections already open keep what they negotiated. If the new
// files do not load (say the key was not yet rewritten to match the new
// certificate), the previous good ones stay in use until a later check
// finds a consistent pair; the failure is logged at Error once per change
// of the files' contents, and Status reports it.
type CertReloader struct {
	certFile, keyFile, caFile string
	interval                  time.Duration
	logger                    *slog.Logger

	mu         sync.Mutex
	cfg        *tls.Config
	notAfter   time.Time
	raw        [3][]byte // file contents cfg was built from
	checked    time.Time
	loaded     time.Time
	lastErr    error
	failedHash [sha256.Size]byte // contents whose failure was logged
}

// CertStatus is what a health check wants to know about a CertReloader.
type CertStatus struct {
	// NotAfter is when the certificate being served expires.
	NotAfter time.Time
	// Loaded is when the certificate being served was loaded.
	Loaded time.Time
	// LastError is why the latest reload failed, or nil when the files
	// in use are the latest ones on disk.
	LastError error
}

// NewCertReloader loads the files (see CertReloader); clientCAFile ""
// means no client certificates are asked for. A nil logger means
// slog.Default().
func NewCertReloader(certFile, keyFile, clientCAFile string, logger *slog.Logger) (*CertReloader, error) {
	return newCertReloader(certFile, keyFile, clientCAFile, logger, time.Second)
}

func newCertReloader(certFile, keyFile, caFile string, logger *slog.Logger, interval time.Duration) (*CertReloader, error) {
	if logger == nil {
		logger = slog.Default()
	}
	r := &CertReloader{certFile: certFile, keyFile: keyFile, caFile: caFile, interval: interval, logger: logger}
	if err := r.load(); err != nil {
		return nil, err
	}
	r.checked = time.Now()
	return r, nil
}

// TLSConfig returns a server config whose every handshake gets the current
// certificate and client CAs. Server.TLSConfig takes it as it is.
func (r *CertReloader) TLSConfig() *tls.Config {
	c := &tls.Config{GetConfigForClient: r.getConfig}
	hardenTLS(c)
	// Certificates is empty and GetConfigForClient always answers, so a
	// Server sees a usable config; the per-handshake config carries the
	// certificate and client CAs.
	return c
}

// Status reports the serving certificate's expiry and the last reload
// error, after checking the files if the check interval has passed.
func (r *CertReloader) Status() CertStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.maybeReload()
	return CertStatus{NotAfter: r.notAfter, Loaded: r.loaded, LastError: r.lastErr}
}

func (r *CertReloader) getConfig(*tls.ClientHelloInfo) (*tls.Config, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.maybeReload()
	return r.cfg, nil
}

// maybeReload reloads the files if the interval has passed, keeping the
// last good config on failure. Called with mu held.
func (r *CertReloader) maybeReload() {
	now := time.Now()
	if now.Sub(r.checked) < r.interval {
		return
	}
	r.checked = now
	r.lastErr = r.load()
}

// load reads the files and, if they differ from the ones in use, builds a
// new config from them. A failure is logged once per content of the files.
// Called with mu held (or before r is shared).
func (r *CertReloader) load() error {
	var raw [3][]byte
	var err error
	for i, f := range []string{r.certFile, r.keyFile, r.caFile} {
		if f == "" {
			continue
		}
		if raw[i], err = os.ReadFile(f); err != nil {
			return r.failed(raw, err)
		}
	}
	if r.cfg != nil && bytes.Equal(raw[0], r.raw[0]) && bytes.Equal(raw[1], r.raw[1]) && bytes.Equal(raw[2], r.raw[2]) {
		return nil
	}
	cert, err := tls.X509KeyPair(raw[0], raw[1])
	if err != nil {
		return r.failed(raw, fmt.Errorf("thrift: loading %s and %s: %w", r.certFile, r.keyFile, err))
	}
	var pool *x509.CertPool
	if r.caFile != "" {
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(raw[2]) {
			return r.failed(raw, fmt.Errorf("thrift: no PEM certificates in %s", r.caFile))
		}
	}
	r.cfg = ServerTLSConfig(cert, pool)
	r.raw = raw
	r.loaded = time.Now()
	r.notAfter = cert.Leaf.NotAfter
	if r.failedHash != ([sha256.Size]byte{}) {
		r.logger.Info("thrift: certificate reloaded", "cert", r.certFile, "not_after", r.notAfter)
		r.failedHash = [sha256.Size]byte{}
	}
	return nil
}

// failed logs err unless the same file contents failed before, and
// returns it. Before r serves anything the error goes to the caller only.
func (r *CertReloader) failed(raw [3][]byte, err error) error {
	if r.cfg == nil {
		return err
	}
	h := sha256.New()
	for _, b := range raw {
		h.Write(b)
		h.Write([]byte{0})
	}
	h.Write([]byte(err.Error()))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	if sum != r.failedHash {
		r.failedHash = sum
		r.logger.Error("thrift: certificate reload failed; still serving the previous certificate",
			"cert", r.certFile, "key", r.keyFile, "ca", r.caFile, "error", err, "serving_not_after", r.notAfter)
	}
	return err
}
