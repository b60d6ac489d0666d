// Command server serves the example calculator over mutual TLS: only
// clients with a certificate from the CA in -certs are served.
//
//	thriftsec-gen certs -dir certs -client-uri spiffe://example.org/calculator-client
//	go run ./examples/calculator/server -certs certs -addr 127.0.0.1:9090
//
// SIGINT or SIGTERM shut it down gracefully: calls in flight finish.
package main

import (
	"context"
	"flag"
	"fmt"
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
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

func main() {
	var (
		addr     = flag.String("addr", "127.0.0.1:9090", "address to listen on (port 0 picks a free one)")
		certs    = flag.String("certs", "certs", "directory written by `thriftsec-gen certs`")
		addrFile = flag.String("addr-file", "", "write the address actually listened on to this file (for scripts)")
	)
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *certs, *addrFile, logger); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(addr, certs, addrFile string, logger *slog.Logger) error {
	// The server certificate, and the CA that client certificates must
	// chain to: giving a CA turns on mutual TLS. The files are re-read
	// when they change, so renewing certificates needs no restart.
	tlsConfig, err := runtime.ServerTLSFromFiles(
		filepath.Join(certs, devcert.ServerCertFile),
		filepath.Join(certs, devcert.ServerKeyFile),
		filepath.Join(certs, devcert.CAFile))
	if err != nil {
		return err
	}
	srv := &runtime.Server{
		Handler:      calculator.NewCalculatorProcessor(handler.New(logger)),
		TLSConfig:    tlsConfig,
		Logger:       logger,
		Interceptors: []runtime.ServerInterceptor{runtime.LoggingServerInterceptor(logger)},
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			return err
		}
	}
	logger.Info("serving calculator over mutual TLS", "addr", ln.Addr().String())

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
	logger.Info("shutting down")
	return srv.Shutdown(shutdownCtx)
}
