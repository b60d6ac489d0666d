package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/thriftsec/thriftsec/runtime"
)

// Policy says who may call what. Services maps an IDL service name to its
// rules; a call is allowed when at least one rule of its method allows
// the caller. Everything else is denied: a service or method the policy
// does not name, and a caller no rule matches.
//
//	p := authz.Policy{Services: map[string]authz.ServicePolicy{
//		"Calculator": {
//			Service: []authz.Rule{{TrustDomains: []string{"example.org"}}},
//			Methods: map[string][]authz.Rule{
//				"zip": {{SPIFFEIDs: []string{"spiffe://example.org/admin"}}},
//			},
//		},
//	}}
//	ic, err := p.Interceptor(logger)
type Policy struct {
	Services map[string]ServicePolicy `json:"services"`
}

// ServicePolicy holds the rules of one service.
type ServicePolicy struct {
	// Service rules apply to every method of the service that Methods
	// does not name.
	Service []Rule `json:"service,omitempty"`
	// Methods maps an IDL method name to its rules, which replace the
	// service rules for that method (so one method can be tighter, or
	// looser, than the rest).
	Methods map[string][]Rule `json:"methods,omitempty"`
}

// Rule allows a caller that meets every condition the rule sets; a
// condition listing several values is met by any one of them. The peer
// conditions look at the verified mutual-TLS client certificate
// (runtime.Peer), the claim conditions at the verified token (Claims): a
// caller without one meets none of them. A rule must set at least one
// condition, or Anyone.
type Rule struct {
	// SPIFFEIDs are exact SPIFFE IDs ("spiffe://example.org/admin").
	SPIFFEIDs []string `json:"spiffe_ids,omitempty"`
	// TrustDomains are SPIFFE trust domains ("example.org"): any
	// workload of the domain.
	TrustDomains []string `json:"trust_domains,omitempty"`
	// SPIFFEPathPrefixes are SPIFFE IDs that match themselves and every
	// ID below them, at path segment boundaries:
	// "spiffe://example.org/ns/prod" matches ".../ns/prod" and
	// ".../ns/prod/web", not ".../ns/production".
	SPIFFEPathPrefixes []string `json:"spiffe_path_prefixes,omitempty"`
	// DNSNames are DNS SANs of the client certificate, compared without
	// regard to case.
	DNSNames []string `json:"dns_names,omitempty"`
	// Subjects are token subjects ("sub").
	Subjects []string `json:"subjects,omitempty"`
	// Scopes: the token grants one of these scopes.
	Scopes []string `json:"scopes,omitempty"`
	// Roles: the token grants one of these roles.
	Roles []string `json:"roles,omitempty"`
	// Anyone allows every caller, authenticated or not; it cannot be
	// combined with conditions. Naming it keeps an empty rule from
	// meaning "allow all" by accident.
	Anyone bool `json:"anyone,omitempty"`
}

// ErrPermissionDenied is what Check returns for a call no rule allows.
var ErrPermissionDenied = errors.New("permission denied")

// Checker is a validated Policy, ready to decide calls.
type Checker struct {
	services map[string]*serviceRules
}

type serviceRules struct {
	service []rule
	methods map[string][]rule
}

// rule is a Rule with its SPIFFE values parsed.
type rule struct {
	Rule
	prefixes []*url.URL
}

// Compile validates p and returns its Checker.
func (p Policy) Compile() (*Checker, error) {
	c := &Checker{services: map[string]*serviceRules{}}
	for _, name := range sortedKeys(p.Services) {
		sp := p.Services[name]
		if name == "" {
			return nil, errors.New("authz: a service with an empty name")
		}
		sr := &serviceRules{methods: map[string][]rule{}}
		var err error
		if sr.service, err = compileRules(sp.Service); err != nil {
			return nil, fmt.Errorf("authz: service %s: %w", name, err)
		}
		for _, m := range sortedKeys(sp.Methods) {
			if m == "" || strings.Contains(m, runtime.MultiplexSeparator) {
				return nil, fmt.Errorf("authz: service %s: bad method name %q", name, m)
			}
			if len(sp.Methods[m]) == 0 {
				return nil, fmt.Errorf("authz: %s.%s: no rules (omit the method to deny it)", name, m)
			}
			if sr.methods[m], err = compileRules(sp.Methods[m]); err != nil {
				return nil, fmt.Errorf("authz: %s.%s: %w", name, m, err)
			}
		}
		c.services[name] = sr
	}
	return c, nil
}

func compileRules(rs []Rule) ([]rule, error) {
	out := make([]rule, 0, len(rs))
	for i, r := range rs {
		cr, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		out = append(out, cr)
	}
	return out, nil
}

func compileRule(r Rule) (rule, error) {
	lists := [][]string{r.SPIFFEIDs, r.TrustDomains, r.SPIFFEPathPrefixes, r.DNSNames, r.Subjects, r.Scopes, r.Roles}
	set := false
	for _, l := range lists {
		for _, v := range l {
			if v == "" {
				return rule{}, errors.New("an empty value")
			}
		}
		set = set || len(l) > 0
	}
	switch {
	case r.Anyone && set:
		return rule{}, errors.New("anyone cannot be combined with conditions")
	case !r.Anyone && !set:
		return rule{}, errors.New("no conditions; say anyone to allow every caller")
	}
	cr := rule{Rule: r}
	for _, id := range r.SPIFFEIDs {
		if _, err := parseSPIFFE(id); err != nil {
			return rule{}, err
		}
	}
	for _, td := range r.TrustDomains {
		if strings.ContainsAny(td, ":/") {
			return rule{}, fmt.Errorf("trust domain %q: give the bare domain, such as example.org", td)
		}
	}
	for _, p := range r.SPIFFEPathPrefixes {
		u, err := parseSPIFFE(p)
		if err != nil {
			return rule{}, err
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		cr.prefixes = append(cr.prefixes, u)
	}
	return cr, nil
}

func parseSPIFFE(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "spiffe" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Port() != "" {
		return nil, fmt.Errorf("%q is not a SPIFFE ID (spiffe://trust-domain/path)", s)
	}
	return u, nil
}

// Check returns nil if the policy allows a call of method (an IDL name,
// or "Service:method" as multiplexed calls travel) on service by the
// caller in ctx, and an error wrapping ErrPermissionDenied if not.
func (c *Checker) Check(ctx context.Context, service, method string) error {
	p, _ := runtime.PeerFromContext(ctx)
	cl, _ := FromContext(ctx)
	return c.decide(service, method, p, cl)
}

// decide is Check on the peer and claims of the call.
func (c *Checker) decide(service, method string, p *runtime.Peer, cl *Claims) error {
	if i := strings.Index(method, runtime.MultiplexSeparator); i >= 0 {
		service, method = method[:i], method[i+1:]
	}
	sr := c.services[service]
	if sr == nil {
		return fmt.Errorf("%w: service %q is not in the policy", ErrPermissionDenied, service)
	}
	rules, ok := sr.methods[method]
	if !ok {
		rules = sr.service
	}
	if len(rules) == 0 {
		return fmt.Errorf("%w: %s.%s is not in the policy", ErrPermissionDenied, service, method)
	}
	for i := range rules {
		if rules[i].allows(p, cl) {
			return nil
		}
	}
	return fmt.Errorf("%w: no rule of %s.%s allows the caller", ErrPermissionDenied, service, method)
}

// allows reports whether the caller meets every condition of r.
func (r *rule) allows(p *runtime.Peer, c *Claims) bool {
	if r.Anyone {
		return true
	}
	var id *url.URL
	if p != nil && p.SPIFFEID != "" {
		id, _ = url.Parse(p.SPIFFEID)
	}
	if len(r.SPIFFEIDs) > 0 && (id == nil || !slices.Contains(r.SPIFFEIDs, p.SPIFFEID)) {
		return false
	}
	if len(r.TrustDomains) > 0 && (id == nil || !slices.Contains(r.TrustDomains, id.Host)) {
		return false
	}
	if len(r.prefixes) > 0 && (id == nil || !slices.ContainsFunc(r.prefixes, func(pre *url.URL) bool {
		return id.Host == pre.Host && (id.Path == pre.Path || strings.HasPrefix(id.Path, pre.Path+"/"))
	})) {
		return false
	}
	if len(r.DNSNames) > 0 && (p == nil || !slices.ContainsFunc(r.DNSNames, func(n string) bool {
		return slices.ContainsFunc(p.DNSNames, func(have string) bool { return strings.EqualFold(n, have) })
	})) {
		return false
	}
	if len(r.Subjects) > 0 && (c == nil || c.Subject == "" || !slices.Contains(r.Subjects, c.Subject)) {
		return false
	}
	if len(r.Scopes) > 0 && !slices.ContainsFunc(r.Scopes, c.HasScope) {
		return false
	}
	if len(r.Roles) > 0 && !slices.ContainsFunc(r.Roles, c.HasRole) {
		return false
	}
	return true
}

// Interceptor compiles p and returns a server interceptor enforcing it:
// a call the policy does not allow runs no handler and gets an
// application exception saying only "permission denied" (which rule
// failed is the server's business, logged at Warn, rate-limited; a nil
// logger means slog.Default()). Put it after the authenticator (such as
// contrib/jwt's) in Server.Interceptors, so that claims are there to check.
func (p Policy) Interceptor(logger *slog.Logger) (runtime.ServerInterceptor, error) {
	c, err := p.Compile()
	if err != nil {
		return nil, err
	}
	return c.Interceptor(logger), nil
}

// Interceptor returns a server interceptor enforcing c (see
// Policy.Interceptor).
func (c *Checker) Interceptor(logger *slog.Logger) runtime.ServerInterceptor {
	log := NewRefusalLogger(logger, 0)
	return func(ctx context.Context, info *runtime.CallInfo, args runtime.Struct, next runtime.ServerHandler) (runtime.Struct, error) {
		if err := c.Check(ctx, info.Service, info.Method); err != nil {
			attrs := []any{"service", info.Service, "method", info.Method, "reason", err}
			if info.Peer != nil {
				if info.Peer.Addr != nil {
					attrs = append(attrs, "peer", info.Peer.Addr.String())
				}
				if info.Peer.SPIFFEID != "" {
					attrs = append(attrs, "spiffe_id", info.Peer.SPIFFEID)
				}
			}
			if cl, ok := FromContext(ctx); ok {
				attrs = append(attrs, "subject", cl.Subject)
			}
			log.Warn("authz: call refused", attrs...)
			return nil, runtime.NewApplicationError(runtime.ExceptionUnknown, "%s: permission denied", info.Method)
		}
		return next(ctx, args)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
