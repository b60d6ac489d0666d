package fleet

import (
	"log/slog"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// Policy chooses an endpoint for each call.
type Policy int

const (
	// PowerOfTwo picks two endpoints at random and sends the call to the
	// one with fewer calls in flight (the default).
	PowerOfTwo Policy = iota
	// RoundRobin takes the endpoints in turn.
	RoundRobin
)

// Defaults of the Client options.
const (
	DefaultMaxAttempts  = 3
	DefaultEjectAfter   = 3
	DefaultEjectBackoff = 500 * time.Millisecond
	DefaultMaxEjection  = 30 * time.Second
	maxAttemptsCap      = 8
)

// Option configures New.
type Option func(*options)

type options struct {
	clientOpts   []runtime.ClientOption
	policy       Policy
	idempotent   map[string]bool
	maxAttempts  int
	ratio        float64
	burst        int
	ejectAfter   int
	ejectBackoff time.Duration
	maxEjection  time.Duration
	callTimeout  time.Duration
	dialTimeout  time.Duration
	logger       *slog.Logger
}

// WithClientOptions sets the options of each endpoint's runtime.Client
// (TLS, transport, limits, connections per endpoint, interceptors, ...).
func WithClientOptions(opts ...runtime.ClientOption) Option {
	return func(o *options) { o.clientOpts = append(o.clientOpts, opts...) }
}

// WithPolicy sets how endpoints are chosen (default PowerOfTwo).
func WithPolicy(p Policy) Option { return func(o *options) { o.policy = p } }

// WithIdempotent names methods that are safe to run twice: their calls are
// also retried after a connection was lost once the request may have been
// sent. The option may be given more than once.
func WithIdempotent(methods ...string) Option {
	return func(o *options) {
		if o.idempotent == nil {
			o.idempotent = map[string]bool{}
		}
		for _, m := range methods {
			o.idempotent[m] = true
		}
	}
}

// WithMaxAttempts bounds how often one call is sent, first try included
// (default DefaultMaxAttempts, at most 8; 1 turns retries off).
func WithMaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// WithRetryBudget bounds retries to burst plus ratio times the calls made:
// each call adds ratio tokens to a bucket of burst tokens and each retry
// takes one (defaults DefaultRetryRatio and DefaultRetryBurst). When the
// bucket is empty, calls fail with their first error rather than retry.
func WithRetryBudget(ratio float64, burst int) Option {
	return func(o *options) { o.ratio, o.burst = ratio, burst }
}

// WithEjection sets outlier ejection: after n consecutive connection-level
// failures (or one ErrNotExecuted answer) an endpoint gets no calls for
// backoff, doubled on each ejection in a row up to max, with up to a
// quarter added at random. An endpoint that fails again right after its
// re-admission is ejected at once. Defaults DefaultEjectAfter,
// DefaultEjectBackoff, DefaultMaxEjection.
func WithEjection(n int, backoff, max time.Duration) Option {
	return func(o *options) { o.ejectAfter, o.ejectBackoff, o.maxEjection = n, backoff, max }
}

// WithCallTimeout bounds each call, all its attempts together, when its
// context has no deadline (default runtime.DefaultCallTimeout).
func WithCallTimeout(d time.Duration) Option { return func(o *options) { o.callTimeout = d } }

// WithDialTimeout bounds the first connection to a new endpoint (default
// runtime.DefaultDialTimeout).
func WithDialTimeout(d time.Duration) Option { return func(o *options) { o.dialTimeout = d } }

// WithLogger sets where the client logs resolver errors and ejections
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

func (o *options) defaults() {
	if o.maxAttempts <= 0 {
		o.maxAttempts = DefaultMaxAttempts
	}
	o.maxAttempts = min(o.maxAttempts, maxAttemptsCap)
	if o.ratio == 0 && o.burst == 0 {
		o.ratio, o.burst = DefaultRetryRatio, DefaultRetryBurst
	}
	if o.ejectAfter <= 0 {
		o.ejectAfter = DefaultEjectAfter
	}
	o.ejectBackoff = orDefault(o.ejectBackoff, DefaultEjectBackoff)
	o.maxEjection = max(orDefault(o.maxEjection, DefaultMaxEjection), o.ejectBackoff)
	o.callTimeout = orDefault(o.callTimeout, runtime.DefaultCallTimeout)
	o.dialTimeout = orDefault(o.dialTimeout, runtime.DefaultDialTimeout)
	if o.logger == nil {
		o.logger = slog.Default()
	}
}
