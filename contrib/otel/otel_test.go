package otel

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/examples/calculator/handler"
	"github.com/thriftsec/thriftsec/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// calc is the example's calculator, with whoami failing (an undeclared
// error, which the server sends as INTERNAL_ERROR) and ping recording the
// headers it was called with and answering one.
type calc struct {
	*handler.Calculator
	headers chan map[string]string
}

func (c calc) Whoami(ctx context.Context) (string, error) { return "", errors.New("no identity") }

func (c calc) Ping(ctx context.Context) error {
	c.headers <- runtime.RequestHeaders(ctx)
	runtime.SetResponseHeader(ctx, "pong", "1")
	return nil
}

// serve starts the calculator in plaintext over the Header transport with
// the server interceptor and returns its address.
func serve(t *testing.T, tp trace.TracerProvider) (string, chan map[string]string) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	headers := make(chan map[string]string, 16)
	srv := &runtime.Server{
		Handler:      calculator.NewCalculatorProcessor(calc{handler.New(quiet), headers}),
		Transport:    runtime.Header,
		Plaintext:    true,
		Interceptors: []runtime.ServerInterceptor{ServerInterceptor(WithTracerProvider(tp))},
		Logger:       quiet,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), headers
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// byKind splits the ended spans into client and server spans.
func byKind(t *testing.T, spans []sdktrace.ReadOnlySpan) (client, server []sdktrace.ReadOnlySpan) {
	t.Helper()
	for _, s := range spans {
		switch s.SpanKind() {
		case trace.SpanKindClient:
			client = append(client, s)
		case trace.SpanKindServer:
			server = append(server, s)
		default:
			t.Fatalf("span %q of kind %v", s.Name(), s.SpanKind())
		}
	}
	return client, server
}

// TestClientServerSpans: over THeader, each call gives exactly one client
// and one server span, the server span a child of the client span in the
// same trace, the client span a child of the caller's span, both with the
// RPC attributes; the caller's own headers still travel and its reply
// headers are still delivered; a failed call sets Error on both.
func TestClientServerSpans(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	defer tp.Shutdown(context.Background())
	addr, headers := serve(t, tp)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := runtime.Dial(ctx, addr, runtime.WithPlaintext(), runtime.WithTransport(runtime.Header),
		runtime.WithInterceptors(ClientInterceptor(WithTracerProvider(tp), WithService("Calculator"))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := calculator.NewCalculatorClient(conn)

	const calls = 3
	pctx, parent := tp.Tracer("test").Start(ctx, "caller")
	for i := range calls {
		if got, err := c.Add(pctx, int32(i), 1); err != nil || got != int32(i)+1 {
			t.Fatalf("add: %d, %v", got, err)
		}
	}
	parent.End()

	var cs, ss []sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Name() != "caller" {
			if s.SpanKind() == trace.SpanKindClient {
				cs = append(cs, s)
			} else {
				ss = append(ss, s)
			}
		}
	}
	if len(cs) != calls || len(ss) != calls {
		t.Fatalf("%d client and %d server spans for %d calls", len(cs), len(ss), calls)
	}
	serverOf := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range ss {
		if s.SpanKind() != trace.SpanKindServer {
			t.Fatalf("span %q has kind %v", s.Name(), s.SpanKind())
		}
		if !s.Parent().IsRemote() {
			t.Errorf("server span's parent is not remote: %v", s.Parent())
		}
		serverOf[s.Parent().SpanID()] = s
	}
	for _, cl := range cs {
		if cl.Parent().SpanID() != parent.SpanContext().SpanID() || cl.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("client span's parent is %v, want the caller's span %v", cl.Parent(), parent.SpanContext())
		}
		sv, ok := serverOf[cl.SpanContext().SpanID()]
		if !ok {
			t.Fatalf("no server span has the client span %v as parent", cl.SpanContext().SpanID())
		}
		if sv.SpanContext().TraceID() != cl.SpanContext().TraceID() {
			t.Errorf("server span in trace %v, client span in %v", sv.SpanContext().TraceID(), cl.SpanContext().TraceID())
		}
		if cl.Name() != "Calculator/add" || sv.Name() != "Calculator/add" {
			t.Errorf("span names %q, %q", cl.Name(), sv.Name())
		}
		host, port, _ := net.SplitHostPort(addr)
		ca := attrs(cl)
		for k, want := range map[attribute.Key]string{"rpc.system": "apache_thrift", "rpc.service": "Calculator", "rpc.method": "add", "server.address": host, "server.port": port, "network.transport": "tcp"} {
			if got := ca[k].Emit(); got != want {
				t.Errorf("client span %s = %q, want %q", k, got, want)
			}
		}
		sa := attrs(sv)
		for k, want := range map[attribute.Key]string{"rpc.system": "apache_thrift", "rpc.service": "Calculator", "rpc.method": "add", "client.address": "127.0.0.1", "network.peer.address": "127.0.0.1"} {
			if got := sa[k].Emit(); got != want {
				t.Errorf("server span %s = %q, want %q", k, got, want)
			}
		}
		if sa["client.port"].AsInt64() == 0 {
			t.Errorf("server span has no client.port")
		}
		if cl.Status().Code != codes.Unset || sv.Status().Code != codes.Unset {
			t.Errorf("statuses %v, %v for a successful call", cl.Status(), sv.Status())
		}
	}

	// The caller's headers are kept next to the trace context, and
	// the reply's headers still reach it.
	sr2 := len(sr.Ended())
	var reply map[string]string
	hctx := runtime.WithHeaders(ctx, map[string]string{"user": "u1"}, &reply)
	if err := c.Ping(hctx); err != nil {
		t.Fatal(err)
	}
	h := <-headers
	if h["user"] != "u1" || !strings.HasPrefix(h["traceparent"], "00-") {
		t.Errorf("handler saw headers %v", h)
	}
	if reply["pong"] != "1" {
		t.Errorf("the caller's reply-header sink was dropped")
	}
	// An undeclared handler error: Error status and error.type on
	// both sides.
	if _, err := c.Whoami(ctx); err == nil {
		t.Fatal("whoami succeeded")
	}
	var failed []sdktrace.ReadOnlySpan
	for _, s := range sr.Ended()[sr2:] {
		if strings.HasSuffix(s.Name(), "/whoami") {
			failed = append(failed, s)
		}
	}
	cf, sf := byKind(t, failed)
	if len(cf) != 1 || len(sf) != 1 {
		t.Fatalf("%d client and %d server spans for the failed call", len(cf), len(sf))
	}
	if cf[0].Status().Code != codes.Error || sf[0].Status().Code != codes.Error {
		t.Errorf("statuses %v, %v for a failed call", cf[0].Status(), sf[0].Status())
	}
	if got := attrs(cf[0])["error.type"].Emit(); got != "INTERNAL_ERROR" {
		t.Errorf("client error.type = %q, want INTERNAL_ERROR", got)
	}
	if got := attrs(sf[0])["error.type"].Emit(); got != "_OTHER" {
		t.Errorf("server error.type = %q, want _OTHER (a plain Go error)", got)
	}
}

// pythonClient is an Apache Thrift Python client (Debian's python3-thrift)
// that calls add(2, 3) over THeaderProtocol with a traceparent header,
// writing the message by hand so that no generated code is needed.
const pythonClient = `
import sys
from thrift.transport import TSocket
from thrift.protocol import THeaderProtocol
from thrift.protocol.TProtocol import TType
from thrift.Thrift import TMessageType
from thrift.transport.THeaderTransport import THeaderClientType

port, traceparent = int(sys.argv[1]), sys.argv[2]
sock = TSocket.TSocket("127.0.0.1", port)
sock.setTimeout(10000)
sock.open()
p = THeaderProtocol.THeaderProtocol(sock, [THeaderClientType.HEADERS])
p.set_header(b"traceparent", traceparent.encode())
p.set_header(b"tracestate", b"vendor=x")
p.writeMessageBegin("add", TMessageType.CALL, 1)
p.writeStructBegin("add_args")
p.writeFieldBegin("num1", TType.I32, 1); p.writeI32(2); p.writeFieldEnd()
p.writeFieldBegin("num2", TType.I32, 2); p.writeI32(3); p.writeFieldEnd()
p.writeFieldStop(); p.writeStructEnd(); p.writeMessageEnd()
p.trans.flush()
name, typ, seq = p.readMessageBegin()
assert (name, typ, seq) == ("add", TMessageType.REPLY, 1), (name, typ, seq)
p.readStructBegin()
ftype, fid = p.readFieldBegin()[1:]
assert (ftype, fid) == (TType.I32, 0), (ftype, fid)
print(p.readI32())
sock.close()
`

// TestPythonHeaderClient: a call from Apache's Python THeader client that
// carries a traceparent header gives a server span in that trace, whose
// parent is the span the header names.
func TestPythonHeaderClient(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import thrift.protocol.THeaderProtocol").Run(); err != nil {
		t.Fatalf("Debian's python3-thrift is needed (make deps installs it): %v", err)
	}
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	defer tp.Shutdown(context.Background())
	addr, _ := serve(t, tp)
	_, port, _ := net.SplitHostPort(addr)

	const traceID, spanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", pythonClient, port, "00-"+traceID+"-"+spanID+"-01")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python client: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "5" {
		t.Fatalf("python client got %q, want 5", got)
	}
	_, ss := byKind(t, sr.Ended())
	if len(ss) != 1 {
		t.Fatalf("%d server spans for one call", len(ss))
	}
	s := ss[0]
	if got := s.SpanContext().TraceID().String(); got != traceID {
		t.Errorf("trace id %s, want %s", got, traceID)
	}
	if got := s.Parent().SpanID().String(); got != spanID || !s.Parent().IsRemote() {
		t.Errorf("parent %s (remote %v), want remote %s", got, s.Parent().IsRemote(), spanID)
	}
	if !s.SpanContext().IsSampled() {
		t.Errorf("the sampled flag of the traceparent was not kept")
	}
	if got := s.SpanContext().TraceState().Get("vendor"); got != "x" {
		t.Errorf("tracestate vendor = %q, want x", got)
	}
	if got := attrs(s)["rpc.method"].Emit(); got != "add" {
		t.Errorf("rpc.method = %q", got)
	}
}
