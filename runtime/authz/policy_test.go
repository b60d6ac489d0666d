package authz

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thriftsec/thriftsec/runtime"
)

func peer(spiffe string, dns ...string) *runtime.Peer {
	p := &runtime.Peer{SPIFFEID: spiffe, DNSNames: dns}
	if spiffe != "" {
		u, _ := url.Parse(spiffe)
		p.URIs = []*url.URL{u}
	}
	return p
}

var testPolicy = Policy{Services: map[string]ServicePolicy{
	"Calculator": {
		Service: []Rule{
			{TrustDomains: []string{"example.org"}},
			{Scopes: []string{"calc"}},
		},
		Methods: map[string][]Rule{
			"zip":   {{SPIFFEIDs: []string{"spiffe://example.org/admin"}}},
			"ping":  {{Anyone: true}},
			"prod":  {{SPIFFEPathPrefixes: []string{"spiffe://example.org/ns/prod"}}},
			"dns":   {{DNSNames: []string{"Web.Example.org"}}},
			"sub":   {{Subjects: []string{"alice"}}},
			"role":  {{Roles: []string{"admin", "ops"}}},
			"both":  {{TrustDomains: []string{"example.org"}, Scopes: []string{"write"}}},
			"multi": {{Subjects: []string{"alice"}}, {Subjects: []string{"bob"}}},
		},
	},
	"Empty": {Methods: map[string][]Rule{"only": {{Anyone: true}}}},
}}

// TestPolicyDecisions: every allow, and every refusal, of the rule kinds.
func TestPolicyDecisions(t *testing.T) {
	c, err := testPolicy.Compile()
	if err != nil {
		t.Fatal(err)
	}
	alice := &Claims{Subject: "alice", Scopes: []string{"read", "write"}, Roles: []string{"ops"}}
	bob := &Claims{Subject: "bob"}
	calc := &Claims{Subject: "carol", Scopes: []string{"calc"}}
	admin := peer("spiffe://example.org/admin")
	web := peer("spiffe://example.org/web", "web.example.org")
	other := peer("spiffe://other.org/admin", "other.org")
	for _, tc := range []struct {
		service, method string
		p               *runtime.Peer
		c               *Claims
		allow           bool
	}{
		// Per-method: only the admin SPIFFE ID may zip.
		{"Calculator", "zip", admin, nil, true},
		{"Calculator", "zip", web, nil, false},
		{"Calculator", "zip", other, nil, false},
		{"Calculator", "zip", nil, alice, false},
		{"Calculator", "zip", &runtime.Peer{}, nil, false},
		// Multiplexed names use their own service part.
		{"", "Calculator:zip", admin, nil, true},
		{"Other", "Calculator:zip", web, nil, false},
		// Per-service rules for methods not named.
		{"Calculator", "add", web, nil, true},
		{"Calculator", "add", other, nil, false},
		{"Calculator", "add", nil, calc, true},
		{"Calculator", "add", nil, alice, false},
		{"Calculator", "add", nil, nil, false},
		// Anyone.
		{"Calculator", "ping", nil, nil, true},
		// Path prefix at segment boundaries, same trust domain only.
		{"Calculator", "prod", peer("spiffe://example.org/ns/prod"), nil, true},
		{"Calculator", "prod", peer("spiffe://example.org/ns/prod/web"), nil, true},
		{"Calculator", "prod", peer("spiffe://example.org/ns/production"), nil, false},
		{"Calculator", "prod", peer("spiffe://evil.org/ns/prod"), nil, false},
		{"Calculator", "prod", nil, nil, false},
		// DNS SAN, without regard to case.
		{"Calculator", "dns", web, nil, true},
		{"Calculator", "dns", other, nil, false},
		{"Calculator", "dns", nil, nil, false},
		// Subject, role; several rules are alternatives.
		{"Calculator", "sub", nil, alice, true},
		{"Calculator", "sub", nil, bob, false},
		{"Calculator", "sub", nil, &Claims{}, false},
		{"Calculator", "role", nil, alice, true},
		{"Calculator", "role", nil, bob, false},
		{"Calculator", "multi", nil, alice, true},
		{"Calculator", "multi", nil, bob, true},
		{"Calculator", "multi", nil, calc, false},
		// Conditions of one rule must all hold.
		{"Calculator", "both", web, alice, true},
		{"Calculator", "both", web, bob, false},
		{"Calculator", "both", other, alice, false},
		// Unknown services and methods are denied.
		{"Nope", "add", admin, alice, false},
		{"Empty", "other", admin, alice, false},
		{"Empty", "only", nil, nil, true},
	} {
		err := c.decide(tc.service, tc.method, tc.p, tc.c)
		if (err == nil) != tc.allow {
			t.Errorf("%s %s peer=%v claims=%v: got %v, want allow=%v", tc.service, tc.method, tc.p, tc.c, err, tc.allow)
		}
		if err != nil && !errors.Is(err, ErrPermissionDenied) {
			t.Errorf("%s %s: error %v does not wrap ErrPermissionDenied", tc.service, tc.method, err)
		}
	}
}

// TestPolicyCompileRefuses: rules that would mean something else than
// intended are errors.
func TestPolicyCompileRefuses(t *testing.T) {
	for name, r := range map[string]Rule{
		"empty rule":         {},
		"anyone and more":    {Anyone: true, Subjects: []string{"a"}},
		"empty value":        {Subjects: []string{""}},
		"bad spiffe":         {SPIFFEIDs: []string{"https://example.org/x"}},
		"spiffe no domain":   {SPIFFEIDs: []string{"spiffe:///x"}},
		"spiffe with port":   {SPIFFEIDs: []string{"spiffe://example.org:8/x"}},
		"bad prefix":         {SPIFFEPathPrefixes: []string{"example.org/ns"}},
		"trust domain a URI": {TrustDomains: []string{"spiffe://example.org"}},
	} {
		p := Policy{Services: map[string]ServicePolicy{"S": {Methods: map[string][]Rule{"m": {r}}}}}
		if _, err := p.Compile(); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
	for name, p := range map[string]Policy{
		"empty service":    {Services: map[string]ServicePolicy{"": {Service: []Rule{{Anyone: true}}}}},
		"method no rules":  {Services: map[string]ServicePolicy{"S": {Methods: map[string][]Rule{"m": {}}}}},
		"multiplexed name": {Services: map[string]ServicePolicy{"S": {Methods: map[string][]Rule{"S:m": {{Anyone: true}}}}}},
	} {
		if _, err := p.Compile(); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
}

// TestParsePolicy: the JSON form, and its refusals.
func TestParsePolicy(t *testing.T) {
	good := `{"services": {"Calculator": {
		"service": [{"trust_domains": ["example.org"]}],
		"methods": {"zip": [{"spiffe_ids": ["spiffe://example.org/admin"]}]}}}}`
	p, err := ParsePolicy([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Compile()
	if c.decide("Calculator", "zip", peer("spiffe://example.org/admin"), nil) != nil ||
		c.decide("Calculator", "zip", peer("spiffe://example.org/web"), nil) == nil ||
		c.decide("Calculator", "add", peer("spiffe://example.org/web"), nil) != nil {
		t.Fatal("parsed policy decides wrongly")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "p.json")
	os.WriteFile(f, []byte(good), 0o600)
	if _, err := LoadPolicy(f); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"misspelt field": `{"services": {"S": {"methods": {"m": [{"subject": ["a"]}]}}}}`,
		"no services":    `{}`,
		"trailing data":  `{"services": {}} {}`,
		"not json":       `services: {}`,
		"empty rule":     `{"services": {"S": {"service": [{}]}}}`,
		"too big":        `{"services": {}}` + strings.Repeat(" ", MaxPolicySize),
	} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := LoadPolicy(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file loaded")
	}
}

// TestInterceptorRefuses: a refused call runs no handler, gets a message
// that names no rule, and is logged at Warn, rate-limited.
func TestInterceptorRefuses(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	ic, err := testPolicy.Interceptor(logger)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	next := func(ctx context.Context, args runtime.Struct) (runtime.Struct, error) { ran++; return nil, nil }
	info := &runtime.CallInfo{Service: "Calculator", Method: "zip"}
	ctx := NewContext(context.Background(), &Claims{Subject: "alice"})
	for range 5 {
		_, err := ic(ctx, info, nil, next)
		var ae *runtime.ApplicationError
		if !errors.As(err, &ae) || ae.Message != "zip: permission denied" {
			t.Fatalf("refusal: %v", err)
		}
	}
	if ran != 0 {
		t.Fatalf("handler ran %d times", ran)
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d Warn lines for 5 refusals in a burst, want 1:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "subject=alice") {
		t.Fatalf("log lacks the subject: %s", buf.String())
	}
	if _, err := ic(context.Background(), &runtime.CallInfo{Service: "Calculator", Method: "ping"}, nil, next); err != nil || ran != 1 {
		t.Fatalf("allowed call: %v, ran %d", err, ran)
	}
}

// TestRefusalLoggerCountsSuppressed: after a quiet spell the next line
// says how many were not logged.
func TestRefusalLoggerCountsSuppressed(t *testing.T) {
	var buf bytes.Buffer
	r := NewRefusalLogger(slog.New(slog.NewTextHandler(&buf, nil)), 0)
	for range 4 {
		r.Warn("x")
	}
	r.mu.Lock()
	r.last = r.last.Add(-2 * DefaultRefusalLogInterval) // as if time passed
	r.mu.Unlock()
	r.Warn("x")
	if !strings.Contains(buf.String(), "suppressed=3") || strings.Count(buf.String(), "level=WARN") != 2 {
		t.Fatalf("log:\n%s", buf.String())
	}
}

func TestClaimsContext(t *testing.T) {
	if _, ok := FromContext(context.Background()); ok {
		t.Fatal("claims in an empty context")
	}
	c := &Claims{Subject: "a"}
	if got, ok := FromContext(NewContext(context.Background(), c)); !ok || got != c {
		t.Fatal("claims lost")
	}
	var none *Claims
	if none.HasScope("x") || none.HasRole("x") {
		t.Fatal("nil claims grant something")
	}
}
