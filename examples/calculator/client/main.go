// Command client calls the example calculator over mutual TLS, presenting
// the client certificate from -certs, and checks every answer. With
// -token it also sends the JWT in that file as a bearer token with every
// call (over the Header transport, which carries it), for the server of
// contrib/jwt/examples/calculator.
//
//	go run ./examples/calculator/client -certs certs -addr 127.0.0.1:9090 [-token FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/thriftsec/thriftsec/examples/calculator/gen/calculator"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

func main() {
	var (
		addr  = flag.String("addr", "127.0.0.1:9090", "server address")
		certs = flag.String("certs", "certs", "directory written by `thriftsec-gen certs`")
		token = flag.String("token", "", "send the JWT in this file as a bearer token (Header transport)")
	)
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var opts []runtime.ClientOption
	if *token != "" {
		b, err := os.ReadFile(*token)
		if err != nil {
			fmt.Fprintln(os.Stderr, "client:", err)
			os.Exit(1)
		}
		opts = bearer(strings.TrimSpace(string(b)))
	}
	if err := run(ctx, *addr, *certs, os.Stdout, opts...); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// bearer is what sending token takes: a transport with headers, and the
// token on every call (Dial refuses it without TLS).
func bearer(token string) []runtime.ClientOption {
	return []runtime.ClientOption{runtime.WithTransport(runtime.Header), runtime.WithBearerToken(runtime.StaticToken(token))}
}

// run makes one call of every kind and returns an error at the first
// answer that is not the expected one.
func run(ctx context.Context, addr, certs string, out io.Writer, opts ...runtime.ClientOption) error {
	tlsConfig, err := runtime.ClientTLSFromFiles(
		filepath.Join(certs, devcert.ClientCertFile),
		filepath.Join(certs, devcert.ClientKeyFile),
		filepath.Join(certs, devcert.CAFile))
	if err != nil {
		return err
	}
	conn, err := runtime.Dial(ctx, addr, append([]runtime.ClientOption{runtime.WithTLS(tlsConfig)}, opts...)...)
	if err != nil {
		return err
	}
	defer conn.Close()
	c := calculator.NewCalculatorClient(conn)

	if err := c.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	fmt.Fprintln(out, "ping()")

	sum, err := c.Add(ctx, 1, 1)
	if err != nil || sum != 2 {
		return fmt.Errorf("add(1, 1) = %d, %v", sum, err)
	}
	fmt.Fprintf(out, "add(1, 1) = %d\n", sum)

	// A declared exception comes back as a Go error of the IDL's type.
	_, err = c.Calculate(ctx, 1, &calculator.Work{Op: calculator.Operation_DIVIDE, Num1: 1, Num2: 0})
	var bad *calculator.InvalidOperation
	if !errors.As(err, &bad) {
		return fmt.Errorf("calculate(1/0): err = %v, want InvalidOperation", err)
	}
	fmt.Fprintf(out, "calculate(1, 1/0): InvalidOperation: %s\n", bad.Why)

	diff, err := c.Calculate(ctx, 2, &calculator.Work{Op: calculator.Operation_SUBTRACT, Num1: 15, Num2: 10})
	if err != nil || diff != 5 {
		return fmt.Errorf("calculate(15-10) = %d, %v", diff, err)
	}
	fmt.Fprintf(out, "calculate(2, 15-10) = %d\n", diff)

	// A method of the parent service, in another Go package.
	logged, err := c.GetStruct(ctx, 2)
	if err != nil || logged.Value != "5" {
		return fmt.Errorf("getStruct(2) = %v, %v", logged, err)
	}
	fmt.Fprintf(out, "getStruct(2) = %v\n", logged)

	// The identity the server verified from our certificate.
	who, err := c.Whoami(ctx)
	if err != nil {
		return fmt.Errorf("whoami: %w", err)
	}
	fmt.Fprintf(out, "whoami() = %s\n", who)

	if err := c.Zip(ctx); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	fmt.Fprintln(out, "zip() (oneway)")
	return nil
}
