package runtime

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMultiplex: two services and a default on one server; calls by
// service name, unprefixed calls to the default, unknown services refused.
func TestMultiplex(t *testing.T) {
	for _, p := range []Protocol{Binary, Compact, JSON} {
		t.Run(p.String(), func(t *testing.T) {
			var ts *testServer
			ts = startServer(t, secPlain, Framed, func(s *Server) {
				s.Protocol = p
				other := NewProcessor("Other")
				other.Register("add", *s.Handler.Method("add"))
				s.Handler = NewMultiplexedProcessor(s.Handler, s.Handler, other)
			})
			c := ts.dial(t, WithProtocol(p))
			add(t, Multiplex(c, "Test"), 1, 2)
			add(t, Multiplex(c, "Other"), 3, 4)
			add(t, c, 5, 6) // the default processor
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Multiplex(c, "Nope").Call(ctx, "add", &pairArgs{A: 1, B: 2}, &i32Result{})
			var ae *ApplicationError
			if !errors.As(err, &ae) || ae.Type != ExceptionUnknownMethod {
				t.Fatalf("unknown service: %v", err)
			}
		})
	}
	if replyName("Svc:m") != "m" || replyName("m") != "m" || !sameMethod("Svc:m", "m") || sameMethod("Svc:m", "n") {
		t.Error("replyName / sameMethod")
	}
}
