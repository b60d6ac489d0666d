package authz

import (
	"context"
	"slices"
)

// Claims are what an authenticator verified about the caller of one call,
// beyond the TLS peer: for a JWT, its registered claims and the scopes
// and roles it grants. A handler reads them with FromContext.
type Claims struct {
	// Subject is the "sub" claim: who the token was issued to.
	Subject string
	// Issuer is the "iss" claim.
	Issuer string
	// Audience is the "aud" claim.
	Audience []string
	// Scopes are the OAuth 2 scopes granted: the "scope" claim split at
	// spaces (RFC 8693), or the "scp" claim.
	Scopes []string
	// Roles are the "roles" claim.
	Roles []string
	// Raw holds every claim as decoded from JSON, for handlers that need
	// others. It must not be modified.
	Raw map[string]any
}

// HasScope reports whether scope is among c's scopes.
func (c *Claims) HasScope(scope string) bool { return c != nil && slices.Contains(c.Scopes, scope) }

// HasRole reports whether role is among c's roles.
func (c *Claims) HasRole(role string) bool { return c != nil && slices.Contains(c.Roles, role) }

type claimsKey struct{}

// NewContext returns ctx carrying c. Authenticators call it once they have
// verified c; nothing else should.
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// FromContext returns the verified claims of the call being handled, if
// an authenticator ran before the handler.
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}
