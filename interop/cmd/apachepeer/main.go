// Command apachepeer is Apache Thrift Go 0.17's side of the cross tests:
// a ThriftTest server and client built only from Apache's library and the
// code Apache's compiler generates (gen/apache/thrifttest, made by
// `make gen`), so that thriftsec's testserver and testclient are checked
// against the reference Go implementation.
//
//	apachepeer server --port=N --transport=buffered|framed [--ssl [--require-client-cert]] [--keys=DIR]
//	apachepeer client --port=N --transport=buffered|framed [--ssl [--client-cert]] [--keys=DIR] [--host=H]
//
// --transport=http serves NewThriftHandlerFunc in an http.Server (HTTPS
// with --ssl) and calls through THttpClient (see http.go), and --zlib (or
// --transport=zlib) is Apache's TZlibTransport over the socket.
//
// The server is a TSimpleServer on a TServerSocket or TSSLServerSocket at
// 127.0.0.1 (TLS 1.2 floor, since Apache's own floor is TLS 1.0) and exits
// within a second on SIGHUP, SIGINT or SIGTERM. The client verifies the
// server against DIR/CA.pem, runs its checks, prints PASS or FAIL for each
// and exits 0 only if all pass.
package main

import (
	"compress/zlib"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	tt "github.com/thriftsec/thriftsec/interop/gen/apache/thrifttest"
)

type options struct {
	host, transport, protocol, keys string
	port                            int
	ssl, requireCert, clientCert    bool
	zlib                            bool
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "server" && os.Args[1] != "client") {
		fmt.Fprintln(os.Stderr, "usage: apachepeer server|client [options]")
		os.Exit(2)
	}
	var o options
	fs := flag.NewFlagSet("apachepeer "+os.Args[1], flag.ExitOnError)
	fs.StringVar(&o.host, "host", "127.0.0.1", "host")
	fs.IntVar(&o.port, "port", 9090, "port")
	fs.StringVar(&o.transport, "transport", "buffered", "buffered, framed or http (see http.go)")
	fs.StringVar(&o.protocol, "protocol", "binary", "binary, compact, json, header (THeader, binary inside); multi, multic, multij: multiplexed with SecondService")
	fs.BoolVar(&o.ssl, "ssl", false, "use TLS")
	fs.StringVar(&o.keys, "keys", "keys", "directory laid out like Apache's test/keys")
	fs.BoolVar(&o.requireCert, "require-client-cert", false, "server: require client certificates signed by CA.pem")
	fs.BoolVar(&o.clientCert, "client-cert", false, "client: present client.crt and client.key")
	fs.BoolVar(&o.zlib, "zlib", false, "TZlibTransport straight over the socket, as Apache's Go test programs do for --transport=zlib (buffered only)")
	fs.Parse(os.Args[2:])
	if o.transport == "zlib" {
		o.transport, o.zlib = "buffered", true
	}
	if o.zlib && o.transport != "buffered" {
		fmt.Fprintln(os.Stderr, "apachepeer: --zlib is over the plain socket only (Apache's Go test programs have no framed zlib)")
		os.Exit(2)
	}
	switch o.protocol {
	case "binary", "compact", "json", "header", "multi", "multic", "multij":
	default:
		fmt.Fprintln(os.Stderr, "apachepeer: protocol binary, compact, json, header, multi, multic or multij only")
		os.Exit(2)
	}
	if o.transport != "buffered" && o.transport != "framed" && o.transport != "http" {
		fmt.Fprintln(os.Stderr, "apachepeer: buffered, framed or http transport only")
		os.Exit(2)
	}
	var err error
	if os.Args[1] == "server" {
		err = serve(&o)
	} else {
		err = runClient(&o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apachepeer:", err)
		os.Exit(1)
	}
}

func (o *options) key(name string) string { return filepath.Join(o.keys, name) }

func (o *options) caPool() (*x509.CertPool, error) {
	pem, err := os.ReadFile(o.key("CA.pem"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificates in %s", o.key("CA.pem"))
	}
	return pool, nil
}

func (o *options) conf() *thrift.TConfiguration {
	return &thrift.TConfiguration{ConnectTimeout: 10 * time.Second, SocketTimeout: 30 * time.Second}
}

func (o *options) transportFactory(conf *thrift.TConfiguration) thrift.TTransportFactory {
	if o.transport == "http" {
		return thrift.NewTTransportFactory() // the THttpClient as it is
	}
	if o.zlib {
		return thrift.NewTZlibTransportFactory(zlib.BestCompression)
	}
	if o.transport == "framed" {
		return thrift.NewTFramedTransportFactoryConf(thrift.NewTTransportFactory(), conf)
	}
	return thrift.NewTBufferedTransportFactory(8192)
}

func serve(o *options) error {
	if o.transport == "http" {
		return serveHTTP(o)
	}
	addr := net.JoinHostPort(o.host, strconv.Itoa(o.port))
	var sock thrift.TServerTransport
	var err error
	if o.ssl {
		cert, err := tls.LoadX509KeyPair(o.key("server.crt"), o.key("server.key"))
		if err != nil {
			return err
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if o.requireCert {
			pool, err := o.caPool()
			if err != nil {
				return err
			}
			cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, pool
		}
		sock, err = thrift.NewTSSLServerSocket(addr, cfg)
		if err != nil {
			return err
		}
	} else if sock, err = thrift.NewTServerSocket(addr); err != nil {
		return err
	}
	conf := o.conf()
	thrift.ServerStopTimeout = 500 * time.Millisecond
	proc := o.processor()
	srv := thrift.NewTSimpleServer4(proc, sock, o.transportFactory(conf), o.protocolFactory(conf))
	if err := srv.Listen(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "apachepeer: Apache Thrift Go 0.17 serving ThriftTest on %s (%s, tls=%v, client certs required=%v)\n",
		addr, o.transport, o.ssl, o.requireCert)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve() }()
	select {
	case <-sigs:
	case err := <-errs:
		return err
	}
	// Stop waits for connections (up to ServerStopTimeout); exit
	// regardless soon after.
	stopped := make(chan struct{})
	go func() { srv.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(time.Second):
	}
	return nil
}

// processor is ThriftTest's, or with --protocol=multi* ThriftTest and
// SecondService multiplexed, ThriftTest also the default.
func (o *options) processor() thrift.TProcessor {
	var proc thrift.TProcessor = tt.NewThriftTestProcessor(handler{})
	if o.multiplexed() {
		mp := thrift.NewTMultiplexedProcessor()
		mp.RegisterDefault(proc)
		mp.RegisterProcessor("ThriftTest", proc)
		mp.RegisterProcessor("SecondService", tt.NewSecondServiceProcessor(secondHandler{}))
		proc = mp
	}
	return proc
}

// handler implements ThriftTest as Apache's test servers do.
type handler struct{}

func (handler) TestVoid(ctx context.Context) error                               { return nil }
func (handler) TestString(ctx context.Context, v string) (string, error)         { return v, nil }
func (handler) TestBool(ctx context.Context, v bool) (bool, error)               { return v, nil }
func (handler) TestByte(ctx context.Context, v int8) (int8, error)               { return v, nil }
func (handler) TestI32(ctx context.Context, v int32) (int32, error)              { return v, nil }
func (handler) TestI64(ctx context.Context, v int64) (int64, error)              { return v, nil }
func (handler) TestDouble(ctx context.Context, v float64) (float64, error)       { return v, nil }
func (handler) TestBinary(ctx context.Context, v []byte) ([]byte, error)         { return v, nil }
func (handler) TestStruct(ctx context.Context, v *tt.Xtruct) (*tt.Xtruct, error) { return v, nil }
func (handler) TestNest(ctx context.Context, v *tt.Xtruct2) (*tt.Xtruct2, error) { return v, nil }
func (handler) TestMap(ctx context.Context, v map[int32]int32) (map[int32]int32, error) {
	return v, nil
}
func (handler) TestStringMap(ctx context.Context, v map[string]string) (map[string]string, error) {
	return v, nil
}
func (handler) TestSet(ctx context.Context, v []int32) ([]int32, error)         { return v, nil }
func (handler) TestList(ctx context.Context, v []int32) ([]int32, error)        { return v, nil }
func (handler) TestEnum(ctx context.Context, v tt.Numberz) (tt.Numberz, error)  { return v, nil }
func (handler) TestTypedef(ctx context.Context, v tt.UserId) (tt.UserId, error) { return v, nil }

func (handler) TestMapMap(ctx context.Context, hello int32) (map[int32]map[int32]int32, error) {
	return map[int32]map[int32]int32{
		-4: {-4: -4, -3: -3, -2: -2, -1: -1},
		4:  {1: 1, 2: 2, 3: 3, 4: 4},
	}, nil
}

func (handler) TestInsanity(ctx context.Context, arg *tt.Insanity) (map[tt.UserId]map[tt.Numberz]*tt.Insanity, error) {
	return map[tt.UserId]map[tt.Numberz]*tt.Insanity{
		1: {tt.Numberz_TWO: arg, tt.Numberz_THREE: arg},
		2: {tt.Numberz_SIX: tt.NewInsanity()},
	}, nil
}

func (handler) TestMulti(ctx context.Context, a0 int8, a1 int32, a2 int64, a3 map[int16]string, a4 tt.Numberz, a5 tt.UserId) (*tt.Xtruct, error) {
	return &tt.Xtruct{StringThing: "Hello2", ByteThing: a0, I32Thing: a1, I64Thing: a2}, nil
}

func (handler) TestException(ctx context.Context, arg string) error {
	switch arg {
	case "Xception":
		return &tt.Xception{ErrorCode: 1001, Message: arg}
	case "TException":
		return thrift.NewTApplicationException(thrift.INTERNAL_ERROR, "This is a TException")
	}
	return nil
}

func (handler) TestMultiException(ctx context.Context, arg0, arg1 string) (*tt.Xtruct, error) {
	switch arg0 {
	case "Xception":
		return nil, &tt.Xception{ErrorCode: 1001, Message: "This is an Xception"}
	case "Xception2":
		return nil, &tt.Xception2{ErrorCode: 2002, StructThing: &tt.Xtruct{StringThing: "This is an Xception2"}}
	}
	return &tt.Xtruct{StringThing: arg1}, nil
}

func (handler) TestOneway(ctx context.Context, seconds int32) error {
	time.Sleep(time.Duration(seconds) * time.Second)
	return nil
}

func runClient(o *options) error {
	conf := o.conf()
	addr := net.JoinHostPort(o.host, strconv.Itoa(o.port))
	var sock thrift.TTransport
	if o.transport == "http" {
		var err error
		if sock, err = o.httpClient(conf); err != nil {
			return err
		}
	} else if o.ssl {
		pool, err := o.caPool()
		if err != nil {
			return err
		}
		cfg := &tls.Config{RootCAs: pool, ServerName: o.host, MinVersion: tls.VersionTLS12}
		if o.clientCert {
			cert, err := tls.LoadX509KeyPair(o.key("client.crt"), o.key("client.key"))
			if err != nil {
				return err
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		conf.TLSConfig = cfg
		sock = thrift.NewTSSLSocketConf(addr, conf)
	} else {
		sock = thrift.NewTSocketConf(addr, conf)
	}
	trans, err := o.transportFactory(conf).GetTransport(sock)
	if err != nil {
		return err
	}
	if err := trans.Open(); err != nil {
		fmt.Printf("FAIL connect: %v\n", err)
		return errors.New("could not connect")
	}
	defer trans.Close()
	var c *tt.ThriftTestClient
	var second *tt.SecondServiceClient
	if o.multiplexed() {
		p := o.protocolFactory(conf).GetProtocol(trans)
		mp := thrift.NewTMultiplexedProtocol(p, "ThriftTest")
		c = tt.NewThriftTestClient(thrift.NewTStandardClient(mp, mp))
		sp := thrift.NewTMultiplexedProtocol(p, "SecondService")
		second = tt.NewSecondServiceClient(thrift.NewTStandardClient(sp, sp))
	} else {
		c = tt.NewThriftTestClientFactory(trans, o.protocolFactory(conf))
	}
	ctx := context.Background()

	failed := 0
	check := func(name string, err error) {
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, err)
		} else {
			fmt.Printf("PASS %s\n", name)
		}
	}
	eq := func(got any, err error, want any) error {
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("got %+v, want %+v", got, want)
		}
		return nil
	}

	check("testVoid", c.TestVoid(ctx))
	s := "thriftsec ✓ パイソン \x00\n"
	r1, err := c.TestString(ctx, s)
	check("testString", eq(r1, err, s))
	r2, err := c.TestBool(ctx, true)
	check("testBool", eq(r2, err, true))
	r3, err := c.TestByte(ctx, -128)
	check("testByte", eq(r3, err, int8(-128)))
	r4, err := c.TestI32(ctx, -1<<31)
	check("testI32", eq(r4, err, int32(-1<<31)))
	r5, err := c.TestI64(ctx, -34359738368)
	check("testI64", eq(r5, err, int64(-34359738368)))
	r6, err := c.TestDouble(ctx, -5.235098235)
	check("testDouble", eq(r6, err, -5.235098235))
	bin := []byte{0, 1, 2, 0x7f, 0x80, 0xff}
	r7, err := c.TestBinary(ctx, bin)
	check("testBinary", eq(r7, err, bin))
	x := &tt.Xtruct{StringThing: "Zero", ByteThing: 1, I32Thing: -3, I64Thing: -5}
	r8, err := c.TestStruct(ctx, x)
	check("testStruct", eq(r8, err, x))
	x2 := &tt.Xtruct2{ByteThing: 1, StructThing: x, I32Thing: 5}
	r9, err := c.TestNest(ctx, x2)
	check("testNest", eq(r9, err, x2))
	m := map[int32]int32{0: 1, 1: 2, -1: -2}
	r10, err := c.TestMap(ctx, m)
	check("testMap", eq(r10, err, m))
	sm := map[string]string{"a": "2", "some": "thing"}
	r11, err := c.TestStringMap(ctx, sm)
	check("testStringMap", eq(r11, err, sm))
	r12, err := c.TestSet(ctx, []int32{8, 1, 42})
	slices.Sort(r12)
	check("testSet", eq(r12, err, []int32{1, 8, 42}))
	l := []int32{1, 4, 9, -42}
	r13, err := c.TestList(ctx, l)
	check("testList", eq(r13, err, l))
	r14, err := c.TestEnum(ctx, tt.Numberz_FIVE)
	check("testEnum", eq(r14, err, tt.Numberz_FIVE))
	r15, err := c.TestTypedef(ctx, 0xffffffffffffff)
	check("testTypedef", eq(r15, err, tt.UserId(0xffffffffffffff)))
	r16, err := c.TestMapMap(ctx, 1)
	check("testMapMap", eq(r16, err, map[int32]map[int32]int32{
		-4: {-4: -4, -3: -3, -2: -2, -1: -1},
		4:  {1: 1, 2: 2, 3: 3, 4: 4},
	}))
	ins := &tt.Insanity{UserMap: map[tt.Numberz]tt.UserId{tt.Numberz_FIVE: 5}, Xtructs: []*tt.Xtruct{x}}
	r17, err := c.TestInsanity(ctx, ins)
	if err == nil && r17[2] != nil && r17[2][tt.Numberz_SIX] != nil {
		// Apache Go decodes an empty Insanity with empty (not nil)
		// containers; compare its emptiness, then the rest exactly.
		e := r17[2][tt.Numberz_SIX]
		if len(e.UserMap) == 0 && len(e.Xtructs) == 0 {
			r17[2][tt.Numberz_SIX] = tt.NewInsanity()
		}
	}
	check("testInsanity", eq(r17, err, map[tt.UserId]map[tt.Numberz]*tt.Insanity{
		1: {tt.Numberz_TWO: ins, tt.Numberz_THREE: ins},
		2: {tt.Numberz_SIX: tt.NewInsanity()},
	}))
	r18, err := c.TestMulti(ctx, 74, 0xff00ff, 0xffffffffd0d0, map[int16]string{0: "abc"}, tt.Numberz_FIVE, 0xf0f0f0)
	check("testMulti", eq(r18, err, &tt.Xtruct{StringThing: "Hello2", ByteThing: 74, I32Thing: 0xff00ff, I64Thing: 0xffffffffd0d0}))

	err = c.TestException(ctx, "Xception")
	var xe *tt.Xception
	if errors.As(err, &xe) {
		err = eq(xe, nil, &tt.Xception{ErrorCode: 1001, Message: "Xception"})
	} else {
		err = fmt.Errorf("got %v, want Xception", err)
	}
	check("testException/Xception", err)
	err = c.TestException(ctx, "TException")
	var ae thrift.TApplicationException
	if errors.As(err, &ae) {
		err = nil
	} else {
		err = fmt.Errorf("got %v (%T), want a TApplicationException", err, err)
	}
	check("testException/TException", err)
	check("testException/success", c.TestException(ctx, "success"))

	_, err = c.TestMultiException(ctx, "Xception2", "x")
	var xe2 *tt.Xception2
	if errors.As(err, &xe2) {
		err = eq(xe2, nil, &tt.Xception2{ErrorCode: 2002, StructThing: &tt.Xtruct{StringThing: "This is an Xception2"}})
	} else {
		err = fmt.Errorf("got %v, want Xception2", err)
	}
	check("testMultiException/Xception2", err)
	r19, err := c.TestMultiException(ctx, "success", "foobar")
	check("testMultiException/success", eq(r19, err, &tt.Xtruct{StringThing: "foobar"}))

	start := time.Now()
	err = c.TestOneway(ctx, 1)
	if err == nil && time.Since(start) > time.Second {
		err = fmt.Errorf("oneway call took %v", time.Since(start))
	}
	check("testOneway", err)
	r20, err := c.TestI32(ctx, 7)
	check("testOneway/then-normal", eq(r20, err, int32(7)))
	if second != nil {
		r21, err := second.SecondtestString(ctx, "foobar")
		check("secondtestString", eq(r21, err, `testString("foobar")`))
	}

	if failed > 0 {
		return fmt.Errorf("%d checks failed", failed)
	}
	return nil
}

// multiplexed reports whether --protocol is multi, multic or multij.
func (o *options) multiplexed() bool {
	return o.protocol == "multi" || o.protocol == "multic" || o.protocol == "multij"
}

type secondHandler struct{}

func (secondHandler) SecondtestString(ctx context.Context, s string) (string, error) {
	return `testString("` + s + `")`, nil
}

// protocolFactory is Apache's factory for --protocol.
func (o *options) protocolFactory(conf *thrift.TConfiguration) thrift.TProtocolFactory {
	switch o.protocol {
	case "compact", "multic":
		return thrift.NewTCompactProtocolFactoryConf(conf)
	case "json", "multij":
		return thrift.NewTJSONProtocolFactory()
	case "header":
		return thrift.NewTHeaderProtocolFactoryConf(conf)
	}
	return thrift.NewTBinaryProtocolFactoryConf(conf)
}
