// Package metrics exports Prometheus metrics for thriftsec servers and
// clients: calls, errors by kind, latency and calls in flight per service
// and method (from interceptors), and each server's connections, refused
// and evicted connections and memory budget (from runtime.Server.Stats,
// read at scrape time).
//
// It is its own Go module, so that the runtime, which every generated
// package imports, does not depend on the Prometheus client.
//
//	m := metrics.New(prometheus.DefaultRegisterer)
//	srv := &runtime.Server{Handler: h, TLSConfig: cfg, Interceptors: []runtime.ServerInterceptor{m.ServerInterceptor()}}
//	m.WatchServer("api", srv)
//	http.Handle("/metrics", promhttp.Handler())
//
// Metrics (the outcome label is "ok", "application_error" or "error";
// a reply carrying an exception the IDL declares is an "ok" reply at this
// layer, like any reply; kind is the TApplicationException type, such as
// INTERNAL_ERROR or NOT_EXECUTED, or "" when none applies):
//
//	thrift_server_calls_total{service,method,outcome,kind}            counter
//	thrift_server_call_duration_seconds{service,method}              histogram
//	thrift_server_calls_in_flight{service,method}                    gauge
//	thrift_client_calls_total{method,outcome,kind}                   counter
//	thrift_client_call_duration_seconds{method}                      histogram
//	thrift_client_calls_in_flight{method}                            gauge
//	thrift_server_connections{server,state="established"|"pending"}  gauge
//	thrift_server_connections_refused_total{server}                  counter (MaxConns reached)
//	thrift_server_connections_evicted_total{server}                  counter (pending pool full)
//	thrift_server_inflight_bytes{server}                             gauge (memory budget in use)
//	thrift_server_inflight_bytes_limit{server}                       gauge (MaxInflightBytes; 0: none)
package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/thriftsec/thriftsec/runtime"
)

// Metrics holds the collectors; one is enough for a process's servers and
// clients.
type Metrics struct {
	reg prometheus.Registerer

	serverCalls    *prometheus.CounterVec
	serverDuration *prometheus.HistogramVec
	serverInFlight *prometheus.GaugeVec
	clientCalls    *prometheus.CounterVec
	clientDuration *prometheus.HistogramVec
	clientInFlight *prometheus.GaugeVec
}

// New creates the call metrics and registers them with reg. It panics if
// they are already registered there, as prometheus.MustRegister does: that
// is a mistake in the program's set-up, not in its input.
func New(reg prometheus.Registerer) *Metrics {
	buckets := prometheus.ExponentialBuckets(50e-6, 2, 16) // 50 µs to about 1.6 s
	m := &Metrics{
		reg: reg,
		serverCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thrift_server_calls_total", Help: "Calls handled, by outcome.",
		}, []string{"service", "method", "outcome", "kind"}),
		serverDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "thrift_server_call_duration_seconds", Help: "Time from decoded request to handler return.", Buckets: buckets,
		}, []string{"service", "method"}),
		serverInFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "thrift_server_calls_in_flight", Help: "Calls whose handler is running.",
		}, []string{"service", "method"}),
		clientCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thrift_client_calls_total", Help: "Calls made, by outcome.",
		}, []string{"method", "outcome", "kind"}),
		clientDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "thrift_client_call_duration_seconds", Help: "Time from call to decoded reply.", Buckets: buckets,
		}, []string{"method"}),
		clientInFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "thrift_client_calls_in_flight", Help: "Calls waiting for their reply.",
		}, []string{"method"}),
	}
	reg.MustRegister(m.serverCalls, m.serverDuration, m.serverInFlight, m.clientCalls, m.clientDuration, m.clientInFlight)
	return m
}

// outcome classifies a call's error for the outcome and kind labels.
func outcome(err error) (string, string) {
	if err == nil {
		return "ok", ""
	}
	var ae *runtime.ApplicationError
	if errors.As(err, &ae) {
		return "application_error", ae.Type.String()
	}
	return "error", ""
}

// ServerInterceptor counts and times every call a Server handles. Put it
// first in Server.Interceptors to see what the client sees.
func (m *Metrics) ServerInterceptor() runtime.ServerInterceptor {
	return func(ctx context.Context, info *runtime.CallInfo, args runtime.Struct, next runtime.ServerHandler) (runtime.Struct, error) {
		inFlight := m.serverInFlight.WithLabelValues(info.Service, info.Method)
		inFlight.Inc()
		start := time.Now()
		res, err := next(ctx, args)
		m.serverDuration.WithLabelValues(info.Service, info.Method).Observe(time.Since(start).Seconds())
		inFlight.Dec()
		o, kind := outcome(err)
		m.serverCalls.WithLabelValues(info.Service, info.Method, o, kind).Inc()
		return res, err
	}
}

// ClientInterceptor counts and times every call a Client makes.
func (m *Metrics) ClientInterceptor() runtime.ClientInterceptor {
	return func(ctx context.Context, info *runtime.CallInfo, args, result runtime.Struct, next runtime.ClientInvoker) error {
		inFlight := m.clientInFlight.WithLabelValues(info.Method)
		inFlight.Inc()
		start := time.Now()
		err := next(ctx, info, args, result)
		m.clientDuration.WithLabelValues(info.Method).Observe(time.Since(start).Seconds())
		inFlight.Dec()
		o, kind := outcome(err)
		m.clientCalls.WithLabelValues(info.Method, o, kind).Inc()
		return err
	}
}

// WatchServer exports srv's connection and memory figures under the label
// server=name, read from srv.Stats() at each scrape.
func (m *Metrics) WatchServer(name string, srv *runtime.Server) {
	m.reg.MustRegister(&serverCollector{name: name, srv: srv})
}

var (
	connDesc     = prometheus.NewDesc("thrift_server_connections", "Connections, established (counted against MaxConns) or pending (handshaking).", []string{"server", "state"}, nil)
	refusedDesc  = prometheus.NewDesc("thrift_server_connections_refused_total", "Connections closed because MaxConns was reached.", []string{"server"}, nil)
	evictedDesc  = prometheus.NewDesc("thrift_server_connections_evicted_total", "Pending connections closed to make room for newer ones (MaxHandshakes).", []string{"server"}, nil)
	inflightDesc = prometheus.NewDesc("thrift_server_inflight_bytes", "Bytes of the server-wide memory budget in use.", []string{"server"}, nil)
	limitDesc    = prometheus.NewDesc("thrift_server_inflight_bytes_limit", "The server-wide memory budget (MaxInflightBytes); 0 means none.", []string{"server"}, nil)
)

// serverCollector reads a Server's Stats on each scrape.
type serverCollector struct {
	name string
	srv  *runtime.Server
}

func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{connDesc, refusedDesc, evictedDesc, inflightDesc, limitDesc} {
		ch <- d
	}
}

func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.srv.Stats()
	ch <- prometheus.MustNewConstMetric(connDesc, prometheus.GaugeValue, float64(st.Established), c.name, "established")
	ch <- prometheus.MustNewConstMetric(connDesc, prometheus.GaugeValue, float64(st.Pending), c.name, "pending")
	ch <- prometheus.MustNewConstMetric(refusedDesc, prometheus.CounterValue, float64(st.Refused), c.name)
	ch <- prometheus.MustNewConstMetric(evictedDesc, prometheus.CounterValue, float64(st.Evicted), c.name)
	ch <- prometheus.MustNewConstMetric(inflightDesc, prometheus.GaugeValue, float64(st.InflightBytes), c.name)
	ch <- prometheus.MustNewConstMetric(limitDesc, prometheus.GaugeValue, float64(st.InflightLimit), c.name)
}
