package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// JWT bearer tokens (issue 11), both ways over THeader info headers and
// TLS: Apache's Python client with tokens made by Debian's python3-jwt
// against our testserver --jwt-keys, and our testclient --jwt-token against
// a Python THeader server that verifies with python3-jwt. Each refusal row
// also checks the server's own reason, so that, say, the expired token was
// refused for its expiry and not for something else.
//
// The Python programs are ours, in testdata/: jwt_tokens.py (keys, and the
// token of each case), jwt_client.py and jwt_server.py.

// Token issuer and audience; jwt_tokens.py has the same.
const (
	jwtIssuer   = "https://issuer.cross.test"
	jwtAudience = "thrifttest"
)

// jwtCase is one token and why each server refuses it ("" : served).
type jwtCase struct {
	name       string
	ours, pys  string // the reason our server / the Python server logs
	oursDetail string // for the table
}

var jwtCases = []jwtCase{
	{"valid", "", "", ""},
	{"no-token", "no bearer token", "no bearer token", "no token"},
	{"expired", "token expired", "ExpiredSignatureError", "expired"},
	{"wrong-audience", "wrong audience", "InvalidAudienceError", "wrong audience"},
	{"wrong-issuer", "wrong issuer", "InvalidIssuerError", "wrong issuer"},
	{"bad-signature", "bad signature", "InvalidSignatureError", "bad signature"},
	{"alg-none", `algorithm not allowed: \"none\"`, "InvalidAlgorithmError", "alg none"},
	{"hs256-public-key", `algorithm not allowed: \"HS256\"`, "InvalidAlgorithmError", "HS256 keyed with the RSA public key"},
	{"unknown-kid", "unknown signing key", "unknown kid", "unknown kid"},
}

func (e *env) jwtDir() string      { return filepath.Join(e.work, "jwt") }
func (e *env) jwtTestdata() string { return filepath.Join(e.interop, "cmd", "crosstest", "testdata") }

// prepareJWT makes the RSA keys and JWKS (python3-jwt and cryptography) and
// the token file of every case, for our client.
func (e *env) prepareJWT(ctx context.Context) error {
	tool := filepath.Join(e.jwtTestdata(), "jwt_tokens.py")
	if err := sh(ctx, e.work, python, tool, "setup", "--dir="+e.jwtDir()); err != nil {
		return fmt.Errorf("JWT keys (python3-jwt; `make deps` installs it): %w", err)
	}
	for _, c := range jwtCases {
		if c.name == "no-token" {
			continue
		}
		if err := sh(ctx, e.work, python, tool, "mint", "--dir="+e.jwtDir(), "--case="+c.name, "--out="+e.tokenFile(c.name)); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) tokenFile(c string) string { return filepath.Join(e.jwtDir(), c+".jwt") }

var refusedRE = regexp.MustCompile(`refused as expected: (.*)`)

func (e *env) jwtRows() []*row {
	var rows []*row
	ts := filepath.Join(e.bin, "testserver")
	tc := filepath.Join(e.bin, "testclient")
	keys := "--keys=" + e.keys
	jwtDir := "--jwt-dir=" + e.jwtDir()
	header := []string{"--port={port}", "--protocol=header", "--transport=buffered", "--ssl", keys}
	ourServer := append([]string{ts}, append(header,
		"--jwt-keys="+filepath.Join(e.jwtDir(), "jwks.json"), "--jwt-issuer="+jwtIssuer, "--jwt-audience="+jwtAudience)...)
	pyServer := []string{python, filepath.Join(e.jwtTestdata(), "jwt_server.py"), "--genpydir=" + filepath.Join(e.py, "gen-py"),
		"--host=127.0.0.1", "--port={port}", keys, jwtDir}
	for _, c := range jwtCases {
		sec := "TLS, JWT " + c.name
		pyClient := []string{python, filepath.Join(e.jwtTestdata(), "jwt_client.py"), "--genpydir=" + filepath.Join(e.py, "gen-py"),
			"--host=localhost", "--port={port}", keys, jwtDir, "--case=" + c.name}
		ourClient := []string{tc, "--host=127.0.0.1", "--port={port}", "--protocol=header", "--transport=buffered", "--ssl", keys,
			"--tests=testVoid,testString,testI32"}
		if c.name != "no-token" {
			ourClient = append(ourClient, "--jwt-token="+e.tokenFile(c.name))
		}
		in := &row{Peer: "Apache Python 0.17 + PyJWT 2.6 (jwt_client.py)", Direction: "Apache client → thriftsec server",
			Protocol: "header", Transport: "buffered", Security: sec, server: ourServer, ours: true, client: pyClient}
		out := &row{Peer: "Apache Python 0.17 + PyJWT 2.6 (jwt_server.py)", Direction: "thriftsec client → Apache server",
			Protocol: "header", Transport: "buffered", Security: sec, server: pyServer, client: ourClient}
		if c.ours == "" {
			in.want, in.okDetail = []string{"OK: 3 calls"}, "served: 3/3 calls"
			out.count = passLines
		} else {
			in.client = append(in.client, "--expect-refused")
			in.want, in.serverWant = []string{"refused as expected"}, []string{c.ours}
			in.count = func(out string) (string, bool) {
				m := refusedRE.FindStringSubmatch(out)
				return "refused (" + c.oursDetail + "): " + m[1], true
			}
			out.refused, out.want, out.serverWant = true, []string{"FAIL testVoid", "unauthenticated"}, []string{c.pys}
			out.okDetail = "refused (" + c.oursDetail + ")"
		}
		rows = append(rows, in, out)
	}
	return rows
}

// checkJWTTestdata fails early, with a clear message, if the Python
// programs are not where the rows look for them.
func (e *env) checkJWTTestdata() error {
	for _, f := range []string{"jwt_tokens.py", "jwt_client.py", "jwt_server.py"} {
		if _, err := os.Stat(filepath.Join(e.jwtTestdata(), f)); err != nil {
			return err
		}
	}
	return nil
}
