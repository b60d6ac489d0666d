// Command thriftsec-gen turns Apache Thrift IDL into Go: types, constants,
// and their binary-protocol codec, which call the
// github.com/thriftsec/thriftsec/runtime package.
//
// Usage:
//
//	thriftsec-gen [-out DIR] [-I DIR]... [-import-prefix PATH] FILE.thrift...
//
// Each .thrift file (and every file it includes) becomes one Go file in the
// package named by its `namespace go` (dotted parts become directories below
// DIR), or by its file name when it has none. The Go import path of DIR is
// taken from the nearest go.mod unless -import-prefix gives it.
//
// From a Go file:
//
//	//go:generate go run github.com/thriftsec/thriftsec/cmd/thriftsec-gen -out . api.thrift
//
// Errors name the IDL position, "thriftsec-gen: api.thrift:12:5: message",
// and exit with status 1; a wrong command line exits with status 2.
//
// Breaking changes between two versions of the IDL, positioned in the new
// one; wire-breaking changes exit 1, Go-API-only ones are warnings unless
// -strict:
//
//	thriftsec-gen breaking -against OLD_DIR_OR_FILE [-strict] [-I DIR]... NEW.thrift...
//
// Development certificates for TLS and mutual TLS:
//
//	thriftsec-gen certs -dir DIR [-hosts 127.0.0.1,::1,localhost] [-client-uri spiffe://...] [-ca-key] [-renew]
//
// writes ca.pem, server.pem, server.key, client.pem and client.key (and
// ca.key with -ca-key, which -renew needs to reissue under the same CA).
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
