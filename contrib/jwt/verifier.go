package jwt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/authz"
)

// Why a token was refused; errors from Verify wrap one of these.
var (
	ErrNoToken        = errors.New("no bearer token")
	ErrMalformed      = errors.New("malformed token")
	ErrAlgorithm      = errors.New("algorithm not allowed")
	ErrUnknownKey     = errors.New("unknown signing key")
	ErrSignature      = errors.New("bad signature")
	ErrExpired        = errors.New("token expired")
	ErrNoExpiry       = errors.New(`token has no "exp"`)
	ErrNotYetValid    = errors.New("token not valid yet")
	ErrWrongIssuer    = errors.New("wrong issuer")
	ErrWrongAudience  = errors.New("wrong audience")
	ErrIssuedInFuture = errors.New("token issued in the future")
)

// Defaults of Config.
const (
	// DefaultLeeway absorbs clock skew between issuer and server: small,
	// since it extends every token's life.
	DefaultLeeway = 30 * time.Second
	// DefaultReloadInterval is how often the keys file is checked.
	DefaultReloadInterval = time.Second
	// MaxTokenSize bounds a token: larger ones are refused before any
	// parsing (a JWT with a few claims is well under 2 KiB).
	MaxTokenSize = 16 << 10
	// MinSecretSize is the least HMAC secret accepted (RFC 7518 3.2: a
	// key at least as long as the hash).
	MinSecretSize = 32
)

// DefaultAlgorithms are the signature algorithms allowed when
// Config.Algorithms is empty (with HS256 added when a Secret is set).
var DefaultAlgorithms = []string{"RS256", "ES256", "EdDSA"}

// Config configures a Verifier. KeysFile, Secret or both must be set.
type Config struct {
	// KeysFile is a JWKS (a JSON object with "keys") or PEM public keys
	// and certificates. It is read again, at most every ReloadInterval,
	// when a call arrives; when its contents change the new keys are
	// used at once. A file that no longer parses keeps the previous keys
	// in use (logged at Error, once per content).
	KeysFile string
	// Secret enables HMAC tokens (HS256, and HS384/HS512 if listed in
	// Algorithms), verified with this secret only; at least
	// MinSecretSize bytes.
	Secret []byte
	// Algorithms is the allowlist of "alg" values; empty means
	// DefaultAlgorithms (plus HS256 with a Secret). "none" is refused,
	// and HMAC algorithms need a Secret.
	Algorithms []string
	// Issuer, when set, must equal the token's "iss".
	Issuer string
	// Audience, when set, must be among the token's "aud".
	Audience string
	// Leeway is the clock skew allowed on "exp", "nbf" and "iat": 0
	// means DefaultLeeway, negative means none.
	Leeway time.Duration
	// AllowNoExpiry accepts tokens without "exp", which never expire.
	AllowNoExpiry bool
	// ReloadInterval: 0 means DefaultReloadInterval.
	ReloadInterval time.Duration
	// Logger gets refusals (Warn, rate-limited) and reload failures; nil
	// means slog.Default().
	Logger *slog.Logger
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	algs   []jose.SignatureAlgorithm
	leeway time.Duration
	log    *authz.RefusalLogger
	now    func() time.Time

	mu         sync.Mutex
	keys       keySet
	raw        []byte
	checked    time.Time
	failedHash [sha256.Size]byte
}

// NewVerifier checks cfg and loads the keys file.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.KeysFile == "" && len(cfg.Secret) == 0 {
		return nil, errors.New("jwt: Config needs KeysFile or Secret")
	}
	if len(cfg.Secret) > 0 && len(cfg.Secret) < MinSecretSize {
		return nil, fmt.Errorf("jwt: a Secret of %d bytes is too short; at least %d", len(cfg.Secret), MinSecretSize)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReloadInterval <= 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	v := &Verifier{cfg: cfg, log: authz.NewRefusalLogger(cfg.Logger, 0), now: time.Now}
	switch {
	case cfg.Leeway == 0:
		v.leeway = DefaultLeeway
	case cfg.Leeway > 0:
		v.leeway = cfg.Leeway
	}
	names := cfg.Algorithms
	if len(names) == 0 {
		if cfg.KeysFile != "" {
			names = DefaultAlgorithms
		}
		if len(cfg.Secret) > 0 {
			names = append(slices.Clip(names), "HS256")
		}
	}
	for _, a := range names {
		switch fam := familyOf(a); {
		case strings.EqualFold(a, "none"):
			return nil, errors.New(`jwt: algorithm "none" is never allowed`)
		case fam == famNone:
			return nil, fmt.Errorf("jwt: unknown algorithm %q", a)
		case fam == famHMAC && len(cfg.Secret) == 0:
			return nil, fmt.Errorf("jwt: algorithm %s needs a Secret", a)
		case fam != famHMAC && cfg.KeysFile == "":
			return nil, fmt.Errorf("jwt: algorithm %s needs a KeysFile", a)
		}
		v.algs = append(v.algs, jose.SignatureAlgorithm(a))
	}
	if cfg.KeysFile != "" {
		if err := v.load(); err != nil {
			return nil, err
		}
	}
	v.checked = v.now()
	return v, nil
}

// load reads the keys file and, if it changed, parses it. Called with mu
// held (or before v is shared).
func (v *Verifier) load() error {
	f, err := os.Open(v.cfg.KeysFile)
	if err != nil {
		return v.failed(nil, fmt.Errorf("jwt: %w", err))
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxKeysFileSize+1))
	f.Close()
	if err != nil {
		return v.failed(nil, fmt.Errorf("jwt: %w", err))
	}
	if v.keys != nil && bytes.Equal(data, v.raw) {
		return nil
	}
	ks, err := parseKeys(data)
	if err != nil {
		return v.failed(data, fmt.Errorf("jwt: %s: %w", v.cfg.KeysFile, err))
	}
	reloaded := v.keys != nil
	v.keys, v.raw = ks, data
	if reloaded {
		v.cfg.Logger.Info("jwt: keys reloaded", "file", v.cfg.KeysFile, "keys", len(ks))
	}
	v.failedHash = [sha256.Size]byte{}
	return nil
}

// failed logs err once per content of the file (after the first load) and
// returns it.
func (v *Verifier) failed(data []byte, err error) error {
	if v.keys == nil {
		return err
	}
	h := sha256.New()
	h.Write(data)
	h.Write([]byte(err.Error()))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	if sum != v.failedHash {
		v.failedHash = sum
		v.cfg.Logger.Error("jwt: keys reload failed; still using the previous keys", "file", v.cfg.KeysFile, "error", err)
	}
	return err
}

// currentKeys returns the keys, reloading the file if the interval passed.
func (v *Verifier) currentKeys() keySet {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cfg.KeysFile != "" {
		if now := v.now(); now.Sub(v.checked) >= v.cfg.ReloadInterval {
			v.checked = now
			v.load()
		}
	}
	return v.keys
}

// extraClaims are the non-registered claims Claims carries in fields.
type extraClaims struct {
	Scope any `json:"scope"`
	Scp   any `json:"scp"`
	Roles any `json:"roles"`
}

// Verify checks token and returns its claims, or an error wrapping one of
// the Err values saying why it was refused.
func (v *Verifier) Verify(token string) (*authz.Claims, error) {
	if token == "" {
		return nil, ErrNoToken
	}
	if len(token) > MaxTokenSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(token), MaxTokenSize)
	}
	if strings.Count(token, ".") != 2 {
		return nil, fmt.Errorf("%w: not a signed JWT in compact form", ErrMalformed)
	}
	tok, err := josejwt.ParseSigned(token, v.algs)
	if err != nil {
		if ua, ok := errors.AsType[*jose.ErrUnexpectedSignatureAlgorithm](err); ok {
			return nil, fmt.Errorf("%w: %q", ErrAlgorithm, ua.Got)
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(tok.Headers) != 1 {
		return nil, fmt.Errorf("%w: %d signatures", ErrMalformed, len(tok.Headers))
	}
	hdr := tok.Headers[0]
	if !slices.Contains(v.algs, jose.SignatureAlgorithm(hdr.Algorithm)) {
		return nil, fmt.Errorf("%w: %q", ErrAlgorithm, hdr.Algorithm)
	}
	var key any
	if familyOf(hdr.Algorithm) == famHMAC {
		// Only ever the configured secret: never bytes of a public key.
		key = v.cfg.Secret
	} else if key, err = v.currentKeys().find(hdr.Algorithm, hdr.KeyID); err != nil {
		return nil, err
	}
	var std josejwt.Claims
	var extra extraClaims
	raw := map[string]any{}
	if err := tok.Claims(key, &std, &extra, &raw); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return nil, ErrSignature
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if std.Expiry == nil && !v.cfg.AllowNoExpiry {
		return nil, ErrNoExpiry
	}
	exp := josejwt.Expected{Issuer: v.cfg.Issuer, Time: v.now()}
	if v.cfg.Audience != "" {
		exp.AnyAudience = josejwt.Audience{v.cfg.Audience}
	}
	switch err := std.ValidateWithLeeway(exp, v.leeway); {
	case err == nil:
	case errors.Is(err, josejwt.ErrExpired):
		return nil, ErrExpired
	case errors.Is(err, josejwt.ErrNotValidYet):
		return nil, ErrNotYetValid
	case errors.Is(err, josejwt.ErrIssuedInTheFuture):
		return nil, ErrIssuedInFuture
	case errors.Is(err, josejwt.ErrInvalidIssuer):
		return nil, ErrWrongIssuer
	case errors.Is(err, josejwt.ErrInvalidAudience):
		return nil, ErrWrongAudience
	default:
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	c := &authz.Claims{Subject: std.Subject, Issuer: std.Issuer, Audience: std.Audience, Raw: raw}
	if s, ok := extra.Scope.(string); ok {
		c.Scopes = strings.Fields(s)
	}
	c.Scopes = append(c.Scopes, stringList(extra.Scp)...)
	c.Roles = stringList(extra.Roles)
	return c, nil
}

// stringList reads a claim that is a string or a list of strings.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil
		}
		return strings.Fields(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Interceptor returns a server interceptor that lets a call through only
// with a valid bearer token, putting its claims in the context
// (authz.FromContext). A refused call runs no handler and gets an
// application exception saying only that the token is missing or not
// valid; why is logged at Warn, rate-limited.
func (v *Verifier) Interceptor() runtime.ServerInterceptor {
	return func(ctx context.Context, info *runtime.CallInfo, args runtime.Struct, next runtime.ServerHandler) (runtime.Struct, error) {
		token, ok := runtime.BearerToken(ctx)
		if !ok {
			v.refused(info, ErrNoToken)
			return nil, runtime.NewApplicationError(runtime.ExceptionUnknown, "%s: unauthenticated: no bearer token", info.Method)
		}
		c, err := v.Verify(token)
		if err != nil {
			v.refused(info, err)
			return nil, runtime.NewApplicationError(runtime.ExceptionUnknown, "%s: unauthenticated: invalid bearer token", info.Method)
		}
		return next(authz.NewContext(ctx, c), args)
	}
}

func (v *Verifier) refused(info *runtime.CallInfo, err error) {
	attrs := []any{"service", info.Service, "method", info.Method, "reason", err}
	if info.Peer != nil && info.Peer.Addr != nil {
		attrs = append(attrs, "peer", info.Peer.Addr.String())
	}
	v.log.Warn("jwt: call refused", attrs...)
}
