package devcert

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIssueAndVerify(t *testing.T) {
	ca, err := NewCA("test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Server("127.0.0.1", "::1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: ca.CertPool(), DNSName: h}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: ca.CertPool(), DNSName: "example.com"}); err == nil {
		t.Error("server certificate valid for a name it was not issued for")
	}
	if d := srv.Leaf.NotAfter.Sub(srv.Leaf.NotBefore); d > time.Hour+backdate+time.Minute {
		t.Errorf("validity %v", d)
	}
	cli, err := ca.Client("c", "spiffe://example.org/client")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Leaf.Verify(x509.VerifyOptions{Roots: ca.CertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Error(err)
	}
	if _, err := cli.Leaf.Verify(x509.VerifyOptions{Roots: ca.CertPool()}); err == nil {
		t.Error("client certificate usable for server auth")
	}
	if _, err := ca.Client("c", "not a uri"); err == nil {
		t.Error("accepted a relative URI")
	}
	if _, err := ca.Server(); err == nil {
		t.Error("issued a server certificate with no host")
	}
	back, err := LoadCA(ca.CertPEM, ca.KeyPEM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(ca.CertPEM, cli.KeyPEM, 0); err == nil {
		t.Error("LoadCA accepted a key of another certificate")
	}
	again, err := back.Server("localhost")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Leaf.Verify(x509.VerifyOptions{Roots: ca.CertPool(), DNSName: "localhost"}); err != nil {
		t.Error(err)
	}
}

func TestWriteFilesModes(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteFiles(dir, Options{WriteCAKey: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{CAFile, ServerCertFile, ServerKeyFile, ClientCertFile, ClientKeyFile, CAKeyFile}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v", paths)
	}
	for i, p := range paths {
		if p != filepath.Join(dir, want[i]) {
			t.Errorf("path %d = %s, want %s", i, p, want[i])
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		wantMode := os.FileMode(0o644)
		if filepath.Ext(p) == ".key" {
			wantMode = 0o600
		}
		if st.Mode().Perm() != wantMode {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), wantMode)
		}
	}
}
