package main

import (
	"fmt"
	"io"
)

// runCerts is the `thriftsec-gen certs` subcommand.
func runCerts(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "thriftsec-gen: certs: not available in this build")
	return exitUsage
}
