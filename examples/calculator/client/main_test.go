package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/examples/calculator/handler"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// startServer serves the example handler over mutual TLS with certificates
// freshly written the way `thriftsec-gen certs` writes them.
func startServer(t *testing.T) (addr, certs string, h *handler.Calculator) {
	t.Helper()
	certs = t.TempDir()
	if _, err := devcert.WriteFiles(certs, devcert.Options{ClientURIs: []string{"spiffe://example.org/calculator-client"}}); err != nil {
		t.Fatal(err)
	}
	cfg, err := runtime.ServerTLSFromFiles(filepath.Join(certs, devcert.ServerCertFile), filepath.Join(certs, devcert.ServerKeyFile), filepath.Join(certs, devcert.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	h = handler.New(nil)
	h.Zipped = make(chan struct{}, 1)
	srv := &runtime.Server{Handler: calculator.NewCalculatorProcessor(h), TLSConfig: cfg, Logger: slog.New(slog.DiscardHandler)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return ln.Addr().String(), certs, h
}

// TestExampleOverMutualTLS runs the example client against the example
// handler: every call kind, the declared exception, the parent service's
// method and the verified identity.
func TestExampleOverMutualTLS(t *testing.T) {
	addr, certs, h := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, addr, certs, &out); err != nil {
		t.Fatalf("%v\noutput so far:\n%s", err, out.String())
	}
	for _, want := range []string{
		"add(1, 1) = 2",
		"calculate(1, 1/0): InvalidOperation: cannot divide by 0",
		"calculate(2, 15-10) = 5",
		"whoami() = spiffe://example.org/calculator-client",
		"zip() (oneway)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	select {
	case <-h.Zipped:
	case <-time.After(5 * time.Second):
		t.Error("the server never received the oneway zip")
	}
}

// TestExampleRefusesClientWithoutCertificate: the example server requires
// a client certificate from its CA.
func TestExampleRefusesClientWithoutCertificate(t *testing.T) {
	addr, certs, _ := startServer(t)
	cfg, err := runtime.ClientTLSFromFiles("", "", filepath.Join(certs, devcert.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := runtime.Dial(ctx, addr, runtime.WithTLS(cfg))
	if err == nil {
		// TLS 1.3 reports the server's refusal on the first read.
		_, err = calculator.NewCalculatorClient(conn).Add(ctx, 1, 1)
		conn.Close()
	}
	if err == nil {
		t.Fatal("a client without a certificate was served")
	}
	t.Logf("refused as expected: %v", err)
}
