package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Defaults of DNS.
const (
	DefaultDNSInterval    = 30 * time.Second
	DefaultDNSTimeout     = 5 * time.Second
	DefaultDNSMinInterval = time.Second
)

// DNS resolves endpoints from DNS, as a Kubernetes headless service gives
// them: A and AAAA records of a host name with a fixed port, or SRV
// records (each target's addresses with the record's port). It looks again
// every Interval, sooner after a failure (backing off from MinInterval up
// to Interval), and when the Client asks (ResolveNow, at most once per
// MinInterval). A failed look-up is reported as an error (the Client then
// keeps the set it has) and the next good one reports its set even when
// unchanged; a name that does not exist or has no records reports an
// empty set.
//
// A DNS must not be copied after first use.
type DNS struct {
	// Target is "host:port" for A/AAAA records or, with SRV set, the
	// name whose SRV records to look up ("_thrift._tcp.svc.example.").
	Target string
	// SRV selects SRV records.
	SRV bool
	// Resolver does the look-ups; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// Interval between look-ups (default DefaultDNSInterval).
	Interval time.Duration
	// Timeout of one look-up (default DefaultDNSTimeout).
	Timeout time.Duration
	// MinInterval is the shortest time between two look-ups (default
	// DefaultDNSMinInterval).
	MinInterval time.Duration

	once sync.Once
	now  chan struct{}
}

func (d *DNS) init() { d.once.Do(func() { d.now = make(chan struct{}, 1) }) }

// ResolveNow asks for a look-up before the next scheduled one.
func (d *DNS) ResolveNow() {
	d.init()
	select {
	case d.now <- struct{}{}:
	default:
	}
}

// Watch looks up Target until ctx ends, reporting each change.
func (d *DNS) Watch(ctx context.Context, update func(Update)) {
	d.init()
	interval := orDefault(d.Interval, DefaultDNSInterval)
	minInterval := min(orDefault(d.MinInterval, DefaultDNSMinInterval), interval)
	var last []Endpoint
	reported := false
	backoff := minInterval
	for {
		eps, err := d.lookup(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := interval
		if err != nil {
			update(Update{Err: err})
			reported = false // report the set again once resolved
			wait = backoff
			backoff = min(2*backoff, interval)
		} else {
			backoff = minInterval
			if !reported || !slices.Equal(eps, last) {
				update(Update{Endpoints: eps})
				last, reported = eps, true
			}
		}
		// Wait at least minInterval, at most wait; a ResolveNow in
		// between ends the wait once minInterval has passed.
		earliest := time.NewTimer(minInterval)
		select {
		case <-ctx.Done():
			earliest.Stop()
			return
		case <-earliest.C:
		}
		if wait > minInterval {
			t := time.NewTimer(wait - minInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			case <-d.now:
				t.Stop()
			}
		}
		// Drop a request that came during the minimum wait: this
		// look-up answers it.
		select {
		case <-d.now:
		default:
		}
	}
}

func (d *DNS) lookup(ctx context.Context) ([]Endpoint, error) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(d.Timeout, DefaultDNSTimeout))
	defer cancel()
	r := d.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	if !d.SRV {
		host, port, err := net.SplitHostPort(d.Target)
		if err != nil {
			return nil, fmt.Errorf("fleet: DNS target %q: %w", d.Target, err)
		}
		ips, err := lookupHost(ctx, r, host)
		if err != nil {
			return nil, err
		}
		eps := make([]Endpoint, 0, len(ips))
		for _, ip := range ips {
			eps = append(eps, Endpoint{Addr: net.JoinHostPort(ip, port)})
		}
		return normalize(eps), nil
	}
	_, srvs, err := r.LookupSRV(ctx, "", "", d.Target)
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("fleet: SRV %s: %w", d.Target, err)
	}
	var eps []Endpoint
	for _, s := range srvs {
		ips, err := lookupHost(ctx, r, s.Target)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			eps = append(eps, Endpoint{Addr: net.JoinHostPort(ip, strconv.Itoa(int(s.Port)))})
		}
	}
	return normalize(eps), nil
}

// lookupHost returns the addresses of host; none (not an error) when the
// name has no address records.
func lookupHost(ctx context.Context, r *net.Resolver, host string) ([]string, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []string{ip.String()}, nil
	}
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("fleet: DNS %s: %w", host, err)
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.IP.String())
	}
	return out, nil
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
