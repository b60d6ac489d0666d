package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/thriftsec/thriftsec/contrib/etcd"
	"github.com/thriftsec/thriftsec/contrib/metrics"
	"github.com/thriftsec/thriftsec/runtime"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// fleetMember is the testserver's entry in etcd (--etcd, --etcd-key).
type fleetMember struct {
	cli    *clientv3.Client
	reg    *etcd.Registration
	settle time.Duration
}

// joinFleet registers addr under prefix in the etcd cluster at endpoints
// (comma-separated host:port), with a lease of ttl kept alive until leave.
func joinFleet(endpoints, prefix, addr string, ttl, settle time.Duration) (*fleetMember, error) {
	if prefix == "" {
		return nil, errors.New("--etcd needs --etcd-key=PREFIX")
	}
	var eps []string
	for _, e := range strings.Split(endpoints, ",") {
		if e = strings.TrimSpace(e); e != "" {
			eps = append(eps, e)
		}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("--etcd: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reg, err := etcd.Register(ctx, cli, prefix, addr, ttl)
	if err != nil {
		cli.Close()
		return nil, err
	}
	return &fleetMember{cli: cli, reg: reg, settle: settle}, nil
}

// leave deregisters, waits settle for clients to see it, then shuts srv
// down within grace (what is left is closed): the order in which a
// drained server gets no new calls before it stops serving. Each step
// has its own bound, so that an unreachable etcd delays the drain by a
// second at most instead of eating its grace period (the lease then
// expires on its own).
func (f *fleetMember) leave(srv *runtime.Server, grace time.Duration) error {
	defer f.cli.Close()
	dctx, cancel := context.WithTimeout(context.Background(), time.Second)
	derr := f.reg.Deregister(dctx)
	cancel()
	if derr == nil {
		time.Sleep(f.settle)
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	serr := srv.Shutdown(sctx)
	if serr != nil {
		srv.Close()
	}
	return errors.Join(derr, serr)
}

// serveMetrics exposes Prometheus metrics of srv on addr at /metrics
// (--metrics): the calls of every method (contrib/metrics' server
// interceptor, which it adds first to srv.Interceptors), the server's
// connections and memory budget, and the Go runtime's figures. It returns
// the HTTP server to close at exit.
func serveMetrics(addr string, srv *runtime.Server, log *slog.Logger) (*http.Server, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	srv.Interceptors = append([]runtime.ServerInterceptor{m.ServerInterceptor()}, srv.Interceptors...)
	m.WatchServer("testserver", srv)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("testserver: metrics server", "error", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "testserver: metrics on http://%s/metrics\n", ln.Addr())
	return hs, nil
}
