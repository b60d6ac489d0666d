package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCertsUsage(t *testing.T) {
	for _, args := range [][]string{{"certs"}, {"certs", "-no-such-flag"}, {"certs", "-dir", t.TempDir(), "extra"}, {"certs", "-dir", t.TempDir(), "-hosts", ","}} {
		code, _, stderr := runCmd(args...)
		if code != exitUsage || !strings.Contains(stderr, "usage: thriftsec-gen certs") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, _, stderr := runCmd("certs", "-renew", "-dir", t.TempDir()); code != exitFailure || !strings.Contains(stderr, "ca.pem") {
		t.Errorf("-renew without a CA: exit %d, stderr %q", code, stderr)
	}
}

func TestCertsWritesAndRenews(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	code, stdout, stderr := runCmd("certs", "-dir", dir, "-hosts", "127.0.0.1,::1,localhost,api.test", "-client-uri", "spiffe://example.org/client", "-ca-key")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"ca.pem", "server.pem", "server.key", "client.pem", "client.key", "ca.key"} {
		p := filepath.Join(dir, name)
		if !strings.Contains(stdout, "wrote "+p+"\n") {
			t.Errorf("stdout does not report %s: %q", name, stdout)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".key") && st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	ca := readCert(t, filepath.Join(dir, "ca.pem"))
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	srv := readCert(t, filepath.Join(dir, "server.pem"))
	for _, host := range []string{"127.0.0.1", "::1", "localhost", "api.test"} {
		if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("server certificate for %s: %v", host, err)
		}
	}
	cli := readCert(t, filepath.Join(dir, "client.pem"))
	if _, err := cli.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if len(cli.URIs) != 1 || cli.URIs[0].String() != "spiffe://example.org/client" {
		t.Errorf("client URIs %v", cli.URIs)
	}
	if _, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")); err != nil {
		t.Error(err)
	}

	// -renew reissues under the same CA.
	code, stdout, stderr = runCmd("certs", "-dir", dir, "-renew")
	if code != exitOK {
		t.Fatalf("renew: exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "ca.pem") || !strings.Contains(stdout, "server.pem") {
		t.Errorf("renew stdout %q", stdout)
	}
	srv2 := readCert(t, filepath.Join(dir, "server.pem"))
	if srv2.SerialNumber.Cmp(srv.SerialNumber) == 0 {
		t.Error("renew kept the old server certificate")
	}
	if _, err := srv2.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("renewed certificate under the old CA: %v", err)
	}
}

func TestCertsWithoutCAKey(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd("certs", "-dir", dir); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "ca.key")); !os.IsNotExist(err) {
		t.Errorf("ca.key written without -ca-key: %v", err)
	}
}
