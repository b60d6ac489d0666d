// Command server serves the example calculator over mutual TLS: only
// clients with a certificate from the CA in -certs are served, and, with
// -policy, only the calls the policy allows them.
//
//	thriftsec-gen certs -dir certs -client-uri spiffe://example.org/calculator-client
//	go run ./examples/calculator/server -certs certs -addr 127.0.0.1:9090 [-policy examples/calculator/policy.json]
//
// SIGINT or SIGTERM shut it down gracefully: calls in flight finish. The
// same server with JWT bearer tokens is contrib/jwt/examples/calculator.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/thriftsec/thriftsec/examples/calculator/serve"
)

func main() {
	var o serve.Options
	flag.StringVar(&o.Addr, "addr", "127.0.0.1:9090", "address to listen on (port 0 picks a free one)")
	flag.StringVar(&o.Certs, "certs", "certs", "directory written by `thriftsec-gen certs`")
	flag.StringVar(&o.AddrFile, "addr-file", "", "write the address actually listened on to this file (for scripts)")
	flag.StringVar(&o.Policy, "policy", "", "JSON authorization policy (runtime/authz): refuse the calls it does not allow")
	flag.Parse()
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := serve.Run(o); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
