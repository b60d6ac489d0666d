package fernet

import (
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// DefaultLinkTTL is how old a token a Link accepts when NewLink is given
// no TTL; it also bounds how long a token is remembered against replay.
const DefaultLinkTTL = time.Minute

// DefaultMaxRemembered bounds the tokens a Link remembers against replay.
const DefaultMaxRemembered = 1 << 20

// errReplayed and errMemoryFull are what a Link's Open says beyond
// ErrInvalidToken; both are refusals all the same.
var (
	errReplayed   = errors.New("fernet: token already seen")
	errMemoryFull = errors.New("fernet: too many tokens within their time to live to check for replay; try again shortly")
)

// Link is a runtime.Sealer for the sealed-message transport
// (runtime.Server.Sealer, runtime.WithSealer): each message travels as one
// Fernet token sealed with the first key. Open accepts tokens sealed with
// any key, at most TTL old (and at most a minute ahead of the clock), and
// only once: a token seen before within its TTL is refused, so a captured
// request cannot be played again. One Link serves all the connections of
// a server or client and is safe for concurrent use.
type Link struct {
	keys Keys
	ttl  time.Duration
	max  int

	mu   sync.Mutex
	seen map[[sha256.Size]byte]time.Time // token digest → when it may be forgotten
	next time.Time                       // when expired entries are next swept
}

// NewLink returns a Link over keys; ttl <= 0 means DefaultLinkTTL.
func NewLink(keys Keys, ttl time.Duration) (*Link, error) {
	if len(keys) == 0 {
		return nil, errors.New("fernet: no keys")
	}
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	return &Link{keys: keys, ttl: ttl, max: DefaultMaxRemembered, seen: map[[sha256.Size]byte]time.Time{}}, nil
}

var _ runtime.Sealer = (*Link)(nil)

// Seal seals msg with the first key.
func (l *Link) Seal(msg []byte) ([]byte, error) { return l.keys.Seal(msg) }

// Open checks the token, then refuses it if it was seen before.
func (l *Link) Open(token []byte) ([]byte, error) {
	return l.open(token, time.Now())
}

func (l *Link) open(token []byte, now time.Time) ([]byte, error) {
	l.sweep(now)
	msg, err := l.keys.open(token, l.ttl, now)
	if err != nil {
		return nil, err
	}
	// Only authentic tokens get here, so only a key holder can fill the
	// memory, and never past max.
	d := sha256.Sum256(token)
	l.mu.Lock()
	defer l.mu.Unlock()
	if forget, ok := l.seen[d]; ok && !now.After(forget) {
		return nil, errReplayed
	}
	if len(l.seen) >= l.max {
		return nil, errMemoryFull
	}
	// A token is valid from its time stamp for ttl; remembering it until
	// ttl plus the allowed clock skew from now covers that whole window.
	l.seen[d] = now.Add(l.ttl + maxClockSkew)
	return msg, nil
}

// sweep forgets the tokens whose time to live has passed, at most every
// quarter of the TTL.
func (l *Link) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		return
	}
	for k, forget := range l.seen {
		if now.After(forget) {
			delete(l.seen, k)
		}
	}
	l.next = now.Add(l.ttl / 4)
}
