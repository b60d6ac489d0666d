// Package etcd discovers and registers thriftsec servers in etcd, for the
// fleet package: a Resolver that watches a key prefix, and Register, which
// puts a server's address under that prefix with a lease kept alive until
// Deregister (or the process dies, when the lease expires).
//
// Each endpoint is one key, PREFIX + address, whose value is the address
// ("host:port"). Put a server in the fleet and take it out in order:
//
//	reg, err := etcd.Register(ctx, cli, "/services/calc/", "10.0.0.5:9090", 10*time.Second)
//	go srv.Serve(ln)
//	...
//	etcd.Drain(ctx, reg, srv, time.Second) // deregister, let clients see it, then Shutdown
//
// It is a module of its own so that the root module, which every
// generated package imports, does not depend on etcd's client.
package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/thriftsec/thriftsec/fleet"
	"github.com/thriftsec/thriftsec/runtime"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Bounds of the backoff after etcd errors.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Resolver reports the addresses stored under Prefix, following changes
// with an etcd watch. After an error it reports the error (the fleet
// Client keeps its set), backs off and reads the whole prefix again.
type Resolver struct {
	Client *clientv3.Client
	Prefix string
}

// Watch implements fleet.Resolver.
func (r *Resolver) Watch(ctx context.Context, update func(fleet.Update)) {
	backoff := minBackoff
	for ctx.Err() == nil {
		err := r.watchOnce(ctx, update, func() { backoff = minBackoff })
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			update(fleet.Update{Err: err})
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// watchOnce reads the prefix, reports it, and follows the watch until it
// fails or ctx ends.
func (r *Resolver) watchOnce(ctx context.Context, update func(fleet.Update), ok func()) error {
	gctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	resp, err := r.Client.Get(gctx, r.Prefix, clientv3.WithPrefix())
	cancel()
	if err != nil {
		return fmt.Errorf("etcd: get %s: %w", r.Prefix, err)
	}
	set := map[string]string{}
	for _, kv := range resp.Kvs {
		set[string(kv.Key)] = string(kv.Value)
	}
	report := func() {
		eps := make([]fleet.Endpoint, 0, len(set))
		for _, k := range slices.Sorted(maps.Keys(set)) {
			eps = append(eps, fleet.Endpoint{Addr: set[k]})
		}
		update(fleet.Update{Endpoints: eps})
	}
	report()
	ok()
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer wcancel()
	wch := r.Client.Watch(wctx, r.Prefix, clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1))
	for wr := range wch {
		if err := wr.Err(); err != nil {
			return fmt.Errorf("etcd: watch %s: %w", r.Prefix, err)
		}
		for _, ev := range wr.Events {
			switch ev.Type {
			case clientv3.EventTypePut:
				set[string(ev.Kv.Key)] = string(ev.Kv.Value)
			case clientv3.EventTypeDelete:
				delete(set, string(ev.Kv.Key))
			}
		}
		report()
	}
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("etcd: watch " + r.Prefix + " ended")
}

// Registration is a server's entry in etcd, kept alive until Deregister.
type Registration struct {
	cli    *clientv3.Client
	key    string
	addr   string
	ttl    int64
	logger *slog.Logger
	bg     context.Context // lives until Deregister
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	lease clientv3.LeaseID
}

// Register puts prefix+addr = addr under a lease of ttl (at least a
// second) and keeps the lease alive in the background. If the lease is
// lost (etcd unreachable for longer than ttl), it registers again, with
// backoff, until Deregister or until cli is closed. ctx bounds only the
// first registration.
func Register(ctx context.Context, cli *clientv3.Client, prefix, addr string, ttl time.Duration) (*Registration, error) {
	r := &Registration{cli: cli, key: prefix + addr, addr: addr, ttl: max(int64(ttl/time.Second), 1), logger: slog.Default(), done: make(chan struct{})}
	r.bg, r.cancel = context.WithCancel(context.Background())
	ka, err := r.put(ctx)
	if err != nil {
		r.cancel()
		return nil, err
	}
	go r.keepAlive(r.bg, ka)
	return r, nil
}

// put grants a lease, writes the key under it and starts its keep-alive.
func (r *Registration) put(ctx context.Context) (<-chan *clientv3.LeaseKeepAliveResponse, error) {
	g, err := r.cli.Grant(ctx, r.ttl)
	if err != nil {
		return nil, fmt.Errorf("etcd: lease for %s: %w", r.key, err)
	}
	if _, err := r.cli.Put(ctx, r.key, r.addr, clientv3.WithLease(g.ID)); err != nil {
		return nil, fmt.Errorf("etcd: put %s: %w", r.key, err)
	}
	// The keep-alive lives as long as the registration, not ctx.
	ka, err := r.cli.KeepAlive(r.bg, g.ID)
	if err != nil {
		return nil, fmt.Errorf("etcd: keep-alive for %s: %w", r.key, err)
	}
	r.mu.Lock()
	r.lease = g.ID
	r.mu.Unlock()
	return ka, nil
}

func (r *Registration) keepAlive(ctx context.Context, ka <-chan *clientv3.LeaseKeepAliveResponse) {
	defer close(r.done)
	backoff := minBackoff
	for {
		for ka != nil {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-ka:
				if !ok {
					ka = nil
				}
			}
		}
		if r.cli.Ctx().Err() != nil {
			return // the etcd client was closed
		}
		r.logger.Warn("etcd: registration lease lost; registering again", "key", r.key)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var err error
		ka, err = r.put(pctx)
		cancel()
		if err != nil {
			ka = nil
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
	}
}

// Deregister revokes the lease, which deletes the key at once, and stops
// the keep-alive. Call it before Server.Shutdown so that clients stop
// sending new calls first.
func (r *Registration) Deregister(ctx context.Context) error {
	r.cancel()
	<-r.done
	r.mu.Lock()
	id := r.lease
	r.mu.Unlock()
	if _, err := r.cli.Revoke(ctx, id); err != nil {
		return fmt.Errorf("etcd: revoke lease of %s: %w", r.key, err)
	}
	return nil
}

// Drain takes a registered server out of the fleet without failing a
// call: it deregisters, waits settle for clients to see the change (their
// watches see it within a round trip; a call sent meanwhile still runs),
// then shuts the server down gracefully (calls that arrive during
// Shutdown are answered runtime.ErrNotExecuted, which fleet clients retry
// elsewhere).
func Drain(ctx context.Context, reg *Registration, srv *runtime.Server, settle time.Duration) error {
	derr := reg.Deregister(ctx)
	t := time.NewTimer(settle)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	return errors.Join(derr, srv.Shutdown(ctx))
}
