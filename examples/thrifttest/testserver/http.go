package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// serveHTTP serves --transport=http: the same processor, protocol, limits,
// timeouts, interceptors and TLS configuration as srv would use, through
// runtime.HTTPHandler in an http.Server (HTTPS with --ssl), on every path,
// as Apache's THttpServer does. It returns when a signal arrives.
func serveHTTP(srv *runtime.Server, lns []net.Listener, sigs <-chan os.Signal) error {
	if srv.Sealer != nil || len(srv.TrustedProxies) > 0 {
		return errors.New("--fernet-keys and --proxy-protocol-trusted are not supported with --transport=http")
	}
	h := &runtime.HTTPHandler{
		Handler:             srv.Handler,
		Protocol:            srv.Protocol,
		Header:              srv.Transport == runtime.Header,
		Limits:              srv.Limits,
		ReadTimeout:         srv.ReadTimeout,
		ExposeHandlerErrors: srv.ExposeHandlerErrors,
		MaxInflightBytes:    srv.MaxInflightBytes,
		Logger:              srv.Logger,
		Interceptors:        srv.Interceptors,
	}
	var hs *http.Server
	if srv.Plaintext {
		hs = runtime.NewPlaintextHTTPServer(h)
	} else {
		var err error
		if hs, err = runtime.NewHTTPServer(h, srv.TLSConfig); err != nil {
			return err
		}
	}
	if srv.IdleTimeout != 0 {
		hs.IdleTimeout = srv.IdleTimeout
	}
	if srv.WriteTimeout > 0 {
		hs.WriteTimeout = srv.WriteTimeout
	}
	errs := make(chan error, len(lns))
	for _, ln := range lns {
		fmt.Fprintf(os.Stderr, "testserver: serving ThriftTest on %s (%s over HTTP, tls=%v)\n", ln.Addr(), srv.Protocol, !srv.Plaintext)
		go func() {
			if srv.Plaintext {
				errs <- hs.Serve(ln)
			} else {
				errs <- hs.ServeTLS(ln, "", "")
			}
		}()
	}
	var serveErr error
	select {
	case s := <-sigs:
		fmt.Fprintf(os.Stderr, "testserver: %v: shutting down\n", s)
	case serveErr = <-errs:
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		hs.Close()
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}
