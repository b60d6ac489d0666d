// Command calculator is the example calculator server of
// examples/calculator with JWT bearer tokens: over mutual TLS, every call
// must also carry a valid token (verified with the keys of -jwt-keys), and,
// with -policy, be allowed by the policy. It is the same server
// (examples/calculator/serve) with one more interceptor; it lives in this
// module because the root module does not depend on a JOSE library.
//
//	devtoken keys -dir jwt
//	go run ./examples/calculator -certs certs -jwt-keys jwt/jwks.json -jwt-issuer demo -jwt-audience calculator \
//	    -policy ../../examples/calculator/policy.json
//	go run ../../examples/calculator/client -certs certs -token <(devtoken mint -dir jwt -iss demo -aud calculator -sub alice)
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/thriftsec/thriftsec/contrib/jwt"
	"github.com/thriftsec/thriftsec/examples/calculator/serve"
	"github.com/thriftsec/thriftsec/runtime"
)

func main() {
	var o serve.Options
	var cfg jwt.Config
	flag.StringVar(&o.Addr, "addr", "127.0.0.1:9090", "address to listen on (port 0 picks a free one)")
	flag.StringVar(&o.Certs, "certs", "certs", "directory written by `thriftsec-gen certs`")
	flag.StringVar(&o.AddrFile, "addr-file", "", "write the address actually listened on to this file (for scripts)")
	flag.StringVar(&o.Policy, "policy", "", "JSON authorization policy (runtime/authz): refuse the calls it does not allow")
	flag.StringVar(&cfg.KeysFile, "jwt-keys", "", "JWKS or PEM public keys that sign the tokens (reloaded when the file changes)")
	flag.StringVar(&cfg.Issuer, "jwt-issuer", "", `the tokens' "iss" must be this`)
	flag.StringVar(&cfg.Audience, "jwt-audience", "", `the tokens' "aud" must hold this`)
	flag.Parse()
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg.Logger = o.Logger
	if err := run(o, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "calculator:", err)
		os.Exit(1)
	}
}

func run(o serve.Options, cfg jwt.Config) error {
	v, err := jwt.NewVerifier(cfg)
	if err != nil {
		return err
	}
	o.Transport = runtime.Header // the transport that carries the token
	o.Authenticators = []runtime.ServerInterceptor{v.Interceptor()}
	return serve.Run(o)
}
