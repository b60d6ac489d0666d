package jwt

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxKeysFileSize bounds a JWKS or PEM file: a key set is a few keys.
const MaxKeysFileSize = 1 << 20

// verifyKey is one public key a token may be verified with.
type verifyKey struct {
	kid string
	alg string // the JWK's "alg", or "" for any of its family
	pub crypto.PublicKey
}

// keySet is the keys of one version of the keys file.
type keySet []verifyKey

// parseKeys reads a JWKS (a JSON object with "keys") or PEM public keys
// and certificates. Private and symmetric keys are refused: the file is
// for verifying, and an HMAC secret belongs in Config.Secret, where it
// can never be mistaken for a public key.
func parseKeys(data []byte) (keySet, error) {
	if len(data) > MaxKeysFileSize {
		return nil, fmt.Errorf("keys file of %d bytes is larger than %d", len(data), MaxKeysFileSize)
	}
	t := bytes.TrimSpace(data)
	var ks keySet
	var err error
	if len(t) > 0 && t[0] == '{' {
		ks, err = parseJWKS(t)
	} else {
		ks, err = parsePEM(t)
	}
	if err != nil {
		return nil, err
	}
	if len(ks) == 0 {
		return nil, errors.New("no public keys")
	}
	seen := map[string]bool{}
	for _, k := range ks {
		if k.kid != "" && seen[k.kid] {
			return nil, fmt.Errorf("two keys with kid %q", k.kid)
		}
		seen[k.kid] = true
	}
	return ks, nil
}

func parseJWKS(data []byte) (keySet, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	var ks keySet
	for i, r := range raw.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i+1, err)
		}
		if !k.IsPublic() {
			return nil, fmt.Errorf("JWKS key %d (kid %q) is a private or symmetric key; give public keys only", i+1, k.KeyID)
		}
		if k.Use != "" && k.Use != "sig" {
			continue // an encryption key: not for verifying tokens
		}
		if err := checkKeyType(k.Key); err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i+1, err)
		}
		if k.Algorithm != "" && familyOf(k.Algorithm) != familyOfKey(k.Key) {
			return nil, fmt.Errorf("JWKS key %d: alg %q does not fit its key type", i+1, k.Algorithm)
		}
		ks = append(ks, verifyKey{kid: k.KeyID, alg: k.Algorithm, pub: k.Key})
	}
	return ks, nil
}

func parsePEM(data []byte) (keySet, error) {
	var ks keySet
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		var pub crypto.PublicKey
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				pub = c.PublicKey
			}
		default:
			if strings.Contains(b.Type, "PRIVATE") {
				return nil, fmt.Errorf("PEM block %q is a private key; give public keys only", b.Type)
			}
			return nil, fmt.Errorf("PEM block %q is not a public key or certificate", b.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM %s: %w", b.Type, err)
		}
		if err := checkKeyType(pub); err != nil {
			return nil, err
		}
		// PEM carries no kid; the key's RFC 7638 thumbprint is one a
		// token issuer can compute too.
		tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, err
		}
		ks = append(ks, verifyKey{kid: base64.RawURLEncoding.EncodeToString(tp), pub: pub})
	}
	if len(bytes.TrimSpace(data)) > 0 {
		return nil, errors.New("data in the keys file that is neither PEM nor a JWKS")
	}
	return ks, nil
}

func checkKeyType(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("RSA key of %d bits; at least 2048 are needed", k.N.BitLen())
		}
		return nil
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("unsupported key type %T", pub)
}

// Algorithm families: an algorithm verifies only with keys of its family.
const (
	famNone = iota
	famRSA
	famEC
	famEd
	famHMAC
)

func familyOf(alg string) int {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return famRSA
	case "ES256", "ES384", "ES512":
		return famEC
	case "EdDSA":
		return famEd
	case "HS256", "HS384", "HS512":
		return famHMAC
	}
	return famNone
}

func familyOfKey(pub crypto.PublicKey) int {
	switch pub.(type) {
	case *rsa.PublicKey:
		return famRSA
	case *ecdsa.PublicKey:
		return famEC
	case ed25519.PublicKey:
		return famEd
	}
	return famNone
}

// find returns the key to verify a token of alg and kid with: the key
// named by kid, or, for a token without one, the only key that fits alg.
func (ks keySet) find(alg, kid string) (crypto.PublicKey, error) {
	fam := familyOf(alg)
	var found []verifyKey
	for _, k := range ks {
		if familyOfKey(k.pub) != fam || (k.alg != "" && k.alg != alg) {
			continue
		}
		if kid == "" || k.kid == kid {
			found = append(found, k)
		}
	}
	switch {
	case len(found) == 1:
		return found[0].pub, nil
	case kid != "":
		return nil, fmt.Errorf("%w: no %s key with kid %q", ErrUnknownKey, alg, kid)
	case len(found) == 0:
		return nil, fmt.Errorf("%w: no %s key", ErrUnknownKey, alg)
	default:
		return nil, fmt.Errorf("%w: the token names no kid and %d keys fit %s", ErrUnknownKey, len(found), alg)
	}
}
