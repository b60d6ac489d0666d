package fleet

import (
	"context"
	"slices"
)

// Endpoint is one replica of the service.
type Endpoint struct {
	// Addr is "host:port", as runtime.Dial takes it.
	Addr string
}

// Update is what a Resolver reports: the whole current set of endpoints,
// or an error. After an error the Client keeps the set it had.
type Update struct {
	Endpoints []Endpoint
	Err       error
}

// Resolver discovers the endpoints of a service. Watch reports the current
// set at once (or an error) and again each time it changes, calling update
// from one goroutine at a time, until ctx ends; then it returns. A Client
// calls Watch once, from its own goroutine.
type Resolver interface {
	Watch(ctx context.Context, update func(Update))
}

// ResolveNower is implemented by resolvers that can look again before
// their next scheduled look-up. A Client calls ResolveNow when it ejects an
// endpoint, since a failing endpoint is often one that has moved. Calls
// must be cheap and may be ignored (rate-limited).
type ResolveNower interface {
	ResolveNow()
}

// Static is a fixed list of endpoints ("host:port" each).
type Static []string

// Watch reports the list once and waits for ctx to end.
func (s Static) Watch(ctx context.Context, update func(Update)) {
	eps := make([]Endpoint, 0, len(s))
	for _, a := range s {
		eps = append(eps, Endpoint{Addr: a})
	}
	update(Update{Endpoints: normalize(eps)})
	<-ctx.Done()
}

// normalize sorts endpoints by address and drops duplicates and empty
// addresses, so that two reports of the same set compare equal.
func normalize(eps []Endpoint) []Endpoint {
	eps = slices.DeleteFunc(slices.Clone(eps), func(e Endpoint) bool { return e.Addr == "" })
	slices.SortFunc(eps, func(a, b Endpoint) int {
		switch {
		case a.Addr < b.Addr:
			return -1
		case a.Addr > b.Addr:
			return 1
		}
		return 0
	})
	return slices.CompactFunc(eps, func(a, b Endpoint) bool { return a.Addr == b.Addr })
}
