package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// serveHTTP serves ThriftTest through Apache's NewThriftHandlerFunc (the
// handler Apache's Go library offers for HTTP) on every path of a plain
// net/http server, over TLS with --ssl, until a signal arrives.
func serveHTTP(o *options) error {
	conf := o.conf()
	pf := o.protocolFactory(conf)
	srv := &http.Server{
		Addr:              net.JoinHostPort(o.host, strconv.Itoa(o.port)),
		Handler:           http.HandlerFunc(thrift.NewThriftHandlerFunc(o.processor(), pf, pf)),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	errs := make(chan error, 1)
	if o.ssl {
		cert, err := tls.LoadX509KeyPair(o.key("server.crt"), o.key("server.key"))
		if err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if o.requireCert {
			pool, err := o.caPool()
			if err != nil {
				return err
			}
			srv.TLSConfig.ClientAuth, srv.TLSConfig.ClientCAs = tls.RequireAndVerifyClientCert, pool
		}
		go func() { errs <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errs <- srv.Serve(ln) }()
	}
	fmt.Fprintf(os.Stderr, "apachepeer: Apache Thrift Go 0.17 serving ThriftTest over HTTP on %s (%s, tls=%v)\n", srv.Addr, o.protocol, o.ssl)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-sigs:
	case err := <-errs:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// httpClient is Apache's THttpClient for http(s)://host:port/, verifying
// the server against CA.pem with --ssl.
func (o *options) httpClient(conf *thrift.TConfiguration) (thrift.TTransport, error) {
	tr := &http.Transport{}
	scheme := "http"
	if o.ssl {
		scheme = "https"
		pool, err := o.caPool()
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{RootCAs: pool, ServerName: o.host, MinVersion: tls.VersionTLS12}
		if o.clientCert {
			cert, err := tls.LoadX509KeyPair(o.key("client.crt"), o.key("client.key"))
			if err != nil {
				return nil, err
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		tr.TLSClientConfig = cfg
		tr.ForceAttemptHTTP2 = true
	}
	url := scheme + "://" + net.JoinHostPort(o.host, strconv.Itoa(o.port)) + "/"
	return thrift.NewTHttpClientWithOptions(url, thrift.THttpClientOptions{
		Client: &http.Client{Transport: tr, Timeout: conf.SocketTimeout},
	})
}
