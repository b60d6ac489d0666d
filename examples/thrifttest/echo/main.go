// Command echo serves or calls the small Echo service of idl/echo.thrift,
// the cross test with thriftpy (which cannot parse Apache's
// ThriftTest.thrift).
//
//	echo server --port=N [--transport=buffered|framed] [--ssl [--require-client-cert]] [--keys=DIR] [--host=H]
//	echo client --port=N [--transport=buffered|framed] [--ssl [--client-cert]] [--keys=DIR] [--host=H]
//
// The server listens on 127.0.0.1 and ::1 unless --host is given, and stops
// (gracefully, within about a second) on SIGHUP, SIGINT or SIGTERM. The
// client makes each call once, prints PASS or FAIL per check and exits 0
// only if all pass. Keys are laid out like Apache's test/keys.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"reflect"
	"strconv"
	"syscall"
	"time"

	"github.com/thriftsec/thriftsec/examples/thrifttest/gen/echo"
	"github.com/thriftsec/thriftsec/examples/thrifttest/internal/crossflag"
	"github.com/thriftsec/thriftsec/runtime"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "server" && os.Args[1] != "client") {
		fmt.Fprintln(os.Stderr, "usage: echo server|client [options]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("echo "+os.Args[1], flag.ContinueOnError)
	var c crossflag.Common
	c.Register(fs, "")
	requireCert := fs.Bool("require-client-cert", false, "server: with --ssl, require a client certificate signed by CA.pem")
	clientCert := fs.Bool("client-cert", false, "client: with --ssl, present client.crt and client.key")
	if err := crossflag.Parse(fs, os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(2)
	}
	if err := c.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(2)
	}
	var code int
	if os.Args[1] == "server" {
		code = serve(&c, *requireCert)
	} else {
		code = call(&c, *clientCert)
	}
	os.Exit(code)
}

type handler struct{}

func (handler) Ping(ctx context.Context) (string, error) { return "pong", nil }

func (handler) Echo(ctx context.Context, msg *echo.Message) (*echo.Message, error) {
	if msg.GetText() == "fail" {
		return nil, &echo.EchoError{Code: 7, Reason: "fail"}
	}
	return msg, nil
}

func (handler) Add(ctx context.Context, a int32, b int64) (int64, error) { return int64(a) + b, nil }

func serve(c *crossflag.Common, requireCert bool) int {
	transport, _ := c.RuntimeTransport()
	srv := &runtime.Server{Handler: echo.NewEchoProcessor(handler{}), Transport: transport}
	if c.SSL {
		ca := ""
		if requireCert {
			ca = c.Key("CA.pem")
		}
		cfg, err := runtime.ServerTLSFromFiles(c.Key("server.crt"), c.Key("server.key"), ca)
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo server:", err)
			return 2
		}
		srv.TLSConfig = cfg
	} else {
		srv.Plaintext = true
	}
	hosts := []string{"127.0.0.1", "::1"}
	if c.Host != "" {
		hosts = []string{c.Host}
	}
	errs := make(chan error, len(hosts))
	n := 0
	for _, h := range hosts {
		ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(c.Port)))
		if err != nil {
			if h == "::1" && n > 0 {
				continue
			}
			fmt.Fprintln(os.Stderr, "echo server:", err)
			srv.Close()
			return 2
		}
		n++
		fmt.Fprintf(os.Stderr, "echo server: serving Echo on %s (%s, tls=%v, client certs required=%v)\n", ln.Addr(), transport, c.SSL, requireCert)
		go func() { errs <- srv.Serve(ln) }()
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	code := 0
	select {
	case <-sigs:
	case err := <-errs:
		fmt.Fprintln(os.Stderr, "echo server:", err)
		code = 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
	return code
}

func call(c *crossflag.Common, clientCert bool) int {
	transport, _ := c.RuntimeTransport()
	host := c.Host
	if host == "" {
		host = "localhost"
	}
	opts := []runtime.ClientOption{runtime.WithTransport(transport), runtime.WithDialTimeout(10 * time.Second)}
	if c.SSL {
		cert, key := "", ""
		if clientCert {
			cert, key = c.Key("client.crt"), c.Key("client.key")
		}
		cfg, err := runtime.ClientTLSFromFiles(cert, key, c.Key("CA.pem"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo client:", err)
			return 2
		}
		opts = append(opts, runtime.WithTLS(cfg))
	} else {
		opts = append(opts, runtime.WithPlaintext())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := runtime.Dial(ctx, net.JoinHostPort(host, strconv.Itoa(c.Port)), opts...)
	if err != nil {
		fmt.Printf("FAIL connect: %v\n", err)
		return 1
	}
	defer conn.Close()
	cl := echo.NewEchoClient(conn)

	failed := 0
	report := func(name string, err error) {
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, err)
		} else {
			fmt.Printf("PASS %s\n", name)
		}
	}
	pong, err := cl.Ping(ctx)
	if err == nil && pong != "pong" {
		err = fmt.Errorf("got %q, want \"pong\"", pong)
	}
	report("ping", err)

	msg := &echo.Message{Text: "héllo, thriftpy", Seq: -1 << 40, Tags: []string{"a", "", "ü"},
		Counts: map[string]int32{"x": 1, "y": -2}, Blob: []byte{0, 1, 2, 255}}
	got, err := cl.Echo(ctx, msg)
	if err == nil && !reflect.DeepEqual(got, msg) {
		err = fmt.Errorf("got %+v, want %+v", got, msg)
	}
	report("echo", err)

	_, err = cl.Echo(ctx, &echo.Message{Text: "fail"})
	var ee *echo.EchoError
	switch {
	case errors.As(err, &ee) && ee.Code == 7 && ee.Reason == "fail":
		err = nil
	case err == nil:
		err = errors.New("no error, want EchoError{7, fail}")
	default:
		err = fmt.Errorf("got %v, want EchoError{7, fail}", err)
	}
	report("echo/EchoError", err)

	sum, err := cl.Add(ctx, -5, 1<<40)
	if err == nil && sum != 1<<40-5 {
		err = fmt.Errorf("got %d, want %d", sum, int64(1<<40-5))
	}
	report("add", err)
	if failed > 0 {
		return 1
	}
	return 0
}
