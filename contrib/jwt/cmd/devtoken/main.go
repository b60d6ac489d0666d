// Command devtoken is a development token issuer, the JWT counterpart of
// `thriftsec-gen certs`: it makes an ES256 signing key with its public JWKS,
// and signs tokens with it, so that a server with contrib/jwt can be tried
// without a real identity provider. Production tokens come from one.
//
//	devtoken keys -dir DIR
//	    writes DIR/signing.key (ES256 private key, PKCS#8 PEM, mode 0600)
//	    and DIR/jwks.json (its public key, kid "dev-1")
//	devtoken mint -dir DIR -iss ISS -aud AUD -sub SUB [-scope "a b"] [-ttl 10m]
//	    prints a token signed with DIR/signing.key
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
)

const kid = "dev-1"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: devtoken keys|mint -dir DIR ...")
	}
	fs := flag.NewFlagSet("devtoken "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", "jwt", "directory of signing.key and jwks.json")
	iss := fs.String("iss", "", `the token's "iss"`)
	aud := fs.String("aud", "", `the token's "aud"`)
	sub := fs.String("sub", "", `the token's "sub"`)
	scope := fs.String("scope", "", `the token's "scope" (space-separated)`)
	ttl := fs.Duration("ttl", 10*time.Minute, "how long the token is valid")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "keys":
		return keys(*dir)
	case "mint":
		tok, err := mint(*dir, *iss, *aud, *sub, *scope, *ttl)
		if err != nil {
			return err
		}
		fmt.Println(tok)
		return nil
	}
	return fmt.Errorf("unknown command %q: keys or mint", args[0])
}

func keys(dir string) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "signing.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: kid, Algorithm: "ES256", Use: "sig"}}}
	b, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "jwks.json"), append(b, '\n'), 0o644)
}

func mint(dir, iss, aud, sub, scope string, ttl time.Duration) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "signing.key"))
	if err != nil {
		return "", err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return "", errors.New("signing.key holds no PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims := josejwt.Claims{Issuer: iss, Subject: sub, IssuedAt: josejwt.NewNumericDate(now),
		Expiry: josejwt.NewNumericDate(now.Add(ttl))}
	if aud != "" {
		claims.Audience = josejwt.Audience{aud}
	}
	extra := map[string]any{}
	if scope != "" {
		extra["scope"] = scope
	}
	return josejwt.Signed(signer).Claims(claims).Claims(extra).Serialize()
}
