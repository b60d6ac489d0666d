// Package serve runs the example calculator server: mutual TLS from a
// `thriftsec-gen certs` directory, an optional authorization policy, and
// whatever interceptors the caller adds (contrib/jwt's example server adds
// its bearer-token verifier). Both example servers use it, so that the
// one with JWT differs from the plain one only in what it adds.
package serve

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/examples/calculator/handler"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/authz"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// Options say how to serve.
type Options struct {
	Addr     string // to listen on; port 0 picks a free one
	Certs    string // directory written by `thriftsec-gen certs`
	AddrFile string // if set, the address listened on is written here
	// Policy, if set, is a JSON authz policy file: calls it does not
	// allow are refused.
	Policy string
	// Transport is the framing (Framed by default; bearer tokens need
	// Header).
	Transport runtime.Transport
	// Authenticators run before the policy, so that it sees what they
	// verified.
	Authenticators []runtime.ServerInterceptor
	Logger         *slog.Logger
}

// NewServer builds the server o describes, not yet serving; handler nil
// means handler.New(o.Logger).
func NewServer(o Options, h *handler.Calculator) (*runtime.Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if h == nil {
		h = handler.New(o.Logger)
	}
	// The server certificate, and the CA that client certificates must
	// chain to: giving a CA turns on mutual TLS. The files are re-read
	// when they change, so renewing certificates needs no restart.
	tlsConfig, err := runtime.ServerTLSFromFiles(
		filepath.Join(o.Certs, devcert.ServerCertFile),
		filepath.Join(o.Certs, devcert.ServerKeyFile),
		filepath.Join(o.Certs, devcert.CAFile))
	if err != nil {
		return nil, err
	}
	ics := append([]runtime.ServerInterceptor{runtime.LoggingServerInterceptor(o.Logger)}, o.Authenticators...)
	if o.Policy != "" {
		p, err := authz.LoadPolicy(o.Policy)
		if err != nil {
			return nil, err
		}
		ic, err := p.Interceptor(o.Logger)
		if err != nil {
			return nil, err
		}
		ics = append(ics, ic)
	}
	return &runtime.Server{
		Handler:      calculator.NewCalculatorProcessor(h),
		TLSConfig:    tlsConfig,
		Transport:    o.Transport,
		Logger:       o.Logger,
		Interceptors: ics,
	}, nil
}

// Run serves until SIGINT, SIGTERM or SIGHUP, then shuts down gracefully:
// calls in flight finish.
func Run(o Options) error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	srv, err := NewServer(o, nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	if o.AddrFile != "" {
		if err := os.WriteFile(o.AddrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			return err
		}
	}
	o.Logger.Info("serving calculator over mutual TLS", "addr", ln.Addr().String(), "transport", o.Transport,
		"policy", o.Policy, "authenticators", len(o.Authenticators))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	o.Logger.Info("shutting down")
	return srv.Shutdown(shutdownCtx)
}
