package golden

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/thriftsec/thriftsec/golden/services/svc/base"
	"github.com/thriftsec/thriftsec/golden/services/svc/calc"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// calcHandler implements the generated calc.Calculator, parent methods
// included, with answers the tests can predict.
type calcHandler struct {
	zipped chan string
}

func (h *calcHandler) Ping(ctx context.Context) error { return nil }
func (h *calcHandler) Version(ctx context.Context) (string, error) {
	return "", &base.BaseError{Reason: "no version"}
}
func (h *calcHandler) Add(ctx context.Context, a, b int32) (int32, error) {
	if a == 666 {
		panic("the handler panics")
	}
	return a + b, nil
}
func (h *calcHandler) Calculate(ctx context.Context, logid int32, w *calc.Work) (int32, error) {
	switch {
	case w.Op == calc.Operation_DIVIDE && w.Num2 == 0:
		return 0, &calc.InvalidOperation{WhatOp: int32(w.Op), Why: "divide by zero"}
	case logid < 0:
		return 0, &calc.Overflow{Limit: int64(logid)}
	case logid == 0:
		return 0, errors.New("a plain Go error")
	}
	return w.Num1 * w.Num2, nil
}
func (h *calcHandler) Zip(ctx context.Context, note string) error {
	h.zipped <- note
	return nil
}
func (h *calcHandler) Reset(ctx context.Context) error {
	return fmt.Errorf("wrapped: %w", &calc.InvalidOperation{Why: "cannot reset"})
}
func (h *calcHandler) History(ctx context.Context, limit *int32) ([]int64, error) {
	n := (&calc.CalculatorHistoryArgs{Limit: limit}).GetLimit() // the IDL default when unset
	if n == 0 {
		return nil, nil // a nil slice still travels as an empty list
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i)
	}
	return out, nil
}
func (h *calcHandler) Saved(ctx context.Context) (map[string]*calc.Work, error) {
	return map[string]*calc.Work{"w": {Num1: 1, Num2: 2, Op: calc.Operation_ADD, Comment: runtime.Ptr("saved")}}, nil
}
func (h *calcHandler) Dump(ctx context.Context) ([]byte, error) { return []byte{0, 1, 2}, nil }
func (h *calcHandler) LastWork(ctx context.Context) (*calc.Work, error) {
	return nil, nil // nil struct result: the client sees MISSING_RESULT
}
func (h *calcHandler) Type(ctx context.Context, func_, ctx_, err_ int32, result_ string) (int32, error) {
	return func_ + ctx_ + err_ + int32(len(result_)), nil
}
func (h *calcHandler) GetX(ctx context.Context) error  { return nil }
func (h *calcHandler) GetX_(ctx context.Context) error { return errors.New("getX") }

type security struct {
	name   string
	server func(ca *devcert.CA, srv, cli *devcert.Cert) (*runtime.Server, runtime.ClientOption)
}

var securities = []security{
	{"TLS", func(ca *devcert.CA, srv, cli *devcert.Cert) (*runtime.Server, runtime.ClientOption) {
		return &runtime.Server{TLSConfig: runtime.ServerTLSConfig(srv.TLSCertificate(), nil)},
			runtime.WithTLS(runtime.ClientTLSConfig(ca.CertPool()))
	}},
	{"mutualTLS", func(ca *devcert.CA, srv, cli *devcert.Cert) (*runtime.Server, runtime.ClientOption) {
		return &runtime.Server{TLSConfig: runtime.ServerTLSConfig(srv.TLSCertificate(), ca.CertPool())},
			runtime.WithTLS(runtime.ClientTLSConfig(ca.CertPool(), cli.TLSCertificate()))
	}},
	{"plaintext", func(ca *devcert.CA, srv, cli *devcert.Cert) (*runtime.Server, runtime.ClientOption) {
		return &runtime.Server{Plaintext: true}, runtime.WithPlaintext()
	}},
}

// TestGeneratedServices runs every kind of generated method (void, results
// of each shape, several declared exceptions, oneway, methods inherited
// from a service in another package, keyword names) between a generated
// client and a generated processor, over TLS, mutual TLS and plaintext,
// framed and unframed.
func TestGeneratedServices(t *testing.T) {
	ca, err := devcert.NewCA("test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cliCert, err := ca.Client("client", "spiffe://example.org/test")
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range securities {
		for _, tr := range []runtime.Transport{runtime.Framed, runtime.Buffered} {
			t.Run(sec.name+"/"+tr.String(), func(t *testing.T) {
				h := &calcHandler{zipped: make(chan string, 1)}
				srv, opt := sec.server(ca, srvCert, cliCert)
				srv.Handler = calc.NewCalculatorProcessor(h)
				srv.Transport = tr
				srv.Logger = slog.New(slog.DiscardHandler)
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				go srv.Serve(ln)
				defer srv.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				conn, err := runtime.Dial(ctx, ln.Addr().String(), opt, runtime.WithTransport(tr))
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				exerciseCalculator(ctx, t, calc.NewCalculatorClient(conn), h)
			})
		}
	}
}

func exerciseCalculator(ctx context.Context, t *testing.T, c *calc.CalculatorClient, h *calcHandler) {
	t.Helper()
	// Inherited from base.Base, in another Go package.
	if err := c.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	var be *base.BaseError
	if _, err := c.Version(ctx); !errors.As(err, &be) || be.Reason != "no version" {
		t.Errorf("Version: err = %v, want *base.BaseError", err)
	}
	if got, err := c.Add(ctx, 2, 3); got != 5 || err != nil {
		t.Errorf("Add = %d, %v", got, err)
	}
	// Two declared exceptions, each arriving as its own Go type.
	var io *calc.InvalidOperation
	if _, err := c.Calculate(ctx, 1, &calc.Work{Op: calc.Operation_DIVIDE, Num1: 1}); !errors.As(err, &io) || io.Why != "divide by zero" {
		t.Errorf("Calculate(1/0): err = %v, want *calc.InvalidOperation", err)
	}
	var ov *calc.Overflow
	if _, err := c.Calculate(ctx, -5, &calc.Work{Op: calc.Operation_MULTIPLY}); !errors.As(err, &ov) || ov.Limit != -5 {
		t.Errorf("Calculate(-5): err = %v, want *calc.Overflow", err)
	}
	// A plain Go error from the handler is INTERNAL_ERROR for that call only.
	var ae *runtime.ApplicationError
	if _, err := c.Calculate(ctx, 0, &calc.Work{}); !errors.As(err, &ae) || ae.Type != runtime.ExceptionInternalError {
		t.Errorf("Calculate(0): err = %v, want INTERNAL_ERROR", err)
	}
	if got, err := c.Calculate(ctx, 1, &calc.Work{Op: calc.Operation_MULTIPLY, Num1: 6, Num2: 7}); got != 42 || err != nil {
		t.Errorf("Calculate(6*7) = %d, %v", got, err)
	}
	// A declared exception wrapped by the handler is still found.
	if err := c.Reset(ctx); !errors.As(err, &io) || io.Why != "cannot reset" {
		t.Errorf("Reset: err = %v, want *calc.InvalidOperation", err)
	}
	// Optional argument: nil is sent as absent; the handler's getter gives
	// the IDL default (10).
	if got, err := c.History(ctx, nil); err != nil || len(got) != 10 {
		t.Errorf("History(nil) = %v, %v; want 10 entries", got, err)
	}
	if got, err := c.History(ctx, runtime.Ptr[int32](0)); err != nil || got == nil || len(got) != 0 {
		t.Errorf("History(0) = %#v, %v; want an empty list", got, err)
	}
	want := map[string]*calc.Work{"w": {Num1: 1, Num2: 2, Op: calc.Operation_ADD, Comment: runtime.Ptr("saved")}}
	if got, err := c.Saved(ctx); err != nil || !cmp.Equal(got, want) {
		t.Errorf("Saved = %v, %v", got, err)
	}
	if got, err := c.Dump(ctx); err != nil || !cmp.Equal(got, []byte{0, 1, 2}) {
		t.Errorf("Dump = %v, %v", got, err)
	}
	if _, err := c.LastWork(ctx); !errors.As(err, &ae) || ae.Type != runtime.ExceptionMissingResult {
		t.Errorf("LastWork: err = %v, want MISSING_RESULT", err)
	}
	if got, err := c.Type(ctx, 1, 2, 3, "four"); got != 10 || err != nil {
		t.Errorf("Type = %d, %v", got, err)
	}
	if err := c.GetX(ctx); err != nil {
		t.Errorf("GetX: %v", err)
	}
	if err := c.GetX_(ctx); !errors.As(err, &ae) {
		t.Errorf("GetX_ (IDL getX) must reach its own handler: err = %v", err)
	}
	// Oneway: returns at once, the server still runs it.
	if err := c.Zip(ctx, "fire"); err != nil {
		t.Errorf("Zip: %v", err)
	}
	select {
	case note := <-h.zipped:
		if note != "fire" {
			t.Errorf("Zip delivered %q", note)
		}
	case <-ctx.Done():
		t.Error("the oneway call never reached the handler")
	}
	// A panic is INTERNAL_ERROR for that call; the connection keeps serving.
	if _, err := c.Add(ctx, 666, 0); !errors.As(err, &ae) || ae.Type != runtime.ExceptionInternalError {
		t.Errorf("Add(666): err = %v, want INTERNAL_ERROR from the panic", err)
	}
	// Many goroutines share one client.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if got, err := c.Add(ctx, int32(g), int32(i)); err != nil || got != int32(g+i) {
					errs <- fmt.Errorf("Add(%d, %d) = %d, %v", g, i, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
