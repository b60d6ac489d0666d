package jwt

import (
	"crypto"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzVerify feeds arbitrary tokens to a verifier holding RSA, EC and
// Ed25519 keys and an HMAC secret. It must never panic, and whatever it
// accepts must have passed every check: an allowed algorithm, a known
// issuer and audience, an unexpired "exp". Seeds are valid tokens, so
// the fuzzer mutates real headers, claims and signatures.
func FuzzVerify(f *testing.F) {
	k := getKeys(f)
	file := jwks(f, f.TempDir(), map[string]crypto.Signer{"r1": k.rsa, "e1": k.ec, "d1": k.ed})
	v := newVerifier(f, Config{KeysFile: file, Secret: secret, Issuer: "https://issuer.test", Audience: "calc"})
	for _, s := range []string{
		sign(f, jose.RS256, k.rsa, "r1", claims(nil)),
		sign(f, jose.ES256, k.ec, "e1", claims(map[string]any{"scope": "a b"})),
		sign(f, jose.EdDSA, k.ed, "d1", claims(map[string]any{"roles": []string{"x"}})),
		sign(f, jose.HS256, secret, "", claims(nil)),
		handMade(map[string]any{"alg": "none"}, claims(nil), nil),
		"a.b.c", "..", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := v.Verify(tok)
		if err != nil {
			return
		}
		if c.Issuer != "https://issuer.test" || !slices.Contains(c.Audience, "calc") {
			t.Fatalf("accepted a token with iss %q aud %q", c.Issuer, c.Audience)
		}
		exp, ok := c.Raw["exp"].(float64)
		if !ok || time.Unix(int64(exp), 0).Add(DefaultLeeway).Before(t0) {
			t.Fatalf("accepted a token with exp %v", c.Raw["exp"])
		}
		if strings.Count(tok, ".") != 2 {
			t.Fatalf("accepted a token that is not three parts")
		}
	})
}
