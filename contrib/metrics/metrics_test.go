package metrics

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/examples/calculator/handler"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// TestMetricsEndToEnd serves the calculator over TLS with the server
// interceptor, calls it through a client with the client interceptor
// (successes, a declared exception, an unknown method), and scrapes
// /metrics over HTTP on loopback.
func TestMetricsEndToEnd(t *testing.T) {
	ca, err := devcert.NewCA("metrics CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := New(reg)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := &runtime.Server{
		Handler:      calculator.NewCalculatorProcessor(handler.New(quiet)),
		TLSConfig:    runtime.ServerTLSConfig(cert.TLSCertificate(), nil),
		Interceptors: []runtime.ServerInterceptor{m.ServerInterceptor()},
		Logger:       quiet,
	}
	m.WatchServer("calc", srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := runtime.Dial(ctx, ln.Addr().String(), runtime.WithTLS(runtime.ClientTLSConfig(ca.CertPool())),
		runtime.WithInterceptors(m.ClientInterceptor()), runtime.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := calculator.NewCalculatorClient(conn)
	for range 3 {
		if _, err := c.Add(ctx, 1, 2); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Calculate(ctx, 1, &calculator.Work{Num1: 1, Num2: 0, Op: calculator.Operation_DIVIDE}); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if err := conn.Call(ctx, "nosuch", &calculator.CalculatorPingArgs{}, &calculator.CalculatorPingResult{}); err == nil {
		t.Fatal("unknown method succeeded")
	}

	web := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	wl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go web.Serve(wl)
	defer web.Close()
	resp, err := http.Get("http://" + wl.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`thrift_server_calls_total{kind="",method="add",outcome="ok",service="Calculator"} 3`,
		`thrift_server_calls_total{kind="",method="calculate",outcome="ok",service="Calculator"} 1`,
		`thrift_client_calls_total{kind="",method="add",outcome="ok"} 3`,
		`thrift_client_calls_total{kind="UNKNOWN_METHOD",method="nosuch",outcome="application_error"} 1`,
		`thrift_server_call_duration_seconds_count{method="add",service="Calculator"} 3`,
		`thrift_server_calls_in_flight{method="add",service="Calculator"} 0`,
		`thrift_server_connections{server="calc",state="established"} 1`,
		`thrift_server_connections_refused_total{server="calc"} 0`,
		`thrift_server_inflight_bytes_limit{server="calc"} 2.68435456e+08`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}
