package jwt

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/authz"
)

// testKeys are generated once: RSA key generation is slow.
type testKeys struct {
	rsa, rsa2 *rsa.PrivateKey
	ec        *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func getKeys(t testing.TB) testKeys {
	keysOnce.Do(func() {
		var err error
		if keys.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if keys.rsa2, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if keys.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if _, keys.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	return keys
}

var secret = []byte("0123456789abcdef0123456789abcdef")

// jwks writes the public halves of keys as a JWKS file.
func jwks(t testing.TB, dir string, keys map[string]crypto.Signer) string {
	var set jose.JSONWebKeySet
	for kid, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public(), KeyID: kid, Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func pemPublic(t testing.TB, pubs ...crypto.PublicKey) []byte {
	var out []byte
	for _, p := range pubs {
		der, err := x509.MarshalPKIXPublicKey(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...)
	}
	return out
}

// sign makes a token with go-jose's signer.
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := josejwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// handMade builds a token from raw parts, for the attacks no honest
// signer makes: alg none, HS256 keyed with a public key.
func handMade(header, claims map[string]any, hmacKey []byte) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(header) + "." + enc(claims)
	if hmacKey == nil {
		return in + "."
	}
	m := hmac.New(sha256.New, hmacKey)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var t0 = time.Unix(1_800_000_000, 0)

func claims(extra map[string]any) map[string]any {
	c := map[string]any{"sub": "alice", "iss": "https://issuer.test", "aud": "calc",
		"exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func newVerifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v.now = func() time.Time { return t0 }
	v.checked = t0
	return v
}

// TestVerify: valid tokens of each algorithm pass, and every refusal the
// issue lists is refused with its own reason.
func TestVerify(t *testing.T) {
	k := getKeys(t)
	dir := t.TempDir()
	file := jwks(t, dir, map[string]crypto.Signer{"r1": k.rsa, "e1": k.ec, "d1": k.ed})
	v := newVerifier(t, Config{KeysFile: file, Issuer: "https://issuer.test", Audience: "calc"})
	vs := newVerifier(t, Config{KeysFile: file, Secret: secret, Issuer: "https://issuer.test", Audience: "calc"})
	rsaPubPEM := pemPublic(t, k.rsa.Public())

	good := []struct {
		name string
		v    *Verifier
		tok  string
	}{
		{"RS256", v, sign(t, jose.RS256, k.rsa, "r1", claims(nil))},
		{"ES256", v, sign(t, jose.ES256, k.ec, "e1", claims(nil))},
		{"EdDSA", v, sign(t, jose.EdDSA, k.ed, "d1", claims(nil))},
		{"no kid, one key of the family", v, sign(t, jose.ES256, k.ec, "", claims(nil))},
		{"HS256 with the secret", vs, sign(t, jose.HS256, secret, "", claims(nil))},
		{"expired within the leeway", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": t0.Add(-20 * time.Second).Unix()}))},
		{"aud list", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": []string{"other", "calc"}}))},
	}
	for _, g := range good {
		c, err := g.v.Verify(g.tok)
		if err != nil {
			t.Errorf("%s: %v", g.name, err)
		} else if c.Subject != "alice" || c.Issuer != "https://issuer.test" {
			t.Errorf("%s: claims %+v", g.name, c)
		}
	}

	bad := []struct {
		name string
		v    *Verifier
		tok  string
		want error
	}{
		{"empty", v, "", ErrNoToken},
		{"garbage", v, "not a token", ErrMalformed},
		{"too large", v, strings.Repeat("a", MaxTokenSize) + ".b.c", ErrMalformed},
		{"bad base64", v, "!!!.???.***", ErrMalformed},
		{"expired", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": t0.Add(-time.Minute).Unix()})), ErrExpired},
		{"no exp", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": nil})), ErrNoExpiry},
		{"nbf ahead", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"nbf": t0.Add(time.Minute).Unix()})), ErrNotYetValid},
		{"iat ahead", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"iat": t0.Add(time.Minute).Unix()})), ErrIssuedInFuture},
		{"wrong audience", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": "other"})), ErrWrongAudience},
		{"no audience", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": nil})), ErrWrongAudience},
		{"wrong issuer", v, sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"iss": "https://evil.test"})), ErrWrongIssuer},
		{"bad signature", v, sign(t, jose.RS256, k.rsa2, "r1", claims(nil)), ErrSignature},
		{"tampered claims", v, tamper(sign(t, jose.RS256, k.rsa, "r1", claims(nil))), ErrSignature},
		{"unknown kid", v, sign(t, jose.RS256, k.rsa, "r9", claims(nil)), ErrUnknownKey},
		{"kid of another family", v, sign(t, jose.RS256, k.rsa, "e1", claims(nil)), ErrUnknownKey},
		{"alg not allowed", v, sign(t, jose.RS384, k.rsa, "r1", claims(nil)), ErrAlgorithm},
		{"alg none", v, handMade(map[string]any{"alg": "none", "typ": "JWT"}, claims(nil), nil), ErrAlgorithm},
		{"alg none, secret set", vs, handMade(map[string]any{"alg": "none", "typ": "JWT"}, claims(nil), nil), ErrAlgorithm},
		{"HS256 keyed with the RSA public key", v,
			handMade(map[string]any{"alg": "HS256", "typ": "JWT", "kid": "r1"}, claims(nil), rsaPubPEM), ErrAlgorithm},
		{"HS256 keyed with the RSA public key, secret set", vs,
			handMade(map[string]any{"alg": "HS256", "typ": "JWT", "kid": "r1"}, claims(nil), rsaPubPEM), ErrSignature},
		{"HS256 with another secret", vs, sign(t, jose.HS256, bytes.Repeat([]byte("x"), 32), "", claims(nil)), ErrSignature},
	}
	for _, b := range bad {
		_, err := b.v.Verify(b.tok)
		if !errors.Is(err, b.want) {
			t.Errorf("%s: got %v, want %v", b.name, err, b.want)
		}
	}
}

// tamper changes the subject of a signed token, keeping its signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	body = bytes.Replace(body, []byte(`"alice"`), []byte(`"admin"`), 1)
	parts[1] = base64.RawURLEncoding.EncodeToString(body)
	return strings.Join(parts, ".")
}

// TestVerifyNoKidAmbiguous: a token naming no kid is refused when more
// than one key could verify it, rather than trying each.
func TestVerifyNoKidAmbiguous(t *testing.T) {
	k := getKeys(t)
	v := newVerifier(t, Config{KeysFile: jwks(t, t.TempDir(), map[string]crypto.Signer{"a": k.rsa, "b": k.rsa2})})
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa, "", claims(nil))); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("got %v", err)
	}
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa2, "b", claims(nil))); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyNoExpiryAllowed and leeway off: the opt-outs do what they say.
func TestVerifyOptions(t *testing.T) {
	k := getKeys(t)
	file := jwks(t, t.TempDir(), map[string]crypto.Signer{"r1": k.rsa})
	v := newVerifier(t, Config{KeysFile: file, AllowNoExpiry: true, Leeway: -1})
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": nil}))); err != nil {
		t.Fatalf("AllowNoExpiry: %v", err)
	}
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": t0.Add(-time.Second).Unix()}))); !errors.Is(err, ErrExpired) {
		t.Fatalf("no leeway: %v", err)
	}
	// Neither Issuer nor Audience configured: not checked.
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"iss": "x", "aud": "y"}))); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyPEM: PEM public keys and certificates, kid being the RFC 7638
// thumbprint.
func TestVerifyPEM(t *testing.T) {
	k := getKeys(t)
	f := filepath.Join(t.TempDir(), "keys.pem")
	os.WriteFile(f, pemPublic(t, k.rsa.Public(), k.ed.Public()), 0o600)
	v := newVerifier(t, Config{KeysFile: f})
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa, "", claims(nil))); err != nil {
		t.Fatalf("RS256 from PEM: %v", err)
	}
	if _, err := v.Verify(sign(t, jose.EdDSA, k.ed, "", claims(nil))); err != nil {
		t.Fatalf("EdDSA from PEM: %v", err)
	}
	tp, _ := (&jose.JSONWebKey{Key: k.rsa.Public()}).Thumbprint(crypto.SHA256)
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa, base64.RawURLEncoding.EncodeToString(tp), claims(nil))); err != nil {
		t.Fatalf("thumbprint kid: %v", err)
	}
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa2, "", claims(nil))); !errors.Is(err, ErrSignature) {
		t.Fatalf("other key: %v", err)
	}
}

// TestConfigRefused: configurations that would weaken verification.
func TestConfigRefused(t *testing.T) {
	k := getKeys(t)
	dir := t.TempDir()
	file := jwks(t, dir, map[string]crypto.Signer{"r1": k.rsa})
	for name, cfg := range map[string]Config{
		"nothing":             {},
		"alg none":            {KeysFile: file, Algorithms: []string{"RS256", "none"}},
		"alg NONE":            {KeysFile: file, Algorithms: []string{"NONE"}},
		"HMAC without secret": {KeysFile: file, Algorithms: []string{"HS256"}},
		"RSA without keys":    {Secret: secret, Algorithms: []string{"RS256"}},
		"unknown alg":         {KeysFile: file, Algorithms: []string{"XS256"}},
		"short secret":        {Secret: []byte("short")},
		"missing file":        {KeysFile: filepath.Join(dir, "missing")},
	} {
		if _, err := NewVerifier(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	priv := func(name string, data []byte) {
		f := filepath.Join(dir, name)
		os.WriteFile(f, data, 0o600)
		if _, err := NewVerifier(Config{KeysFile: f}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	jpriv, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.rsa, KeyID: "p"}}})
	priv("private JWKS", jpriv)
	joct, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: secret, KeyID: "s"}}})
	priv("symmetric JWKS", joct)
	der, _ := x509.MarshalPKCS8PrivateKey(k.ec)
	priv("private PEM", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	priv("RSA 1024", pemPublic(t, small.Public()))
	priv("empty JWKS", []byte(`{"keys": []}`))
	priv("junk", []byte("hello"))
	jalg, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.rsa.Public(), KeyID: "r", Algorithm: "ES256"}}})
	priv("alg of another family", jalg)
	dup, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.rsa.Public(), KeyID: "r"}, {Key: k.ec.Public(), KeyID: "r"}}})
	priv("duplicate kid", dup)
}

// TestKeyAlgPinned: a JWK that names its alg verifies only that alg.
func TestKeyAlgPinned(t *testing.T) {
	k := getKeys(t)
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.rsa.Public(), KeyID: "r", Algorithm: "PS256"}}})
	f := filepath.Join(t.TempDir(), "k.json")
	os.WriteFile(f, b, 0o600)
	v := newVerifier(t, Config{KeysFile: f, Algorithms: []string{"RS256", "PS256"}})
	if _, err := v.Verify(sign(t, jose.RS256, k.rsa, "r", claims(nil))); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("RS256 on a PS256 key: %v", err)
	}
	if _, err := v.Verify(sign(t, jose.PS256, k.rsa, "r", claims(nil))); err != nil {
		t.Fatal(err)
	}
}

// TestKeysReload: a rewritten file is used after the interval; a broken
// one keeps the previous keys and is logged once.
func TestKeysReload(t *testing.T) {
	k := getKeys(t)
	dir := t.TempDir()
	file := jwks(t, dir, map[string]crypto.Signer{"old": k.rsa})
	var log bytes.Buffer
	v := newVerifier(t, Config{KeysFile: file, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	now := t0
	v.now = func() time.Time { return now }
	newTok := sign(t, jose.RS256, k.rsa2, "new", claims(nil))
	oldTok := sign(t, jose.RS256, k.rsa, "old", claims(nil))
	jwks(t, dir, map[string]crypto.Signer{"new": k.rsa2})
	if _, err := v.Verify(newTok); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("before the interval: %v", err)
	}
	now = now.Add(DefaultReloadInterval)
	if _, err := v.Verify(newTok); err != nil {
		t.Fatalf("after reload: %v", err)
	}
	if _, err := v.Verify(oldTok); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("retired key still accepted: %v", err)
	}
	os.WriteFile(file, []byte(`{"keys": [`), 0o600)
	for range 3 {
		now = now.Add(DefaultReloadInterval)
		if _, err := v.Verify(newTok); err != nil {
			t.Fatalf("broken file dropped the keys: %v", err)
		}
	}
	if n := strings.Count(log.String(), "level=ERROR"); n != 1 {
		t.Fatalf("%d Error lines for one broken file, want 1:\n%s", n, log.String())
	}
}

// TestClaimsReachHandler: over a real loopback server, the interceptor
// passes verified claims (scope, scp, roles) to the handler; a refused call
// runs no handler, gets a message that says nothing of why, and is logged
// at Warn, rate-limited.
func TestClaimsReachHandler(t *testing.T) {
	k := getKeys(t)
	var log lockedBuffer
	v := newVerifier(t, Config{KeysFile: jwks(t, t.TempDir(), map[string]crypto.Signer{"r1": k.rsa}), Audience: "calc",
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	got := make(chan *authz.Claims, 10)
	addr := serve(t, v.Interceptor(), func(ctx context.Context) {
		c, _ := authz.FromContext(ctx)
		got <- c
	})
	call := func(tok string, hdr map[string]string) error {
		opts := []runtime.ClientOption{runtime.WithPlaintext(), runtime.WithTransport(runtime.Header)}
		if tok != "" {
			opts = append(opts, runtime.WithBearerToken(runtime.StaticToken(tok)), runtime.WithInsecureBearerToken())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := runtime.Dial(ctx, addr, opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if hdr != nil {
			ctx = runtime.WithHeaders(ctx, hdr, nil)
		}
		return c.Call(ctx, "add", &empty{}, &empty{})
	}
	tok := sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"scope": "read write", "scp": []string{"extra"}, "roles": []string{"admin"}}))
	if err := call(tok, nil); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	c := <-got
	if c == nil || c.Subject != "alice" || !c.HasScope("write") || !c.HasScope("extra") || !c.HasRole("admin") || c.Raw["aud"] != "calc" {
		t.Fatalf("claims %+v", c)
	}
	const noToken, invalid = "add: unauthenticated: no bearer token", "add: unauthenticated: invalid bearer token"
	for _, r := range []struct {
		name string
		tok  string
		hdr  map[string]string
		want string
	}{
		{"no token", "", nil, noToken},
		{"not bearer", "", map[string]string{"authorization": "Basic " + tok}, noToken},
		{"wrong aud", sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": "x"})), nil, invalid},
		{"expired", sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": t0.Add(-time.Hour).Unix()})), nil, invalid},
		{"unknown kid", sign(t, jose.RS256, k.rsa, "zz", claims(nil)), nil, invalid},
	} {
		err := call(r.tok, r.hdr)
		var ae *runtime.ApplicationError
		if !errors.As(err, &ae) || ae.Message != r.want {
			t.Errorf("%s: got %v, want %q", r.name, err, r.want)
		}
	}
	if len(got) != 0 {
		t.Fatalf("handler ran for refused calls")
	}
	if n := strings.Count(log.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d Warn lines for a burst of refusals, want 1:\n%s", n, log.String())
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// empty is a struct with no fields, as args and result.
type empty struct{}

func (*empty) Encode(e *runtime.Encoder) error { e.WriteFieldStop(); return nil }
func (*empty) Decode(d *runtime.Decoder) error {
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	for {
		typ, _, err := d.ReadFieldBegin()
		if err != nil {
			return err
		}
		if typ == runtime.TypeStop {
			break
		}
		if err := d.Skip(typ); err != nil {
			return err
		}
	}
	d.ReadStructEnd()
	return nil
}

// serve runs a plaintext Header-transport server on loopback whose "add"
// calls handle, behind ic; it is closed when the test ends.
func serve(t testing.TB, ic runtime.ServerInterceptor, handle func(ctx context.Context)) string {
	p := runtime.NewProcessor("Calculator")
	p.Register("add", runtime.Method{
		NewArgs: func() runtime.Struct { return &empty{} },
		Handle: func(ctx context.Context, _ runtime.Struct) (runtime.Struct, error) {
			handle(ctx)
			return &empty{}, nil
		},
	})
	srv := &runtime.Server{Handler: p, Plaintext: true, Transport: runtime.Header,
		Interceptors: []runtime.ServerInterceptor{ic}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}
