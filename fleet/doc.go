// Package fleet runs calls over a set of replicas of one Thrift service:
// it discovers them through a Resolver (a static list or DNS A/AAAA and
// SRV records; etcd lives in its own module), keeps a runtime.Client (a
// connection pool) per endpoint, balances calls by power of two choices on
// in-flight calls (or round robin), ejects endpoints after consecutive
// connection-level failures with a growing backoff before re-admitting
// them, and retries a call on another endpoint only when that is safe.
//
// A *Client implements runtime.Caller, so generated clients take it:
//
//	res := &fleet.DNS{Target: "_calc._tcp.svc.example.", SRV: true}
//	c, err := fleet.New(ctx, res,
//		fleet.WithClientOptions(runtime.WithTLS(tlsCfg)),
//		fleet.WithIdempotent("get", "list"))
//	if err != nil { ... }
//	defer c.Close()
//	calc := gen.NewCalculatorClient(c)
//
// # Retries
//
// A call is sent again, to an endpoint it has not yet tried where there is
// one, only when it provably never reached a handler: the connection could
// not be made (refused, unreachable, TLS handshake failed), the endpoint's
// pool was closed before the call was sent, or the server answered
// runtime.ErrNotExecuted (it is shutting down). A call whose connection was
// lost after its request may have been written is sent again only when
// its method was named in WithIdempotent. Application errors and IDL
// exceptions are answers and are never retried. Every retry spends a
// token of a retry budget that calls refill at a fixed ratio (see
// WithRetryBudget), so an outage cannot multiply the load. The context's
// deadline bounds all attempts together.
package fleet
