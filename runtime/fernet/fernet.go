// Package fernet seals data with Fernet tokens (the spec at
// github.com/fernet/spec, as Python's cryptography.fernet implements it),
// on Go's standard library alone: AES-128-CBC with PKCS #7 padding for
// secrecy, HMAC-SHA256 over the whole token for integrity, a timestamp for
// expiry, URL-safe base64 for transport.
//
// TLS is the first choice for data in transit. Fernet is for the data
// that must stay sealed where TLS does not reach: values at rest (a
// database column, a queue, a cache), values that pass through
// intermediaries that terminate TLS, and, as a last resort, links where
// TLS cannot be used at all.
//
//	keys, _ := fernet.ParseKeys(os.Getenv("FERNET_KEYS")) // newest first
//	token, _ := keys.Seal([]byte("secret"))
//	plain, err := keys.Open(token, time.Hour)           // any key, at most an hour old
//
// SealStruct and OpenStruct do the same for a generated Thrift struct in
// one call.
//
// Key rotation works like Python's MultiFernet: Seal uses the first key;
// Open tries each in turn. To rotate, put a new key first, keep the old
// ones until every token they sealed has expired, then drop them.
package fernet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/thriftsec/thriftsec/runtime"
)

// ErrInvalidToken is the one error Open returns for a token it will not
// open: malformed, sealed with another key, tampered with, expired, or
// from too far in the future. Telling them apart to a caller would help an
// attacker more than a user (Python's cryptography does the same).
var ErrInvalidToken = errors.New("fernet: invalid token")

const (
	version     = 0x80
	overhead    = 1 + 8 + aes.BlockSize + sha256.Size // version, time, IV, HMAC
	minTokenLen = overhead + aes.BlockSize            // one block of ciphertext at least
	// maxClockSkew is how far in the future a token's time may be, as
	// in Python's implementation.
	maxClockSkew = 60 * time.Second
)

// Key is a Fernet key: 16 bytes of HMAC-SHA256 signing key, then 16 of
// AES-128 encryption key.
type Key [32]byte

// GenerateKey returns a new random key.
func GenerateKey() (Key, error) {
	var k Key
	_, err := io.ReadFull(rand.Reader, k[:])
	return k, err
}

// ParseKey reads a key in URL-safe base64, the form Python's
// Fernet.generate_key writes (padding optional).
func ParseKey(s string) (Key, error) {
	var k Key
	b, err := base64.URLEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	}
	if err != nil || len(b) != len(k) {
		return k, errors.New("fernet: a key is 32 bytes in URL-safe base64")
	}
	copy(k[:], b)
	return k, nil
}

// String returns the key in URL-safe base64, as Python writes keys.
func (k Key) String() string { return base64.URLEncoding.EncodeToString(k[:]) }

// Keys are the keys of one purpose, newest first: Seal uses the first,
// Open accepts a token sealed with any of them.
type Keys []Key

// ParseKeys reads keys from text: one URL-safe base64 key per line, blank
// lines and lines starting with '#' skipped, newest first.
func ParseKeys(text string) (Keys, error) {
	var ks Keys
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := ParseKey(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		ks = append(ks, k)
	}
	if len(ks) == 0 {
		return nil, errors.New("fernet: no keys")
	}
	return ks, nil
}

// LoadKeys reads ParseKeys' format from a file.
func LoadKeys(path string) (Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ks, err := ParseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}

// Seal encrypts and signs plaintext with the first key, stamped with the
// current time, and returns the token in URL-safe base64.
func (ks Keys) Seal(plaintext []byte) ([]byte, error) {
	if len(ks) == 0 {
		return nil, errors.New("fernet: no keys")
	}
	var iv [aes.BlockSize]byte
	if _, err := io.ReadFull(rand.Reader, iv[:]); err != nil {
		return nil, err
	}
	return seal(ks[0], plaintext, time.Now(), iv), nil
}

// seal builds the token for a given time and IV (the spec's test vectors
// fix both).
func seal(k Key, plaintext []byte, now time.Time, iv [aes.BlockSize]byte) []byte {
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	raw := make([]byte, 0, overhead+len(plaintext)+pad)
	raw = append(raw, version)
	raw = binary.BigEndian.AppendUint64(raw, uint64(now.Unix()))
	raw = append(raw, iv[:]...)
	body := len(raw)
	raw = append(raw, plaintext...)
	for range pad {
		raw = append(raw, byte(pad))
	}
	block, _ := aes.NewCipher(k[16:]) // a 16-byte key cannot fail
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(raw[body:], raw[body:])
	mac := hmac.New(sha256.New, k[:16])
	mac.Write(raw)
	raw = mac.Sum(raw)
	out := make([]byte, base64.URLEncoding.EncodedLen(len(raw)))
	base64.URLEncoding.Encode(out, raw)
	return out
}

// Open checks and decrypts a token sealed with any of the keys. A ttl > 0
// also refuses tokens older than ttl; ttl <= 0 accepts any age. Tokens
// stamped more than a minute in the future are refused either way.
func (ks Keys) Open(token []byte, ttl time.Duration) ([]byte, error) {
	return ks.open(token, ttl, time.Now())
}

func (ks Keys) open(token []byte, ttl time.Duration, now time.Time) ([]byte, error) {
	if base64.URLEncoding.DecodedLen(len(token)) < minTokenLen {
		return nil, ErrInvalidToken
	}
	raw := make([]byte, base64.URLEncoding.DecodedLen(len(token)))
	n, err := base64.URLEncoding.Decode(raw, token)
	if err != nil {
		return nil, ErrInvalidToken
	}
	raw = raw[:n]
	if len(raw) < minTokenLen || raw[0] != version || (len(raw)-overhead)%aes.BlockSize != 0 {
		return nil, ErrInvalidToken
	}
	stamp := time.Unix(int64(binary.BigEndian.Uint64(raw[1:9])), 0)
	if stamp.After(now.Add(maxClockSkew)) || (ttl > 0 && now.Sub(stamp) > ttl) {
		return nil, ErrInvalidToken
	}
	signed, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	for _, k := range ks {
		mac := hmac.New(sha256.New, k[:16])
		mac.Write(signed)
		if !hmac.Equal(mac.Sum(nil), sum) {
			continue
		}
		return decrypt(k, signed)
	}
	return nil, ErrInvalidToken
}

// decrypt decrypts the ciphertext of an authenticated token and removes
// its padding.
func decrypt(k Key, signed []byte) ([]byte, error) {
	iv, ct := signed[9:9+aes.BlockSize], signed[9+aes.BlockSize:]
	plain := make([]byte, len(ct))
	block, _ := aes.NewCipher(k[16:])
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, ErrInvalidToken
	}
	var bad byte
	for _, b := range plain[len(plain)-pad:] {
		bad |= b ^ byte(pad)
	}
	if subtle.ConstantTimeByteEq(bad, 0) != 1 {
		return nil, ErrInvalidToken
	}
	return plain[:len(plain)-pad], nil
}

// SealStruct seals a Thrift value (a generated struct) in its binary
// encoding: for storage, queues and hops through intermediaries that
// terminate TLS.
func (ks Keys) SealStruct(s runtime.Struct) ([]byte, error) {
	b, err := runtime.Marshal(s)
	if err != nil {
		return nil, err
	}
	return ks.Seal(b)
}

// OpenStruct opens a token from SealStruct into s, decoding under lim (the
// zero Limits means the defaults): a valid token from a holder of the key
// is still decoded as untrusted input.
func (ks Keys) OpenStruct(token []byte, ttl time.Duration, s runtime.Struct, lim runtime.Limits) error {
	b, err := ks.Open(token, ttl)
	if err != nil {
		return err
	}
	return runtime.UnmarshalWithLimits(b, s, lim)
}
