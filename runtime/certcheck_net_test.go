package runtime

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// clientCertWithKeyUsage issues a client certificate from the test CA
// with the given KeyUsage.
func clientCertWithKeyUsage(t *testing.T, ku x509.KeyUsage) tls.Certificate {
	t.Helper()
	p := getPKI(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "key usage test"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     ku,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca.Leaf, &key.PublicKey, p.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestClientKeyUsage checks that a client certificate whose KeyUsage is
// present but lacks digitalSignature is refused (Go alone accepts it),
// one with digitalSignature is served, and the caller's own
// VerifyConnection still runs.
func TestClientKeyUsage(t *testing.T) {
	p := getPKI(t)
	callerHook := 0
	mtls := p.mtlsServerTLS.Clone()
	mtls.VerifyConnection = func(tls.ConnectionState) error { callerHook++; return nil }
	ts := startServer(t, secMTLS, Framed, func(s *Server) { s.TLSConfig = mtls })
	for _, tc := range []struct {
		ku x509.KeyUsage
		ok bool
	}{
		{x509.KeyUsageKeyEncipherment, false},
		{x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, true},
	} {
		cfg := ClientTLSConfig(p.ca.CertPool(), clientCertWithKeyUsage(t, tc.ku))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := Dial(ctx, ts.addr, WithTLS(cfg), WithTransport(Framed), WithLogger(testLogger()))
		cancel()
		if err == nil {
			// TLS 1.3: the refusal shows on the first call.
			err = c.Call(context.Background(), "add", &pairArgs{A: 1, B: 2}, &i32Result{})
			c.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("KeyUsage %b: err %v, want ok=%v", tc.ku, err, tc.ok)
		}
	}
	if callerHook != 1 {
		t.Errorf("the caller's VerifyConnection ran %d times, want 1 (for the accepted client)", callerHook)
	}
	if mtls.VerifyConnection == nil || p.mtlsServerTLS.VerifyConnection == nil {
		t.Fatal("lost a hook")
	}
}

// TestCertReloaderStatus checks that a failed reload is logged once per
// change of the files and reported by Status along with the serving
// certificate's expiry.
func TestCertReloaderStatus(t *testing.T) {
	dir := t.TempDir()
	ca, err := devcert.NewCA("status CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := devcert.WriteFiles(dir, devcert.Options{CA: ca, Hosts: []string{"127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, devcert.ServerCertFile), filepath.Join(dir, devcert.ServerKeyFile)
	var logBuf lockedBuffer
	r, err := newCertReloader(certFile, keyFile, "", newTextLogger(&logBuf), 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Status()
	if st.LastError != nil || st.NotAfter.Before(time.Now()) || st.NotAfter.After(time.Now().Add(2*time.Hour)) {
		t.Fatalf("status %+v", st)
	}
	other, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeTestFile(certFile, other.CertPEM); err != nil { // key no longer matches
		t.Fatal(err)
	}
	for range 5 {
		time.Sleep(15 * time.Millisecond)
		st = r.Status()
	}
	if st.LastError == nil || st.NotAfter.IsZero() {
		t.Fatalf("status after a broken rewrite: %+v", st)
	}
	if n := strings.Count(logBuf.String(), "certificate reload failed"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logBuf.String())
	}
	if err := other.WriteCert(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	time.Sleep(15 * time.Millisecond)
	if st = r.Status(); st.LastError != nil || !st.NotAfter.Equal(other.Leaf.NotAfter) {
		t.Fatalf("status after a good rewrite: %+v", st)
	}
}
