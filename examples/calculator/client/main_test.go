package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/examples/calculator/handler"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/authz"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// startServer serves the example handler over mutual TLS with certificates
// freshly written the way `thriftsec-gen certs` writes them.
func startServer(t *testing.T, ics ...runtime.ServerInterceptor) (addr, certs string, h *handler.Calculator) {
	return startServerWith(t, devcert.Options{}, ics...)
}

// startServerWith is startServer with a say in the certificates (to keep
// the CA's key, say) and interceptors around the handler.
func startServerWith(t *testing.T, opts devcert.Options, ics ...runtime.ServerInterceptor) (addr, certs string, h *handler.Calculator) {
	t.Helper()
	certs = t.TempDir()
	opts.ClientURIs = []string{"spiffe://example.org/calculator-client"}
	if _, err := devcert.WriteFiles(certs, opts); err != nil {
		t.Fatal(err)
	}
	cfg, err := runtime.ServerTLSFromFiles(filepath.Join(certs, devcert.ServerCertFile), filepath.Join(certs, devcert.ServerKeyFile), filepath.Join(certs, devcert.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	h = handler.New(nil)
	h.Zipped = make(chan struct{}, 1)
	srv := &runtime.Server{Handler: calculator.NewCalculatorProcessor(h), TLSConfig: cfg, Logger: slog.New(slog.DiscardHandler), Interceptors: ics}
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

// TestExamplePolicy: with policy.json, the example client (SPIFFE ID
// calculator-client) makes every two-way call, a certificate of the same
// CA with another SPIFFE ID is refused, and only the admin's zip arrives.
func TestExamplePolicy(t *testing.T) {
	p, err := authz.LoadPolicy("../policy.json")
	if err != nil {
		t.Fatal(err)
	}
	ic, err := p.Interceptor(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	addr, certs, h := startServerWith(t, devcert.Options{WriteCAKey: true}, ic)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, addr, certs, &out); err != nil {
		t.Fatalf("the policy refused the example client: %v\n%s", err, out.String())
	}
	caPEM, _ := os.ReadFile(filepath.Join(certs, devcert.CAFile))
	caKey, _ := os.ReadFile(filepath.Join(certs, "ca.key"))
	ca, err := devcert.LoadCA(caPEM, caKey, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(id string) *calculator.CalculatorClient {
		cert, err := ca.Client(id, id)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := runtime.Dial(ctx, addr, runtime.WithTLS(runtime.ClientTLSConfig(ca.CertPool(), cert.TLSCertificate())))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return calculator.NewCalculatorClient(conn)
	}
	intruder := dial("spiffe://example.org/intruder")
	_, err = intruder.Add(ctx, 1, 1)
	var ae *runtime.ApplicationError
	if !errors.As(err, &ae) || ae.Message != "add: permission denied" {
		t.Fatalf("intruder's add: %v", err)
	}
	admin := dial("spiffe://example.org/admin")
	if sum, err := admin.Add(ctx, 2, 2); err != nil || sum != 4 {
		t.Fatalf("admin's add: %d %v", sum, err)
	}
	if err := admin.Zip(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.Zipped:
	case <-time.After(5 * time.Second):
		t.Fatal("the admin's zip never arrived")
	}
	// The example client's zip (in run above) was refused: had it
	// arrived, Zipped would hold a second value by now, after the
	// admin's (calls on one server are handled as they come, and the
	// client's zip was sent first).
	select {
	case <-h.Zipped:
		t.Fatal("calculator-client's zip reached the handler")
	default:
	}
}
