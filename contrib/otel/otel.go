// Package otel traces thriftsec calls with OpenTelemetry: a client and a
// server interceptor that start one span per call, following OTel's
// semantic conventions for RPC (rpc.system "apache_thrift", rpc.service,
// rpc.method, server.* on the client, client.* and network.peer.* on the
// server, error.type and an Error status when a call fails), and carry the
// W3C trace context (traceparent, tracestate) in the call's info headers.
//
// The trace context rides in the per-call headers of runtime.WithHeaders
// and runtime.RequestHeaders, so it crosses every transport that carries
// those: the Header transport (Apache's THeaderTransport, so an Apache
// client that sets a traceparent header joins the trace) and any other
// transport that maps the same headers. On transports without headers
// (buffered, framed) spans are still recorded, each starting its own trace
// on the server.
//
//	tp := sdktrace.NewTracerProvider(...)
//	srv := &runtime.Server{Transport: runtime.Header, Interceptors: []runtime.ServerInterceptor{otel.ServerInterceptor(otel.WithTracerProvider(tp))}, ...}
//	conn, err := runtime.Dial(ctx, addr, runtime.WithTransport(runtime.Header),
//		runtime.WithInterceptors(otel.ClientInterceptor(otel.WithTracerProvider(tp), otel.WithService("Calculator"))))
//
// Put the interceptor first in the chain so that its span covers the other
// interceptors. Under a fleet.Client, give the client interceptor through
// fleet.WithClientOptions: each attempt is then its own client span, with
// the endpoint it went to as server.address.
//
// A reply carrying an exception the IDL declares is an answer, not a
// failure, at this layer (the generated client turns it into an error
// after the interceptors ran), so it leaves the span's status unset; an
// application exception (TApplicationException), a lost connection or an
// ended context sets the status to Error.
//
// It is a module of its own so that the runtime, which every generated
// package imports, does not depend on OpenTelemetry.
package otel

import (
	"context"
	"errors"
	"maps"
	"net"
	"strconv"

	"github.com/thriftsec/thriftsec/runtime"
	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/thriftsec/thriftsec/contrib/otel"

// RPCSystem is the rpc.system attribute of every span.
var RPCSystem = semconv.RPCSystemKey.String("apache_thrift")

// Option configures an interceptor.
type Option func(*config)

type config struct {
	tp      trace.TracerProvider
	prop    propagation.TextMapPropagator
	service string
}

// WithTracerProvider sets where spans go (default: the global provider,
// otel.GetTracerProvider(), read when the interceptor is made).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithPropagator sets how the trace context is written to and read from
// the headers (default propagation.TraceContext{}, W3C traceparent and
// tracestate; the global propagator is not the default because it does
// nothing until a program sets one).
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// WithService names the service for the client's spans (rpc.service and
// the span name "Service/method"). A client does not know it otherwise:
// the service name does not travel on the wire. Servers take it from the
// Processor and ignore this option.
func WithService(name string) Option {
	return func(c *config) { c.service = name }
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		o(c)
	}
	if c.tp == nil {
		c.tp = otelapi.GetTracerProvider()
	}
	if c.prop == nil {
		c.prop = propagation.TraceContext{}
	}
	return c
}

func (c *config) tracer() trace.Tracer {
	return c.tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL))
}

// spanName is "Service/method" as the conventions ask, or the method alone
// when the service is not known.
func spanName(service, method string) string {
	if service == "" {
		return method
	}
	return service + "/" + method
}

// ServerInterceptor starts a server span for every call a Server handles,
// as a child of the trace context the request's headers carry (a new trace
// when they carry none or an invalid one), and makes it the current span
// of the handler's context.
func ServerInterceptor(opts ...Option) runtime.ServerInterceptor {
	c := newConfig(opts)
	tracer := c.tracer()
	return func(ctx context.Context, info *runtime.CallInfo, args runtime.Struct, next runtime.ServerHandler) (runtime.Struct, error) {
		// RequestHeaders must not be modified; a propagator only reads
		// from the carrier on Extract.
		ctx = c.prop.Extract(ctx, propagation.MapCarrier(runtime.RequestHeaders(ctx)))
		attrs := []attribute.KeyValue{RPCSystem, semconv.RPCMethod(info.Method), semconv.NetworkTransportTCP}
		if info.Service != "" {
			attrs = append(attrs, semconv.RPCService(info.Service))
		}
		if info.Peer != nil && info.Peer.Addr != nil {
			// Behind a trusted proxy Peer.Addr is the client's address
			// from the PROXY header, which is what both name.
			if host, port, ok := splitAddr(info.Peer.Addr); ok {
				attrs = append(attrs, semconv.ClientAddress(host), semconv.ClientPort(port),
					semconv.NetworkPeerAddress(host), semconv.NetworkPeerPort(port))
			}
		}
		ctx, span := tracer.Start(ctx, spanName(info.Service, info.Method),
			trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		defer span.End()
		res, err := next(ctx, args)
		setError(span, err)
		return res, err
	}
}

// ClientInterceptor starts a client span for every call a Client makes, as
// a child of the span in the call's context, and sends its trace context
// in the call's info headers, next to any the caller set with
// runtime.WithHeaders (whose reply headers are still delivered).
func ClientInterceptor(opts ...Option) runtime.ClientInterceptor {
	c := newConfig(opts)
	tracer := c.tracer()
	return func(ctx context.Context, info *runtime.CallInfo, args, result runtime.Struct, next runtime.ClientInvoker) error {
		attrs := []attribute.KeyValue{RPCSystem, semconv.RPCMethod(info.Method), semconv.NetworkTransportTCP}
		if c.service != "" {
			attrs = append(attrs, semconv.RPCService(c.service))
		}
		if info.Peer != nil && info.Peer.Addr != nil {
			if host, port, ok := splitAddr(info.Peer.Addr); ok {
				attrs = append(attrs, semconv.ServerAddress(host), semconv.ServerPort(port))
			}
		}
		ctx, span := tracer.Start(ctx, spanName(c.service, info.Method),
			trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
		defer span.End()

		// Copy, never write into, the caller's map: it may be shared by
		// concurrent calls.
		sent, received := runtime.OutgoingHeaders(ctx)
		h := make(map[string]string, len(sent)+2)
		maps.Copy(h, sent)
		c.prop.Inject(ctx, propagation.MapCarrier(h))
		ctx = runtime.WithHeaders(ctx, h, received)

		err := next(ctx, info, args, result)
		setError(span, err)
		return err
	}
}

// setError records a failed call on span: the error as an event, the
// Error status and error.type, a low-cardinality kind of failure.
func setError(span trace.Span, err error) {
	if err == nil {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
}

// errorType names the kind of failure: the application exception's type
// (INTERNAL_ERROR, UNKNOWN_METHOD, NOT_EXECUTED, ...), the context's end,
// or "_OTHER" (a transport failure), as the conventions suggest.
func errorType(err error) string {
	var ae *runtime.ApplicationError
	switch {
	case errors.As(err, &ae):
		return ae.Type.String()
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "_OTHER"
}

// splitAddr splits a TCP address into host and port.
func splitAddr(a net.Addr) (string, int, bool) {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String(), t.Port, true
	}
	host, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return "", 0, false
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, false
	}
	return host, port, true
}
