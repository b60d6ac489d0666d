package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Per-call credentials: a bearer token sent with every call as the info
// header "authorization: Bearer <token>" (and, on transports built on
// HTTP, the Authorization header), which a server verifies (see
// contrib/jwt) before any handler runs.
//
// A bearer token is as good as a password to whoever reads it, so, like
// gRPC's RequireTransportSecurity, Dial refuses to send one over a
// plaintext connection unless the caller opts out by name with
// WithInsecureBearerToken.

// AuthorizationHeader is the info header that carries the bearer token.
// Header keys are lower case, as in HTTP/2 and gRPC metadata.
const AuthorizationHeader = "authorization"

// BearerPrefix starts the value of AuthorizationHeader (RFC 6750).
const BearerPrefix = "Bearer "

// Token is a bearer credential and when it stops being usable.
type Token struct {
	// Value is the token itself (for a JWT, its compact serialization).
	Value string
	// Expiry is when the token expires; zero means it does not, as far
	// as the client knows.
	Expiry time.Time
}

// TokenSource supplies the token for a call, like oauth2.TokenSource. It
// is called once per call, from many goroutines at once; sources that
// fetch tokens should cache them (see NewRefreshingTokenSource).
type TokenSource interface {
	Token(ctx context.Context) (Token, error)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context) (Token, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context) (Token, error) { return f(ctx) }

// StaticToken returns a source that always gives token, for tokens issued
// out of band (a file written by an agent, a test token).
func StaticToken(token string) TokenSource {
	return staticToken(token)
}

type staticToken string

func (t staticToken) Token(context.Context) (Token, error) { return Token{Value: string(t)}, nil }

// DefaultTokenExpiryMargin is how long before its expiry a cached token is
// replaced: long enough that a token still valid when sent is still valid
// when a server with a slightly fast clock checks it.
const DefaultTokenExpiryMargin = 30 * time.Second

// NewRefreshingTokenSource returns a source that calls fetch for a token
// and reuses it until margin before its Expiry (a token with no Expiry is
// reused for ever). margin <= 0 means DefaultTokenExpiryMargin. One fetch
// runs at a time: calls that need a new token while one is being fetched
// wait for it (or for their context). A failed fetch is not cached; the
// next call tries again.
func NewRefreshingTokenSource(fetch func(ctx context.Context) (Token, error), margin time.Duration) TokenSource {
	if margin <= 0 {
		margin = DefaultTokenExpiryMargin
	}
	return &refreshingToken{fetch: fetch, margin: margin, now: time.Now, lock: make(chan struct{}, 1)}
}

type refreshingToken struct {
	fetch  func(ctx context.Context) (Token, error)
	margin time.Duration
	now    func() time.Time

	lock chan struct{} // held while fetching; a channel so waiting honours ctx
	mu   sync.Mutex
	tok  Token
	have bool
}

func (r *refreshingToken) cached() (Token, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.have && (r.tok.Expiry.IsZero() || r.now().Before(r.tok.Expiry.Add(-r.margin))) {
		return r.tok, true
	}
	return Token{}, false
}

func (r *refreshingToken) Token(ctx context.Context) (Token, error) {
	if t, ok := r.cached(); ok {
		return t, nil
	}
	select {
	case r.lock <- struct{}{}:
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
	defer func() { <-r.lock }()
	// Another call may have fetched while this one waited.
	if t, ok := r.cached(); ok {
		return t, nil
	}
	t, err := r.fetch(ctx)
	if err != nil {
		return Token{}, err
	}
	if t.Value == "" {
		return Token{}, errors.New("token source returned an empty token")
	}
	r.mu.Lock()
	r.tok, r.have = t, true
	r.mu.Unlock()
	return t, nil
}

// WithBearerToken sends a token from src with every call, as the info
// header "authorization: Bearer <token>". It needs a transport that
// carries headers (Header), and TLS unless WithInsecureBearerToken is
// also given. A call whose token cannot be had fails before anything is
// sent.
func WithBearerToken(src TokenSource) ClientOption {
	return func(o *clientOptions) { o.tokens = src }
}

// WithInsecureBearerToken allows WithBearerToken over a plaintext client:
// anyone on the path can then read the token and replay it. For tests and
// for links already protected below Thrift (a loopback socket, a
// sidecar's tunnel).
func WithInsecureBearerToken() ClientOption {
	return func(o *clientOptions) { o.insecureTokens = true }
}

// useTokens checks the bearer-token options of Dial and NewHTTPClient
// (carriesHeaders: whether the transport has per-call headers) and adds
// the interceptor that sends the token.
func (o *clientOptions) useTokens(carriesHeaders bool) error {
	if o.tokens == nil {
		return nil
	}
	if o.plaintext && !o.insecureTokens {
		return errors.New("thrift: WithBearerToken over a plaintext client would send the token in the clear; use TLS, or add WithInsecureBearerToken")
	}
	if !carriesHeaders {
		return fmt.Errorf("thrift: WithBearerToken needs a transport that carries headers (Header, or HTTP), not %v", o.transport)
	}
	// Innermost, so that the caller's interceptors see the call as it was
	// made and every attempt carries a token.
	o.interceptors = append(o.interceptors[:len(o.interceptors):len(o.interceptors)], bearerInterceptor(o.tokens))
	return nil
}

// bearerInterceptor adds the token of src to the call's headers, keeping
// headers the caller set with WithHeaders (and where it wants the reply's).
func bearerInterceptor(src TokenSource) ClientInterceptor {
	return func(ctx context.Context, info *CallInfo, args, result Struct, next ClientInvoker) error {
		t, err := src.Token(ctx)
		if err != nil {
			return fmt.Errorf("thrift: call %s: getting the bearer token: %w", info.Method, err)
		}
		if t.Value == "" || strings.ContainsAny(t.Value, " \r\n") {
			return fmt.Errorf("thrift: call %s: the bearer token is empty or holds a space or line break", info.Method)
		}
		var sink *map[string]string
		var send map[string]string
		if h := headersFrom(ctx); h != nil {
			sink = h.sink
			send = make(map[string]string, len(h.send)+1)
			for k, v := range h.send {
				send[k] = v
			}
		} else {
			send = make(map[string]string, 1)
		}
		send[AuthorizationHeader] = BearerPrefix + t.Value
		return next(WithHeaders(ctx, send, sink), info, args, result)
	}
}

// BearerToken returns the token of a call's "authorization: Bearer ..."
// header on the server side, and whether there was one. The scheme is
// matched without regard to case, as RFC 7235 asks.
func BearerToken(ctx context.Context) (string, bool) {
	v, ok := RequestHeaders(ctx)[AuthorizationHeader]
	if !ok {
		return "", false
	}
	if len(v) < len(BearerPrefix) || !strings.EqualFold(v[:len(BearerPrefix)], BearerPrefix) {
		return "", false
	}
	return strings.TrimSpace(v[len(BearerPrefix):]), true
}
