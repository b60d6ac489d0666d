package fleet

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/thriftsec/thriftsec/runtime"
)

// outcome classifies what one attempt's error says about the call and the
// endpoint.
type outcome int

const (
	answered    outcome = iota // a reply or an application error: the endpoint works
	notExecuted                // ErrNotExecuted: the server is draining; safe to retry
	notSent                    // the request was never written; safe to retry
	lost                       // connection lost; the handler may have run
	ctxEnded                   // the caller's context ended: neither retried nor counted
)

// classify reads the error of one attempt by the endpoint's runtime.Client.
func classify(ctx context.Context, err error) outcome {
	if err == nil {
		return answered
	}
	if errors.Is(err, runtime.ErrNotExecuted) {
		return notExecuted
	}
	var ae *runtime.ApplicationError
	if errors.As(err, &ae) {
		return answered
	}
	if ctx.Err() != nil {
		return ctxEnded
	}
	if errors.Is(err, runtime.ErrNotSent) {
		// The connection could not be made (refused, unreachable, TLS
		// handshake failed) or the endpoint was removed before the call
		// was sent.
		return notSent
	}
	return lost
}

// Defaults of the retry budget.
const (
	DefaultRetryRatio = 0.1
	DefaultRetryBurst = 100
)

// budget is a token bucket in thousandths of a token: every call deposits
// ratio tokens, every retry takes one, up to burst tokens in store. Over
// any stretch of time, retries are at most burst + ratio × calls.
type budget struct {
	milli   atomic.Int64
	deposit int64
	max     int64
}

func newBudget(ratio float64, burst int) *budget {
	b := &budget{deposit: int64(ratio * 1000), max: int64(burst) * 1000}
	b.milli.Store(b.max)
	return b
}

func (b *budget) onCall() {
	if b.deposit <= 0 || b.milli.Load() >= b.max {
		return // a full bucket costs no write
	}
	if v := b.milli.Add(b.deposit); v > b.max {
		// Trim what a race overfilled; a little slack either way is fine.
		b.milli.CompareAndSwap(v, b.max)
	}
}

// take spends one token for a retry, if there is one.
func (b *budget) take() bool {
	for range 8 { // bounded: under heavy contention, refusing is safe
		v := b.milli.Load()
		if v < 1000 {
			return false
		}
		if b.milli.CompareAndSwap(v, v-1000) {
			return true
		}
	}
	return false
}
