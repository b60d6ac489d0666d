package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	kclient "github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/connpool"
	"github.com/cloudwego/kitex/pkg/klog"
	kserver "github.com/cloudwego/kitex/server"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding"

	apachepeers "github.com/thriftsec/thriftsec/bench/peers/gen/apache/peers"
	kitexecho "github.com/thriftsec/thriftsec/bench/peers/gen/kitex/peers/echo"
	"github.com/thriftsec/thriftsec/bench/peers/gen/ours/peers"
	"github.com/thriftsec/thriftsec/runtime"
	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// A system is one column group of the RPC table: a server (run in its own
// process, so that its CPU and allocations are counted apart from the
// client's) and a client that makes one 1 KiB echo per call.
type system struct {
	name string
	// serve starts the server on a loopback port and returns its address.
	serve func(c *certs) (string, error)
	// dial returns one call function per caller over conns connections
	// (each caller uses connection i mod conns), and a closer.
	dial func(c *certs, addr string, callers int) ([]func() error, func(), error)
}

func systems() []system {
	return []system{
		{"thriftsec TLS", serveOurs(true), dialOurs(true, 0)},
		{"thriftsec TLS pipelined", serveOurs(true), dialOurs(true, pipelineDepth)},
		{"raw crypto/tls", serveRaw(true), dialRaw(true)},
		{"raw crypto/tls pipelined", serveRawPipelined, dialRawPipelined},
		{"raw crypto/tls 1 conn per 8", serveRaw(true), dialRawShared},
		{"Apache Go TLS", serveApache, dialApache},
		{"gRPC-Go TLS", serveGRPC, dialGRPC},
		{"thriftsec plain", serveOurs(false), dialOurs(false, 0)},
		{"raw TCP", serveRaw(false), dialRaw(false)},
		{"Kitex plain", serveKitex, dialKitex},
	}
}

const payloadSize = 1024

func payload() []byte {
	p := make([]byte, payloadSize)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

func checkEcho(got []byte) error {
	if len(got) != payloadSize {
		return fmt.Errorf("echo of %d bytes came back as %d", payloadSize, len(got))
	}
	return nil
}

// certs is the one ECDSA P-256 server certificate every TLS system uses,
// written by the parent process for its servers.
type certs struct {
	server tls.Certificate
	roots  *x509.CertPool
}

func makeCerts(dir string) error {
	ca, err := devcert.NewCA("peerbench CA", time.Hour)
	if err != nil {
		return err
	}
	srv, err := ca.Server("127.0.0.1")
	if err != nil {
		return err
	}
	if err := srv.WriteCert(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o600)
}

func loadCerts(dir string) (*certs, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"))
	if err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, errors.New("peerbench: bad ca.pem")
	}
	return &certs{server: cert, roots: roots}, nil
}

func (c *certs) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.server}, MinVersion: tls.VersionTLS12}
}

func (c *certs) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: c.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// freePort is for the servers that take an address rather than a
// listener (Apache's TSSLServerSocket, Kitex).
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// --- thriftsec ---

type echoHandler struct{}

func (echoHandler) Echo(_ context.Context, p []byte) ([]byte, error) { return p, nil }

func serveOurs(secure bool) func(*certs) (string, error) {
	return func(c *certs) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		// All the benchmark's connections come from one address, at
		// once: let up to 1024 handshake together (the default admits 64
		// per source, which would turn away the 256-caller pool).
		srv := &runtime.Server{Handler: peers.NewEchoProcessor(echoHandler{}), MaxHandshakes: 1024, MaxHandshakesPerSource: 1024}
		if secure {
			srv.TLSConfig = c.serverTLS()
		} else {
			srv.Plaintext = true
		}
		go srv.Serve(ln)
		return ln.Addr().String(), nil
	}
}

// pipelineDepth is how many calls the pipelined system puts on one
// connection: 64 callers share 8 connections.
const pipelineDepth = 8

// dialOurs makes one Client for all callers, its pool sized to them: a
// connection per caller, or with pipelining (depth > 1) one per depth
// callers, each carrying up to depth calls at once.
func dialOurs(secure bool, depth int) func(*certs, string, int) ([]func() error, func(), error) {
	return func(c *certs, addr string, callers int) ([]func() error, func(), error) {
		opts := []runtime.ClientOption{runtime.WithMaxConns(callers)}
		if depth > 1 {
			opts = []runtime.ClientOption{runtime.WithMaxConns((callers + depth - 1) / depth), runtime.WithPipelining(depth)}
		}
		if secure {
			opts = append(opts, runtime.WithTLS(c.clientTLS()))
		} else {
			opts = append(opts, runtime.WithPlaintext())
		}
		cl, err := runtime.Dial(context.Background(), addr, opts...)
		if err != nil {
			return nil, nil, err
		}
		ec := peers.NewEchoClient(cl)
		p := payload()
		calls := make([]func() error, callers)
		for i := range calls {
			calls[i] = func() error {
				got, err := ec.Echo(context.Background(), p)
				if err != nil {
					return err
				}
				return checkEcho(got)
			}
		}
		return calls, func() { cl.Close() }, nil
	}
}

// --- raw ping-pong floors: a 4-byte length and 1 KiB each way, one
// connection per caller, no framework at all ---

func serveRaw(secure bool) func(*certs) (string, error) {
	return func(c *certs) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		if secure {
			ln = tls.NewListener(ln, c.serverTLS())
		}
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go rawEcho(conn)
			}
		}()
		return ln.Addr().String(), nil
	}
}

func rawEcho(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 4+payloadSize)
	for {
		if _, err := io.ReadFull(conn, buf[:4]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(buf[:4])
		if n != payloadSize {
			return
		}
		if _, err := io.ReadFull(conn, buf[4:]); err != nil {
			return
		}
		if _, err := conn.Write(buf); err != nil {
			return
		}
	}
}

func dialRaw(secure bool) func(*certs, string, int) ([]func() error, func(), error) {
	return func(c *certs, addr string, callers int) ([]func() error, func(), error) {
		conns := make([]net.Conn, 0, callers)
		closeAll := func() {
			for _, conn := range conns {
				conn.Close()
			}
		}
		calls := make([]func() error, callers)
		for i := range calls {
			var conn net.Conn
			var err error
			if secure {
				conn, err = tls.Dial("tcp", addr, c.clientTLS())
			} else {
				conn, err = net.Dial("tcp", addr)
			}
			if err != nil {
				closeAll()
				return nil, nil, err
			}
			conns = append(conns, conn)
			req := make([]byte, 4+payloadSize)
			binary.BigEndian.PutUint32(req, payloadSize)
			copy(req[4:], payload())
			resp := make([]byte, 4+payloadSize)
			calls[i] = func() error {
				if _, err := conn.Write(req); err != nil {
					return err
				}
				_, err := io.ReadFull(conn, resp)
				return err
			}
		}
		return calls, closeAll, nil
	}
}

// --- the pipelined floor: the same frames, callers/pipelineDepth
// connections each carrying up to pipelineDepth of them at once, the
// requests of callers that are ready together sent in one Write and the
// replies read by one goroutine per connection; the server writes its
// replies once it has no further request at hand. Nothing else: no
// deadlines, no limits, no cancellation. ---

func serveRawPipelined(c *certs) (string, error) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", c.serverTLS())
	if err != nil {
		return "", err
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go rawPipelinedEcho(conn)
		}
	}()
	return ln.Addr().String(), nil
}

func rawPipelinedEcho(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 16<<10)
	w := bufio.NewWriterSize(conn, 16<<10)
	buf := make([]byte, 4+payloadSize)
	for {
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		if binary.BigEndian.Uint32(buf) != payloadSize {
			return
		}
		w.Write(buf)
		if r.Buffered() == 0 && w.Flush() != nil {
			return
		}
	}
}

// rawMux is one pipelined connection of the floor.
type rawMux struct {
	conn    net.Conn
	mu      sync.Mutex
	pending []byte
	spare   []byte
	writing bool
	waiters []chan error // in the order of the requests
}

func (m *rawMux) call(req []byte, done chan error) error {
	m.mu.Lock()
	m.pending = append(m.pending, req...)
	m.waiters = append(m.waiters, done)
	if !m.writing {
		m.writing = true
		for len(m.pending) > 0 {
			b := m.pending
			m.pending = m.spare[:0]
			m.mu.Unlock()
			_, err := m.conn.Write(b)
			m.mu.Lock()
			m.spare = b
			if err != nil {
				m.writing = false
				m.mu.Unlock()
				return err
			}
		}
		m.writing = false
	}
	m.mu.Unlock()
	return <-done
}

func (m *rawMux) readLoop() {
	r := bufio.NewReaderSize(m.conn, 16<<10)
	resp := make([]byte, 4+payloadSize)
	for {
		_, err := io.ReadFull(r, resp)
		m.mu.Lock()
		if err != nil {
			for _, w := range m.waiters {
				w <- err
			}
			m.waiters = nil
			m.mu.Unlock()
			return
		}
		w := m.waiters[0]
		m.waiters = m.waiters[1:]
		m.mu.Unlock()
		w <- nil
	}
}

func dialRawPipelined(c *certs, addr string, callers int) ([]func() error, func(), error) {
	muxes := make([]*rawMux, (callers+pipelineDepth-1)/pipelineDepth)
	closeAll := func() {
		for _, m := range muxes {
			if m != nil {
				m.conn.Close()
			}
		}
	}
	for i := range muxes {
		conn, err := tls.Dial("tcp", addr, c.clientTLS())
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		muxes[i] = &rawMux{conn: conn}
		go muxes[i].readLoop()
	}
	req := make([]byte, 4+payloadSize)
	binary.BigEndian.PutUint32(req, payloadSize)
	copy(req[4:], payload())
	calls := make([]func() error, callers)
	for i := range calls {
		m := muxes[i%len(muxes)]
		done := make(chan error, 1)
		calls[i] = func() error { return m.call(req, done) }
	}
	return calls, closeAll, nil
}

// dialRawShared is the ping-pong floor over the pipelined rows'
// connection count: callers/pipelineDepth connections, each carrying one
// call at a time, its callers taking turns.
func dialRawShared(c *certs, addr string, callers int) ([]func() error, func(), error) {
	type shared struct {
		mu   sync.Mutex
		conn net.Conn
		resp []byte
	}
	conns := make([]*shared, (callers+pipelineDepth-1)/pipelineDepth)
	closeAll := func() {
		for _, sc := range conns {
			if sc != nil {
				sc.conn.Close()
			}
		}
	}
	for i := range conns {
		conn, err := tls.Dial("tcp", addr, c.clientTLS())
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		conns[i] = &shared{conn: conn, resp: make([]byte, 4+payloadSize)}
	}
	req := make([]byte, 4+payloadSize)
	binary.BigEndian.PutUint32(req, payloadSize)
	copy(req[4:], payload())
	calls := make([]func() error, callers)
	for i := range calls {
		sc := conns[i%len(conns)]
		calls[i] = func() error {
			sc.mu.Lock()
			defer sc.mu.Unlock()
			if _, err := sc.conn.Write(req); err != nil {
				return err
			}
			_, err := io.ReadFull(sc.conn, sc.resp)
			return err
		}
	}
	return calls, closeAll, nil
}

// --- Apache Thrift Go 0.17: TSimpleServer over TSSLServerSocket, framed
// binary; its client is not safe for concurrent use, so one per caller ---

type apacheHandler struct{}

func (apacheHandler) Echo(_ context.Context, p []byte) ([]byte, error) { return p, nil }

func apacheConf(cfg *tls.Config) *thrift.TConfiguration {
	return &thrift.TConfiguration{TLSConfig: cfg, TBinaryStrictWrite: thrift.BoolPtr(true)}
}

func serveApache(c *certs) (string, error) {
	addr, err := freePort()
	if err != nil {
		return "", err
	}
	ss, err := thrift.NewTSSLServerSocket(addr, c.serverTLS())
	if err != nil {
		return "", err
	}
	if err := ss.Listen(); err != nil {
		return "", err
	}
	conf := apacheConf(nil)
	srv := thrift.NewTSimpleServer4(apachepeers.NewEchoProcessor(apacheHandler{}), ss,
		thrift.NewTFramedTransportFactoryConf(thrift.NewTTransportFactory(), conf), thrift.NewTBinaryProtocolFactoryConf(conf))
	go srv.Serve()
	return addr, nil
}

func dialApache(c *certs, addr string, callers int) ([]func() error, func(), error) {
	var socks []*thrift.TSSLSocket
	closeAll := func() {
		for _, s := range socks {
			s.Close()
		}
	}
	conf := apacheConf(c.clientTLS())
	p := payload()
	calls := make([]func() error, callers)
	for i := range calls {
		sock := thrift.NewTSSLSocketConf(addr, conf)
		if err := sock.Open(); err != nil {
			closeAll()
			return nil, nil, err
		}
		socks = append(socks, sock)
		tr := thrift.NewTFramedTransportConf(sock, conf)
		proto := thrift.NewTBinaryProtocolConf(tr, conf)
		ec := apachepeers.NewEchoClientProtocol(tr, proto, proto)
		calls[i] = func() error {
			got, err := ec.Echo(context.Background(), p)
			if err != nil {
				return err
			}
			return checkEcho(got)
		}
	}
	return calls, closeAll, nil
}

// --- gRPC-Go over TLS: a hand-written ServiceDesc and a codec that
// passes the 1 KiB as raw bytes (no protobuf), one ClientConn per caller
// so that the connection count matches the others ---

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	p := v.(*[]byte)
	*p = append((*p)[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "peerbench-raw" }

var _ encoding.Codec = rawCodec{}

const grpcMethod = "/peers.Echo/Echo"

var grpcDesc = grpc.ServiceDesc{
	ServiceName: "peers.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Echo",
		Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var in []byte
			if err := dec(&in); err != nil {
				return nil, err
			}
			return &in, nil
		},
	}},
}

func serveGRPC(c *certs) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(c.serverTLS())), grpc.ForceServerCodec(rawCodec{}))
	srv.RegisterService(&grpcDesc, struct{}{})
	go srv.Serve(ln)
	return ln.Addr().String(), nil
}

func dialGRPC(c *certs, addr string, callers int) ([]func() error, func(), error) {
	var conns []*grpc.ClientConn
	closeAll := func() {
		for _, cc := range conns {
			cc.Close()
		}
	}
	p := payload()
	calls := make([]func() error, callers)
	for i := range calls {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(c.clientTLS())),
			grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		conns = append(conns, cc)
		var out []byte
		calls[i] = func() error {
			if err := cc.Invoke(context.Background(), grpcMethod, &p, &out); err != nil {
				return err
			}
			return checkEcho(out)
		}
	}
	return calls, closeAll, nil
}

// --- Kitex over plain TCP (netpoll; Kitex's TLS is not part of its Thrift
// transport), its default transport, a long-connection pool as large as the
// caller count ---

type kitexHandler struct{}

func (kitexHandler) Echo(_ context.Context, p []byte) ([]byte, error) { return p, nil }

func serveKitex(*certs) (string, error) {
	klog.SetLevel(klog.LevelWarn)
	addr, err := freePort()
	if err != nil {
		return "", err
	}
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := kitexecho.NewServer(&kitexHandler{}, kserver.WithServiceAddr(tcp))
	go srv.Run()
	// Run listens asynchronously: wait until the port answers.
	for range 200 {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return addr, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "", errors.New("peerbench: Kitex server did not start listening")
}

func dialKitex(_ *certs, addr string, callers int) ([]func() error, func(), error) {
	klog.SetLevel(klog.LevelWarn)
	cl, err := kitexecho.NewClient("echo", kclient.WithHostPorts(addr),
		kclient.WithLongConnection(connpool.IdleConfig{MaxIdlePerAddress: callers, MaxIdleGlobal: callers, MaxIdleTimeout: time.Minute}))
	if err != nil {
		return nil, nil, err
	}
	p := payload()
	calls := make([]func() error, callers)
	for i := range calls {
		calls[i] = func() error {
			got, err := cl.Echo(context.Background(), p)
			if err != nil {
				return err
			}
			return checkEcho(got)
		}
	}
	return calls, func() {}, nil
}

// serverMain is the server process: it starts one system's server, prints
// its address, then answers "stats" lines on stdin with its CPU time and
// allocation count, until stdin closes.
func serverMain(name, certDir string) error {
	c, err := loadCerts(certDir)
	if err != nil {
		return err
	}
	for _, s := range systems() {
		if s.name != name {
			continue
		}
		addr, err := s.serve(c)
		if err != nil {
			return err
		}
		fmt.Println(addr)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			cpu, mallocs := selfStats()
			fmt.Println(cpu.Nanoseconds(), mallocs)
		}
		return nil
	}
	return fmt.Errorf("peerbench: no system %q", name)
}
