package runtime

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBearerTokenSent: the token reaches the server as the authorization
// info header, next to the caller's own headers, whose reply sink still
// works.
func TestBearerTokenSent(t *testing.T) {
	seen := make(chan map[string]string, 2)
	ts := startServer(t, secTLS, Header, func(s *Server) {
		s.Interceptors = []ServerInterceptor{func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
			seen <- RequestHeaders(ctx)
			if tok, ok := BearerToken(ctx); !ok || tok != "tok-1" {
				return nil, NewApplicationError(ExceptionUnknown, "no token")
			}
			SetResponseHeader(ctx, "server", "x")
			return next(ctx, args)
		}}
	})
	c := ts.dial(t, WithBearerToken(StaticToken("tok-1")))
	add(t, c, 1, 2)
	if h := <-seen; h[AuthorizationHeader] != "Bearer tok-1" || len(h) != 1 {
		t.Fatalf("server saw %v", h)
	}
	var got map[string]string
	ctx := WithHeaders(context.Background(), map[string]string{"trace": "t"}, &got)
	var res i32Result
	if err := c.Call(ctx, "add", &pairArgs{A: 1, B: 1}, &res); err != nil {
		t.Fatal(err)
	}
	if h := <-seen; h[AuthorizationHeader] != "Bearer tok-1" || h["trace"] != "t" {
		t.Fatalf("server saw %v", h)
	}
	if got["server"] != "x" {
		t.Fatalf("reply headers %v", got)
	}
}

// TestBearerTokenRefusedOverPlaintext: the RequireTransportSecurity rule,
// and its named opt-out.
func TestBearerTokenRefusedOverPlaintext(t *testing.T) {
	ts := startServer(t, secPlain, Header, nil)
	ctx := context.Background()
	_, err := Dial(ctx, ts.addr, ts.clientOpts(t, WithBearerToken(StaticToken("t")))...)
	if err == nil || !strings.Contains(err.Error(), "plaintext") {
		t.Fatalf("Dial over plaintext with a token: %v", err)
	}
	c := ts.dial(t, WithBearerToken(StaticToken("t")), WithInsecureBearerToken())
	add(t, c, 2, 2)
}

// TestBearerTokenNeedsHeaders: a transport with nowhere to put the token
// is refused at Dial rather than silently sending calls without it.
func TestBearerTokenNeedsHeaders(t *testing.T) {
	ts := startServer(t, secTLS, Framed, nil)
	_, err := Dial(context.Background(), ts.addr, ts.clientOpts(t, WithBearerToken(StaticToken("t")))...)
	if err == nil || !strings.Contains(err.Error(), "carries headers") {
		t.Fatalf("Dial over Framed with a token: %v", err)
	}
}

// TestBearerTokenSourceFails: a call whose token cannot be had is not sent.
func TestBearerTokenSourceFails(t *testing.T) {
	var calls atomic.Int32
	ts := startServer(t, secTLS, Header, func(s *Server) {
		s.Interceptors = []ServerInterceptor{func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
			calls.Add(1)
			return next(ctx, args)
		}}
	})
	boom := errors.New("issuer down")
	for _, src := range []TokenSource{
		TokenSourceFunc(func(context.Context) (Token, error) { return Token{}, boom }),
		StaticToken(""),
		StaticToken("a b"),
		StaticToken("a\r\nx-injected: 1"),
	} {
		c := ts.dial(t, WithBearerToken(src))
		var res i32Result
		if err := c.Call(context.Background(), "add", &pairArgs{A: 1, B: 1}, &res); err == nil {
			t.Fatalf("call with a bad token source succeeded")
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d calls reached the server", n)
	}
}

// TestRefreshingTokenSource: cached until the margin before expiry, one
// fetch for many concurrent callers, failures not cached.
func TestRefreshingTokenSource(t *testing.T) {
	now := time.Unix(1000, 0)
	var fetches atomic.Int32
	fail := false
	src := NewRefreshingTokenSource(func(context.Context) (Token, error) {
		n := fetches.Add(1)
		if fail {
			return Token{}, errors.New("down")
		}
		return Token{Value: "t" + string(rune('0'+n)), Expiry: now.Add(time.Minute)}, nil
	}, 10*time.Second).(*refreshingToken)
	src.now = func() time.Time { return now }
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, err := src.Token(ctx); err != nil || tok.Value != "t1" {
				t.Errorf("Token: %v %v", tok, err)
			}
		}()
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for concurrent callers, want 1", n)
	}
	now = now.Add(49 * time.Second) // 11s before expiry: still good
	if tok, _ := src.Token(ctx); tok.Value != "t1" {
		t.Fatalf("got %q before the margin", tok.Value)
	}
	now = now.Add(2 * time.Second) // 9s before expiry: inside the margin
	if tok, _ := src.Token(ctx); tok.Value != "t2" {
		t.Fatalf("got %q inside the margin, want a fresh token", tok.Value)
	}
	now = now.Add(time.Hour)
	fail = true
	if _, err := src.Token(ctx); err == nil {
		t.Fatal("expired token served after a failed fetch")
	}
	fail = false
	if tok, err := src.Token(ctx); err != nil || tok.Value != "t4" {
		t.Fatalf("after a failure: %v %v", tok, err)
	}
}

// TestRefreshingTokenSourceWaitHonoursContext: a caller waiting for
// another's fetch gives up when its context ends.
func TestRefreshingTokenSourceWaitHonoursContext(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	src := NewRefreshingTokenSource(func(context.Context) (Token, error) {
		close(started)
		<-release
		return Token{Value: "t"}, nil
	}, 0)
	go src.Token(context.Background())
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting caller: %v", err)
	}
	close(release)
}

// TestBearerTokenParse: the server side's reading of the header.
func TestBearerTokenParse(t *testing.T) {
	for _, c := range []struct {
		hdr  map[string]string
		tok  string
		want bool
	}{
		{nil, "", false},
		{map[string]string{"authorization": "Bearer abc"}, "abc", true},
		{map[string]string{"authorization": "bearer abc"}, "abc", true},
		{map[string]string{"authorization": "Basic abc"}, "", false},
		{map[string]string{"authorization": "Bear"}, "", false},
		{map[string]string{"Authorization": "Bearer abc"}, "", false},
	} {
		ctx := context.WithValue(context.Background(), headersKey{}, &callHeaders{received: c.hdr})
		tok, ok := BearerToken(ctx)
		if tok != c.tok || ok != c.want {
			t.Errorf("%v: got %q %v", c.hdr, tok, ok)
		}
	}
}
