package authz

import (
	"log/slog"
	"sync"
	"time"
)

// RefusalLogger logs refused calls at Warn, at most once per interval:
// a client hammering a server with bad credentials must not be able to
// flood its log. The next line logged after a quiet spell says how many
// refusals were not logged ("suppressed"). It is safe for concurrent use.
type RefusalLogger struct {
	logger   *slog.Logger
	interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// DefaultRefusalLogInterval is the least time between two refusal lines.
const DefaultRefusalLogInterval = time.Second

// NewRefusalLogger returns a RefusalLogger writing to logger (nil means
// slog.Default()); interval <= 0 means DefaultRefusalLogInterval.
func NewRefusalLogger(logger *slog.Logger, interval time.Duration) *RefusalLogger {
	if logger == nil {
		logger = slog.Default()
	}
	if interval <= 0 {
		interval = DefaultRefusalLogInterval
	}
	return &RefusalLogger{logger: logger, interval: interval}
}

// Warn logs msg with attrs unless a refusal was logged less than the
// interval ago.
func (r *RefusalLogger) Warn(msg string, attrs ...any) {
	r.mu.Lock()
	now := time.Now()
	if !r.last.IsZero() && now.Sub(r.last) < r.interval {
		r.suppressed++
		r.mu.Unlock()
		return
	}
	r.last = now
	n := r.suppressed
	r.suppressed = 0
	r.mu.Unlock()
	if n > 0 {
		attrs = append(attrs, "suppressed", n)
	}
	r.logger.Warn(msg, attrs...)
}
