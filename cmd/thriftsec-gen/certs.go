package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// runCerts is the `thriftsec-gen certs` subcommand: it writes a development
// CA, a server certificate and a client certificate as PEM files, ready for
// runtime.ServerTLSFromFiles and runtime.ClientTLSFromFiles.
//
// The CA's key is thrown away unless -ca-key is given, so by default nobody
// can mint further certificates that the dev CA vouches for. Keeping it
// (ca.key, mode 0600) allows -renew: new server and client certificates
// under the same CA, which a running server picks up from its files
// without a restart while clients that trust ca.pem keep working.
func runCerts(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("thriftsec-gen certs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dir       = fs.String("dir", "", "write the PEM files into `dir` (created if missing; required)")
		hosts     = fs.String("hosts", "127.0.0.1,::1,localhost", "comma-separated DNS names and IP addresses of the server `names`")
		clientURI = fs.String("client-uri", "", "URI SAN of the client certificate, e.g. spiffe://example.org/client (repeat with commas)")
		clientCN  = fs.String("client-cn", "thriftsec-dev-client", "common `name` of the client certificate")
		validity  = fs.Duration("validity", devcert.DefaultValidity, "how long the certificates are valid")
		caKey     = fs.Bool("ca-key", false, "also write ca.key, the CA's private key, so that -renew can reuse the CA")
		renew     = fs.Bool("renew", false, "reissue server and client certificates with the CA in dir (ca.pem and ca.key)")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: thriftsec-gen certs -dir DIR [-hosts 127.0.0.1,::1,localhost] [-client-uri spiffe://...] [-ca-key] [-renew]\n\n")
		fmt.Fprintf(stderr, "Writes ca.pem, server.pem, server.key, client.pem and client.key (keys mode 0600)\nfor development and tests. Not for production.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "thriftsec-gen: certs: %s\n", msg)
		fs.Usage()
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case *dir == "":
		return usage("-dir is required")
	case *validity <= 0:
		return usage("-validity must be positive")
	}
	opts := devcert.Options{
		Hosts:            splitList(*hosts),
		ClientCommonName: *clientCN,
		ClientURIs:       splitList(*clientURI),
		Validity:         *validity,
		WriteCAKey:       *caKey,
	}
	if len(opts.Hosts) == 0 {
		return usage("-hosts is empty")
	}
	if *renew {
		ca, err := loadCA(*dir, *validity)
		if err != nil {
			fmt.Fprintf(stderr, "thriftsec-gen: certs: -renew: %s\n", err)
			return exitFailure
		}
		opts.CA = ca
		opts.WriteCAKey = false // it is there already
	}
	written, err := devcert.WriteFiles(*dir, opts)
	for _, p := range written {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "thriftsec-gen: certs: %s\n", err)
		return exitFailure
	}
	return exitOK
}

// loadCA reads the CA that an earlier run with -ca-key left in dir.
func loadCA(dir string, validity time.Duration) (*devcert.CA, error) {
	cert, err := os.ReadFile(filepath.Join(dir, devcert.CAFile))
	if err != nil {
		return nil, err
	}
	key, err := os.ReadFile(filepath.Join(dir, devcert.CAKeyFile))
	if err != nil {
		return nil, fmt.Errorf("%w (write it with -ca-key when creating the CA)", err)
	}
	return devcert.LoadCA(cert, key, validity)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
