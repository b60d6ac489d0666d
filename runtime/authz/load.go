package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxPolicySize bounds a policy file: a policy is a few rules, and a
// bigger file is a mistake, not a policy.
const MaxPolicySize = 1 << 20

// ParsePolicy reads a policy from JSON, the same shape as Policy:
//
//	{"services": {"Calculator": {
//	    "service": [{"trust_domains": ["example.org"]}],
//	    "methods": {"zip": [{"spiffe_ids": ["spiffe://example.org/admin"]}]}}}}
//
// Unknown fields are errors (a misspelt condition would otherwise be
// silently dropped, loosening the rule), and so is anything Compile
// refuses.
func ParsePolicy(data []byte) (Policy, error) {
	if len(data) > MaxPolicySize {
		return Policy{}, fmt.Errorf("authz: policy of %d bytes is larger than %d", len(data), MaxPolicySize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("authz: policy: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Policy{}, errors.New("authz: policy: data after the JSON object")
	}
	if p.Services == nil {
		return Policy{}, errors.New(`authz: policy: no "services"`)
	}
	if _, err := p.Compile(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// LoadPolicy reads a JSON policy file (see ParsePolicy).
func LoadPolicy(path string) (Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return Policy{}, fmt.Errorf("authz: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPolicySize+1))
	if err != nil {
		return Policy{}, fmt.Errorf("authz: %w", err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return Policy{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
