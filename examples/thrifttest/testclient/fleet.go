package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/thriftsec/thriftsec/contrib/etcd"
	tt "github.com/thriftsec/thriftsec/examples/thrifttest/gen/thrifttest"
	"github.com/thriftsec/thriftsec/fleet"
	"github.com/thriftsec/thriftsec/runtime"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// resolver turns --resolve into a fleet.Resolver:
//
//	etcd://HOST:PORT[,HOST:PORT]/PREFIX   the keys under /PREFIX (the URL's path, leading slash included)
//	dns:///NAME:PORT                      A and AAAA records of NAME, with PORT
//	dns:///_SERVICE._tcp.NAME             SRV records
//
// The returned function releases what the resolver holds.
func resolver(spec string) (fleet.Resolver, func(), error) {
	u, err := url.Parse(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("--resolve: %w", err)
	}
	switch u.Scheme {
	case "etcd":
		if u.Host == "" || u.Path == "" {
			return nil, nil, fmt.Errorf("--resolve=%s: want etcd://HOST:PORT[,HOST:PORT]/PREFIX", spec)
		}
		cli, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(u.Host, ","), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			return nil, nil, fmt.Errorf("--resolve: %w", err)
		}
		return &etcd.Resolver{Client: cli, Prefix: u.Path}, func() { cli.Close() }, nil
	case "dns":
		target := strings.TrimPrefix(u.Path, "/")
		if u.Host != "" || target == "" {
			return nil, nil, fmt.Errorf("--resolve=%s: want dns:///NAME:PORT or dns:///_SERVICE._tcp.NAME (no DNS server in the URL: the system's resolver is used)", spec)
		}
		return &fleet.DNS{Target: target, SRV: strings.HasPrefix(target, "_")}, func() {}, nil
	}
	return nil, nil, fmt.Errorf("--resolve=%s: the scheme must be etcd or dns", spec)
}

// served counts, per endpoint, the calls it answered: a client interceptor
// on each endpoint's runtime.Client sees the address the fleet dialed,
// and counts an attempt only when it got a reply, so that a retried call
// counts once, on the endpoint that answered it.
type served struct {
	mu sync.Mutex
	n  map[string]int64
}

func (s *served) interceptor() runtime.ClientInterceptor {
	return func(ctx context.Context, info *runtime.CallInfo, args, result runtime.Struct, next runtime.ClientInvoker) error {
		err := next(ctx, info, args, result)
		if err == nil && info.Peer != nil && info.Peer.Addr != nil {
			s.mu.Lock()
			s.n[info.Peer.Addr.String()]++
			s.mu.Unlock()
		}
		return err
	}
}

// line is the load summary: calls=N errors=M endpoints=ADDR=COUNT,...
// (addresses sorted).
func (s *served) line(calls, errs int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var eps []string
	for _, a := range slices.Sorted(maps.Keys(s.n)) {
		eps = append(eps, fmt.Sprintf("%s=%d", a, s.n[a]))
	}
	return fmt.Sprintf("load: calls=%d errors=%d endpoints=%s", calls, errs, strings.Join(eps, ","))
}

// load calls testString from concurrency goroutines for d, each call
// bounded by timeout, prints the summary line and returns the calls and
// errors. The first few errors go to stderr.
func load(client *tt.ThriftTestClient, s *served, d time.Duration, concurrency int, timeout time.Duration) (int64, int64) {
	var calls, errs atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for time.Now().Before(stop) {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				got, err := client.TestString(ctx, "load")
				cancel()
				calls.Add(1)
				if err == nil && !strings.HasPrefix(got, "load") {
					err = fmt.Errorf("testString answered %q", got)
				}
				if err != nil {
					if errs.Add(1) <= 5 {
						fmt.Fprintln(os.Stderr, "testclient: load:", err)
					}
				}
			}
		})
	}
	wg.Wait()
	fmt.Println(s.line(calls.Load(), errs.Load()))
	return calls.Load(), errs.Load()
}

// newFleet builds the fleet client of --resolve (or of --host/--port in
// load mode), counting served calls in s.
func newFleet(res fleet.Resolver, s *served, idempotent string, timeout time.Duration, opts []runtime.ClientOption) (*fleet.Client, error) {
	fopts := []fleet.Option{
		fleet.WithClientOptions(append(opts, runtime.WithInterceptors(s.interceptor()))...),
		fleet.WithDialTimeout(timeout),
		fleet.WithCallTimeout(timeout),
	}
	if idempotent != "" {
		fopts = append(fopts, fleet.WithIdempotent(strings.Split(idempotent, ",")...))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := fleet.New(ctx, res, fopts...)
	if err != nil {
		return nil, err
	}
	if len(c.Stats().Endpoints) == 0 {
		c.Close()
		return nil, errors.New("the resolver reported no endpoint")
	}
	return c, nil
}
