package runtime

import (
	"context"
	"strings"
)

// Multiplexing, as Apache's TMultiplexedProtocol and TMultiplexedProcessor
// do it: several services on one port, a call naming its service on the
// wire as "Service:method". It works with every Protocol and Transport.
//
// The reply carries the plain method name (Apache's TMultiplexedProcessor
// strips the prefix before the service's processor writes the reply, and
// Apache's clients compare the reply with the unprefixed name).

// MultiplexSeparator separates the service from the method name.
const MultiplexSeparator = ":"

// Multiplex returns a Caller that sends every call of c as
// "service:method", for a server hosting several services
// (NewMultiplexedProcessor here, TMultiplexedProcessor in Apache's
// libraries). One *Client can serve several generated clients this way:
//
//	conn, _ := runtime.Dial(ctx, addr, ...)
//	calc := calculator.NewCalculatorClient(runtime.Multiplex(conn, "Calculator"))
//	admin := admin.NewAdminClient(runtime.Multiplex(conn, "Admin"))
func Multiplex(c Caller, service string) Caller {
	return &multiplexed{c: c, prefix: service + MultiplexSeparator}
}

type multiplexed struct {
	c      Caller
	prefix string
}

func (m *multiplexed) Call(ctx context.Context, method string, args, result Struct) error {
	return m.c.Call(ctx, m.prefix+method, args, result)
}

func (m *multiplexed) Oneway(ctx context.Context, method string, args Struct) error {
	return m.c.Oneway(ctx, m.prefix+method, args)
}

// NewMultiplexedProcessor returns a Processor that serves each of services
// under its Service() name ("Service:method" on the wire) and, when def is
// not nil, def's methods also under their plain names, for clients that do
// not multiplex (Apache's default processor). Use it as Server.Handler.
func NewMultiplexedProcessor(def *Processor, services ...*Processor) *Processor {
	p := NewProcessor("")
	if def != nil {
		p.service = def.service
		for name, m := range def.methods {
			p.methods[name] = m
		}
	}
	for _, s := range services {
		for name, m := range s.methods {
			p.methods[s.service+MultiplexSeparator+name] = m
		}
	}
	return p
}

// replyName is the method name a reply carries: the call's name without a
// multiplexing prefix (IDL names cannot contain the separator).
func replyName(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// sameMethod reports whether a reply named name answers a call of method,
// with or without the call's multiplexing prefix.
func sameMethod(method, name string) bool {
	return name == method || name == replyName(method)
}
