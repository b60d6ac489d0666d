package runtime

import (
	"context"
	"log/slog"
	"time"
)

// CallInfo describes a call to interceptors.
type CallInfo struct {
	// Service is the IDL name of the service on the server side (from the
	// Processor); the client does not know it and leaves it "".
	Service string
	// Method is the IDL function name, as it travels on the wire.
	Method string
	// Oneway is true for oneway calls, which get no reply.
	Oneway bool
	// Peer is, on the server, the connection's peer (the same value as
	// PeerFromContext). On the client only Peer.Addr is set: the address
	// given to Dial.
	Peer *Peer
}

// ServerHandler runs a decoded call and returns the result struct to reply
// with, or an error (see Method.Handle).
type ServerHandler func(ctx context.Context, args Struct) (Struct, error)

// ServerInterceptor wraps every call a Server handles. It may inspect or
// replace ctx and args, call next (or not, to refuse the call), and inspect
// or replace the result and error. For a oneway call the result is ignored
// and errors are only logged.
type ServerInterceptor func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error)

// ClientInvoker sends one call and decodes its reply into result (result
// is nil for a oneway call).
type ClientInvoker func(ctx context.Context, info *CallInfo, args, result Struct) error

// ClientInterceptor wraps every call a Client makes, in the same way as
// ServerInterceptor.
type ClientInterceptor func(ctx context.Context, info *CallInfo, args, result Struct, next ClientInvoker) error

// ChainServer returns one interceptor that runs the given ones in order:
// the first is outermost, so it sees the call first and the result last.
// Nil entries are skipped.
func ChainServer(interceptors ...ServerInterceptor) ServerInterceptor {
	list := make([]ServerInterceptor, 0, len(interceptors))
	for _, i := range interceptors {
		if i != nil {
			list = append(list, i)
		}
	}
	return func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
		return chainServer(list, info, next)(ctx, args)
	}
}

// chainServer wraps h in list, first outermost.
func chainServer(list []ServerInterceptor, info *CallInfo, h ServerHandler) ServerHandler {
	for i := len(list) - 1; i >= 0; i-- {
		ic, next := list[i], h
		h = func(ctx context.Context, args Struct) (Struct, error) {
			return ic(ctx, info, args, next)
		}
	}
	return h
}

// ChainClient is ChainServer for the client side: the first interceptor is
// outermost.
func ChainClient(interceptors ...ClientInterceptor) ClientInterceptor {
	list := make([]ClientInterceptor, 0, len(interceptors))
	for _, i := range interceptors {
		if i != nil {
			list = append(list, i)
		}
	}
	return func(ctx context.Context, info *CallInfo, args, result Struct, next ClientInvoker) error {
		return chainClient(list, next)(ctx, info, args, result)
	}
}

// chainClient wraps inv in list, first outermost.
func chainClient(list []ClientInterceptor, inv ClientInvoker) ClientInvoker {
	for i := len(list) - 1; i >= 0; i-- {
		ic, next := list[i], inv
		inv = func(ctx context.Context, info *CallInfo, args, result Struct) error {
			return ic(ctx, info, args, result, next)
		}
	}
	return inv
}

// LoggingServerInterceptor logs every call at Info (Warn when it fails)
// with the service, method, peer address, verified SPIFFE ID if any,
// duration and error. A nil logger means slog.Default().
func LoggingServerInterceptor(logger *slog.Logger) ServerInterceptor {
	return func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
		start := time.Now()
		res, err := next(ctx, args)
		l := logger
		if l == nil {
			l = slog.Default()
		}
		attrs := []slog.Attr{
			slog.String("service", info.Service),
			slog.String("method", info.Method),
			slog.Bool("oneway", info.Oneway),
			slog.Duration("duration", time.Since(start)),
		}
		if info.Peer != nil {
			if info.Peer.Addr != nil {
				attrs = append(attrs, slog.String("peer", info.Peer.Addr.String()))
			}
			if info.Peer.SPIFFEID != "" {
				attrs = append(attrs, slog.String("spiffe_id", info.Peer.SPIFFEID))
			}
		}
		level := slog.LevelInfo
		if err != nil {
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		l.LogAttrs(ctx, level, "thrift call", attrs...)
		return res, err
	}
}

// LoggingClientInterceptor logs every call a Client makes at Info (Warn
// when it fails) with the method, server address, duration and error. A
// nil logger means slog.Default().
func LoggingClientInterceptor(logger *slog.Logger) ClientInterceptor {
	return func(ctx context.Context, info *CallInfo, args, result Struct, next ClientInvoker) error {
		start := time.Now()
		err := next(ctx, info, args, result)
		l := logger
		if l == nil {
			l = slog.Default()
		}
		attrs := []slog.Attr{
			slog.String("method", info.Method),
			slog.Bool("oneway", info.Oneway),
			slog.Duration("duration", time.Since(start)),
		}
		if info.Peer != nil && info.Peer.Addr != nil {
			attrs = append(attrs, slog.String("peer", info.Peer.Addr.String()))
		}
		level := slog.LevelInfo
		if err != nil {
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		l.LogAttrs(ctx, level, "thrift call", attrs...)
		return err
	}
}
