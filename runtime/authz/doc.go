// Package authz decides which callers may call which methods.
//
// A Policy lists, per service and per method, the callers allowed: by the
// verified mutual-TLS peer (SPIFFE ID, trust domain, SPIFFE path prefix,
// DNS SAN; see runtime.Peer) and by the verified claims of a bearer token
// (subject, scope, role; see Claims, which an authenticator such as
// contrib/jwt puts in the context). Its Interceptor refuses every call no
// rule allows: once a policy is set the default is deny, and a method the
// policy does not name is denied.
//
// Claims are defined here, not in the JWT module, so that the root module
// (and a policy) needs no JWT dependency: any authenticator can fill them.
package authz
