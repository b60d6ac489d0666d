// Package jwt verifies JWT bearer tokens on a thriftsec server.
//
// A Verifier checks the token a call carries in its "authorization:
// Bearer <token>" header (runtime.WithBearerToken on the client) and puts
// the verified claims in the handler's context as *authz.Claims, where an
// authz.Policy and handlers read them:
//
//	v, err := jwt.NewVerifier(jwt.Config{
//		KeysFile: "/etc/myservice/jwks.json", // or PEM public keys
//		Issuer:   "https://issuer.example.org",
//		Audience: "calculator",
//	})
//	srv := &runtime.Server{Handler: p, Interceptors: []runtime.ServerInterceptor{v.Interceptor()}}
//
// The checks, all on by default: an explicit algorithm allowlist (RS256,
// ES256, EdDSA; "none" can never be allowed; HMAC only with a configured
// secret and never with a public key, so a token signed with HS256 using
// the RSA public key as the secret is refused); the key chosen by "kid";
// "exp" required and "exp"/"nbf"/"iat" checked with a small leeway; "iss"
// and "aud" when configured. Keys come from a JWKS or PEM file that is
// read again when it changes, so keys rotate without a restart.
//
// Signatures and JOSE parsing are go-jose's (github.com/go-jose/go-jose/v4):
// this package writes no cryptography of its own.
package jwt
