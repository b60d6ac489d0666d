package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/thriftsec/thriftsec/contrib/jwt"
	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/examples/calculator/handler"
	"github.com/thriftsec/thriftsec/examples/calculator/serve"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// TestCalculatorWithJWT: the example server with the verifier and the
// example policy serves a client with a valid token over mutual TLS, and
// refuses one without a token and one with a token for another audience,
// without running the handler.
func TestCalculatorWithJWT(t *testing.T) {
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	if _, err := devcert.WriteFiles(certs, devcert.Options{ClientURIs: []string{"spiffe://example.org/calculator-client"}}); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k"}}})
	jwks := filepath.Join(dir, "jwks.json")
	os.WriteFile(jwks, b, 0o644)
	v, err := jwt.NewVerifier(jwt.Config{KeysFile: jwks, Issuer: "demo", Audience: "calculator", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := handler.New(nil)
	srv, err := serve.NewServer(serve.Options{Certs: certs, Policy: "../../../../examples/calculator/policy.json", Transport: runtime.Header,
		Authenticators: []runtime.ServerInterceptor{v.Interceptor()}, Logger: slog.New(slog.DiscardHandler)}, h)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	mint := func(aud string) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k"))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := josejwt.Signed(s).Claims(josejwt.Claims{Issuer: "demo", Audience: josejwt.Audience{aud}, Subject: "alice",
			Expiry: josejwt.NewNumericDate(time.Now().Add(time.Minute))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := runtime.ClientTLSFromFiles(filepath.Join(certs, devcert.ClientCertFile), filepath.Join(certs, devcert.ClientKeyFile), filepath.Join(certs, devcert.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	client := func(src runtime.TokenSource) *calculator.CalculatorClient {
		opts := []runtime.ClientOption{runtime.WithTLS(cfg), runtime.WithTransport(runtime.Header)}
		if src != nil {
			opts = append(opts, runtime.WithBearerToken(src))
		}
		conn, err := runtime.Dial(ctx, ln.Addr().String(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return calculator.NewCalculatorClient(conn)
	}
	if sum, err := client(runtime.StaticToken(mint("calculator"))).Add(ctx, 2, 3); err != nil || sum != 5 {
		t.Fatalf("with a valid token: %d %v", sum, err)
	}
	for name, c := range map[string]*calculator.CalculatorClient{
		"no token":       client(nil),
		"wrong audience": client(runtime.StaticToken(mint("other"))),
	} {
		_, err := c.Calculate(ctx, 7, &calculator.Work{Op: calculator.Operation_ADD, Num1: 1, Num2: 1})
		var ae *runtime.ApplicationError
		if !errors.As(err, &ae) {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: refused: %s", name, ae.Message)
	}
	// Calculate logs its result under the log id: a refused call ran no
	// handler, so there is nothing under 7.
	if got, err := client(runtime.StaticToken(mint("calculator"))).GetStruct(ctx, 7); err != nil || got.Value != "" {
		t.Fatalf("getStruct(7) = %v, %v: a refused calculate ran", got, err)
	}
}
