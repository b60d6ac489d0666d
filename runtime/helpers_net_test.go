package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thriftsec/thriftsec/runtime/devcert"
)

// Hand-written structs standing in for generated args and results.

// pairArgs is {1: i32 a, 2: i32 b}.
type pairArgs struct{ A, B int32 }

func (s *pairArgs) Encode(e *Encoder) error {
	e.WriteFieldBegin(TypeI32, 1)
	e.WriteI32(s.A)
	e.WriteFieldBegin(TypeI32, 2)
	e.WriteI32(s.B)
	e.WriteFieldStop()
	return nil
}

func (s *pairArgs) Decode(d *Decoder) error {
	return decodeFields(d, func(t Type, id int16) (bool, error) {
		var err error
		switch {
		case id == 1 && t == TypeI32:
			s.A, err = d.ReadI32()
		case id == 2 && t == TypeI32:
			s.B, err = d.ReadI32()
		default:
			return false, nil
		}
		return true, err
	})
}

// i32Result is {0: i32 success}.
type i32Result struct{ Success *int32 }

func (s *i32Result) Encode(e *Encoder) error {
	if s.Success != nil {
		e.WriteFieldBegin(TypeI32, 0)
		e.WriteI32(*s.Success)
	}
	e.WriteFieldStop()
	return nil
}

func (s *i32Result) Decode(d *Decoder) error {
	return decodeFields(d, func(t Type, id int16) (bool, error) {
		if id != 0 || t != TypeI32 {
			return false, nil
		}
		v, err := d.ReadI32()
		s.Success = &v
		return true, err
	})
}

// strStruct is {1: string s} as args, or {0: string success} as a result
// (field id in ID).
type strStruct struct {
	ID int16
	S  *string
}

func (s *strStruct) Encode(e *Encoder) error {
	if s.S != nil {
		e.WriteFieldBegin(TypeString, s.ID)
		e.WriteString(*s.S)
	}
	e.WriteFieldStop()
	return nil
}

func (s *strStruct) Decode(d *Decoder) error {
	return decodeFields(d, func(t Type, id int16) (bool, error) {
		if id != s.ID || t != TypeString {
			return false, nil
		}
		v, err := d.ReadString()
		s.S = &v
		return true, err
	})
}

// emptyStruct is {} (void results, no-argument calls).
type emptyStruct struct{}

func (*emptyStruct) Encode(e *Encoder) error { e.WriteFieldStop(); return nil }
func (*emptyStruct) Decode(d *Decoder) error {
	return decodeFields(d, func(Type, int16) (bool, error) { return false, nil })
}

// decodeFields is the loop generated Decode methods run: field calls one
// known field and reports whether it was known; unknown ones are skipped.
func decodeFields(d *Decoder, field func(Type, int16) (bool, error)) error {
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	for {
		t, id, err := d.ReadFieldBegin()
		if err != nil {
			return err
		}
		if t == TypeStop {
			break
		}
		known, err := field(t, id)
		if err != nil {
			return err
		}
		if !known {
			if err := d.Skip(t); err != nil {
				return err
			}
		}
	}
	d.ReadStructEnd()
	return nil
}

func str(s string) *string { return &s }

// testService is the handler side of the test service.
type testService struct {
	notes      chan string   // oneway "note" deliveries
	release    chan struct{} // "note" waits on it when not nil
	sleepEnded chan error    // "sleep" reports ctx.Err() (nil if it slept fully)
	// sleepBegan gets a value when a "sleep" handler starts: proof that
	// the call is in its handler (a connection's in-flight flag can still
	// be set from the call before it, whose reply is already read).
	sleepBegan chan struct{}
}

func newTestService() *testService {
	return &testService{notes: make(chan string, 100), sleepEnded: make(chan error, 100), sleepBegan: make(chan struct{}, 100)}
}

// processor builds the Processor the way generated code does.
func (ts *testService) processor() *Processor {
	p := NewProcessor("Test")
	p.Register("add", Method{
		NewArgs: func() Struct { return &pairArgs{} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			a := in.(*pairArgs)
			r := a.A + a.B
			return &i32Result{Success: &r}, nil
		},
	})
	p.Register("void", Method{
		NewArgs: func() Struct { return &emptyStruct{} },
		Handle:  func(context.Context, Struct) (Struct, error) { return &emptyStruct{}, nil },
	})
	p.Register("fail", Method{
		NewArgs: func() Struct { return &strStruct{ID: 1} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			switch mode := *in.(*strStruct).S; mode {
			case "app":
				return nil, NewApplicationError(ExceptionUnknown, "refused on purpose")
			case "panic":
				panic("handler bug")
			default:
				return nil, errors.New("plain failure: " + mode)
			}
		},
	})
	p.Register("note", Method{
		Oneway:  true,
		NewArgs: func() Struct { return &strStruct{ID: 1} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			ts.notes <- *in.(*strStruct).S
			if ts.release != nil {
				<-ts.release
			}
			return nil, nil
		},
	})
	p.Register("sleep", Method{
		NewArgs: func() Struct { return &pairArgs{} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			ms := in.(*pairArgs).A
			ts.sleepBegan <- struct{}{}
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
				ts.sleepEnded <- nil
			case <-ctx.Done():
				ts.sleepEnded <- ctx.Err()
				return nil, ctx.Err()
			}
			return &i32Result{Success: &ms}, nil
		},
	})
	p.Register("repeat", Method{
		NewArgs: func() Struct { return &pairArgs{} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			s := strings.Repeat("x", int(in.(*pairArgs).A))
			return &strStruct{ID: 0, S: &s}, nil
		},
	})
	p.Register("echo", Method{
		NewArgs: func() Struct { return &strStruct{ID: 1} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			return &strStruct{ID: 0, S: in.(*strStruct).S}, nil
		},
	})
	p.Register("whoami", Method{
		NewArgs: func() Struct { return &emptyStruct{} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			p, ok := PeerFromContext(ctx)
			if !ok {
				return nil, errors.New("no peer")
			}
			s := "plaintext"
			if p.TLS != nil {
				s = "tls:" + p.SPIFFEID
			}
			return &strStruct{ID: 0, S: &s}, nil
		},
	})
	return p
}

// testPKI holds certificates shared by all tests (minting is the slow
// part of a TLS test).
type testPKI struct {
	ca, otherCA                 *devcert.CA
	server, client, otherCli    *devcert.Cert
	serverTLS, mtlsServerTLS    *tls.Config
	clientTLS, mtlsClientTLS    *tls.Config
	otherCAClientTLS, noCertTLS *tls.Config
}

const testSPIFFE = "spiffe://example.org/client"

var (
	pkiOnce sync.Once
	pki     testPKI
	pkiErr  error
)

func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		must := func(c *devcert.Cert, err error) *devcert.Cert {
			if err != nil && pkiErr == nil {
				pkiErr = err
			}
			return c
		}
		if pki.ca, pkiErr = devcert.NewCA("test CA", time.Hour); pkiErr != nil {
			return
		}
		if pki.otherCA, pkiErr = devcert.NewCA("other CA", time.Hour); pkiErr != nil {
			return
		}
		pki.server = must(pki.ca.Server("127.0.0.1", "::1", "localhost"))
		pki.client = must(pki.ca.Client("test client", testSPIFFE))
		pki.otherCli = must(pki.otherCA.Client("intruder", "spiffe://example.org/intruder"))
		if pkiErr != nil {
			return
		}
		pki.serverTLS = ServerTLSConfig(pki.server.TLSCertificate(), nil)
		pki.mtlsServerTLS = ServerTLSConfig(pki.server.TLSCertificate(), pki.ca.CertPool())
		pki.clientTLS = ClientTLSConfig(pki.ca.CertPool())
		pki.mtlsClientTLS = ClientTLSConfig(pki.ca.CertPool(), pki.client.TLSCertificate())
		// GetClientCertificate, so that the certificate is sent even
		// though the server asks for ones from another CA (a plain
		// Certificates entry would be held back by the Go client).
		pki.otherCAClientTLS = ClientTLSConfig(pki.ca.CertPool())
		other := pki.otherCli.TLSCertificate()
		pki.otherCAClientTLS.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &other, nil }
		pki.noCertTLS = pki.clientTLS
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return &pki
}

// testLogger discards the server's logs unless THRIFTSEC_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("THRIFTSEC_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// security is how a test server is secured.
type security int

const (
	secTLS security = iota
	secMTLS
	secPlain
)

func (s security) String() string { return [...]string{"tls", "mtls", "plaintext"}[s] }

// testServer is a running server and what a client needs to reach it.
type testServer struct {
	srv    *Server
	svc    *testService
	addr   string
	sec    security
	tr     Transport
	served chan error // what Serve returned
}

// startServer serves the test service on a fresh loopback port; adjust, if
// not nil, changes the Server before it starts. The server is closed when
// the test ends.
func startServer(t testing.TB, sec security, tr Transport, adjust func(*Server)) *testServer {
	t.Helper()
	p := getPKI(t)
	ts := &testServer{svc: newTestService(), sec: sec, tr: tr, served: make(chan error, 1)}
	ts.srv = &Server{Handler: ts.svc.processor(), Transport: tr, Logger: testLogger()}
	switch sec {
	case secTLS:
		ts.srv.TLSConfig = p.serverTLS
	case secMTLS:
		ts.srv.TLSConfig = p.mtlsServerTLS
	case secPlain:
		ts.srv.Plaintext = true
	}
	if adjust != nil {
		adjust(ts.srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	srv := ts.srv
	go func() { ts.served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-ts.served:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Close")
		}
	})
	return ts
}

// clientOpts returns the Dial options matching the server.
func (ts *testServer) clientOpts(t testing.TB, extra ...ClientOption) []ClientOption {
	p := getPKI(t)
	opts := []ClientOption{WithTransport(ts.tr), WithLogger(testLogger())}
	switch ts.sec {
	case secTLS:
		opts = append(opts, WithTLS(p.clientTLS))
	case secMTLS:
		opts = append(opts, WithTLS(p.mtlsClientTLS))
	case secPlain:
		opts = append(opts, WithPlaintext())
	}
	return append(opts, extra...)
}

// dial connects a client to ts, closed when the test ends.
func (ts *testServer) dial(t testing.TB, extra ...ClientOption) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ts.addr, ts.clientOpts(t, extra...)...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// add calls "add" and checks the answer.
func add(t testing.TB, c Caller, a, b int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var res i32Result
	if err := c.Call(ctx, "add", &pairArgs{A: a, B: b}, &res); err != nil {
		t.Fatalf("add(%d, %d): %v", a, b, err)
	}
	if res.Success == nil || *res.Success != a+b {
		t.Fatalf("add(%d, %d) = %v, want %d", a, b, res.Success, a+b)
	}
}

// appErr asserts err is an *ApplicationError of type want.
func appErr(t testing.TB, err error, want ApplicationExceptionType) *ApplicationError {
	t.Helper()
	var ae *ApplicationError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *ApplicationError", err, err)
	}
	if ae.Type != want {
		t.Fatalf("application error type %v, want %v (%v)", ae.Type, want, ae)
	}
	return ae
}

// within fails the test if f takes longer than d, and returns how long it
// took.
func within(t testing.TB, d time.Duration, what string, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s took longer than %v", what, d)
	}
	return time.Since(start)
}

// lockedBuffer is a strings.Builder safe for the logger's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTextLogger logs everything to w as text.
func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// awaitSleep waits until a "sleep" handler of svc has started.
func awaitSleep(t testing.TB, svc *testService) {
	t.Helper()
	select {
	case <-svc.sleepBegan:
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for the sleep call to start")
	}
}

// serveLoopback serves every connection of a loopback listener with serve, until
// the test ends.
func serveLoopback(t *testing.T, serve func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln
}
