package runtime

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime/debug"
)

// dispatch is what every server front end (the TCP Server, the HTTP
// handler) shares once a call is decoded: the processor, the interceptor
// chain, panic recovery and the hiding of handler error text. Keeping it in
// one place means a call behaves the same whichever transport brought it.
type dispatch struct {
	handler      *Processor
	interceptors []ServerInterceptor
	exposeErrors bool
	logger       *slog.Logger
}

func newDispatch(h *Processor, interceptors []ServerInterceptor, expose bool, logger *slog.Logger) dispatch {
	if logger == nil {
		logger = slog.Default()
	}
	return dispatch{
		handler:      h,
		interceptors: append([]ServerInterceptor(nil), interceptors...),
		exposeErrors: expose,
		logger:       logger,
	}
}

// invoke runs the interceptors and the handler, turning a panic into an
// INTERNAL_ERROR so that one bad call does not take the server down.
func (d *dispatch) invoke(ctx context.Context, m *Method, name string, oneway bool, args Struct, peer *Peer) (res Struct, err error) {
	defer func() {
		if r := recover(); r != nil {
			id := newErrorID()
			d.logger.Error("thrift: handler panicked", "service", d.handler.Service(), "method", name,
				"peer", addrString(peer.Addr), "error_id", id, "panic", r, "stack", string(debug.Stack()))
			res, err = nil, internalError(name, id)
		}
	}()
	if len(d.interceptors) == 0 {
		return m.Handle(ctx, args)
	}
	info := &CallInfo{Service: d.handler.Service(), Method: name, Oneway: oneway, Peer: peer}
	return chainServer(d.interceptors, info, m.Handle)(ctx, args)
}

// clientError is what the client is told of a handler's error: an
// *ApplicationError as it is; any other error, unless ExposeHandlerErrors,
// as a generic INTERNAL_ERROR whose id the server log shares.
func (d *dispatch) clientError(name string, err error, addr net.Addr) *ApplicationError {
	var ae *ApplicationError
	if errors.As(err, &ae) {
		return ae
	}
	if d.exposeErrors {
		return NewApplicationError(ExceptionInternalError, "%s", err.Error())
	}
	id := newErrorID()
	d.logger.Error("thrift: handler failed", "service", d.handler.Service(), "method", name,
		"peer", addrString(addr), "error_id", id, "error", err)
	return internalError(name, id)
}

// replyFailed logs a result that could not be encoded (most often one
// larger than Limits.MaxMessageSize, which no peer would accept) and
// returns what the client is told instead.
func (d *dispatch) replyFailed(name string, err error, addr net.Addr) *ApplicationError {
	id := newErrorID()
	d.logger.Error("thrift: reply not sent", "service", d.handler.Service(), "method", name,
		"peer", addrString(addr), "error_id", id, "error", err)
	if errors.Is(err, ErrSizeLimit) {
		return NewApplicationError(ExceptionInternalError, "%s: the reply exceeds the message size limit (error id %s)", name, id)
	}
	if d.exposeErrors {
		return NewApplicationError(ExceptionInternalError, "%s: encoding the result: %v", name, err)
	}
	return internalError(name, id)
}

// addrString is a.String(), or "" for a nil address.
func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
