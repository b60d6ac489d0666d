package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// httpTestServer serves the test service through an HTTPHandler on a
// loopback port, behind a middleware that records the HTTP version of the
// last request.
type httpTestServer struct {
	url   string
	svc   *testService
	sec   security
	proto atomic.Int32 // ProtoMajor of the last request
	h     *HTTPHandler
}

func startHTTPServer(t testing.TB, sec security, adjust func(*HTTPHandler)) *httpTestServer {
	t.Helper()
	p := getPKI(t)
	hs := &httpTestServer{svc: newTestService(), sec: sec}
	proc := hs.svc.processor()
	proc.Register("header", Method{
		NewArgs: func() Struct { return &strStruct{ID: 1} },
		Handle: func(ctx context.Context, in Struct) (Struct, error) {
			// Answers the value of the request header its argument
			// names, and sends it back as x-echo.
			v := RequestHeaders(ctx)[*in.(*strStruct).S]
			SetResponseHeader(ctx, "x-echo", v)
			SetResponseHeader(ctx, "Content-Length", "1") // must be ignored
			return &strStruct{ID: 0, S: &v}, nil
		},
	})
	hs.h = &HTTPHandler{Handler: proc, Logger: testLogger()}
	if adjust != nil {
		adjust(hs.h)
	}
	mw := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.proto.Store(int32(r.ProtoMajor))
		hs.h.ServeHTTP(w, r)
	})
	mux := http.NewServeMux()
	mux.Handle("/thrift", mw)
	var srv *http.Server
	var err error
	switch sec {
	case secTLS:
		srv, err = NewHTTPServer(mux, p.serverTLS)
	case secMTLS:
		srv, err = NewHTTPServer(mux, p.mtlsServerTLS)
	case secPlain:
		srv = NewPlaintextHTTPServer(mux)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	scheme := "https"
	if sec == secPlain {
		scheme = "http"
		go func() { served <- srv.Serve(ln) }()
	} else {
		go func() { served <- srv.ServeTLS(ln, "", "") }()
	}
	hs.url = scheme + "://" + ln.Addr().String() + "/thrift"
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-served:
		case <-time.After(5 * time.Second):
			t.Error("http.Server did not stop")
		}
	})
	return hs
}

// client returns an HTTPClient matching the server's security.
func (hs *httpTestServer) client(t testing.TB, extra ...ClientOption) *HTTPClient {
	t.Helper()
	p := getPKI(t)
	var opts []ClientOption
	switch hs.sec {
	case secTLS:
		opts = append(opts, WithTLS(p.clientTLS))
	case secMTLS:
		opts = append(opts, WithTLS(p.mtlsClientTLS))
	case secPlain:
		opts = append(opts, WithPlaintext())
	}
	c, err := NewHTTPClient(hs.url, append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func callCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestHTTPCalls(t *testing.T) {
	for _, sec := range []security{secTLS, secMTLS, secPlain} {
		for _, p := range []Protocol{Binary, Compact, JSON} {
			t.Run(fmt.Sprintf("%v/%v", sec, p), func(t *testing.T) {
				hs := startHTTPServer(t, sec, func(h *HTTPHandler) { h.Protocol = p })
				c := hs.client(t, WithProtocol(p))
				for i := range int32(3) {
					add(t, c, i, 40) // several calls: the connection is reused
				}
				var who strStruct
				if err := c.Call(callCtx(t), "whoami", &emptyStruct{}, &who); err != nil {
					t.Fatal(err)
				}
				want := map[security]string{secTLS: "tls:", secMTLS: "tls:" + testSPIFFE, secPlain: "plaintext"}[sec]
				if *who.S != want {
					t.Errorf("whoami = %q, want %q", *who.S, want)
				}
				err := c.Call(callCtx(t), "fail", &strStruct{ID: 1, S: str("app")}, &emptyStruct{})
				if ae := appErr(t, err, ExceptionUnknown); ae.Message != "refused on purpose" {
					t.Errorf("application error %q", ae.Message)
				}
				err = c.Call(callCtx(t), "fail", &strStruct{ID: 1, S: str("secret path /etc")}, &emptyStruct{})
				if ae := appErr(t, err, ExceptionInternalError); strings.Contains(ae.Message, "/etc") {
					t.Errorf("handler error text leaked: %q", ae.Message)
				}
				appErr(t, c.Call(callCtx(t), "fail", &strStruct{ID: 1, S: str("panic")}, &emptyStruct{}), ExceptionInternalError)
				appErr(t, c.Call(callCtx(t), "nosuch", &emptyStruct{}, &emptyStruct{}), ExceptionUnknownMethod)
				if err := c.Oneway(callCtx(t), "note", &strStruct{ID: 1, S: str("hello")}); err != nil {
					t.Fatal(err)
				}
				select {
				case n := <-hs.svc.notes:
					if n != "hello" {
						t.Errorf("oneway delivered %q", n)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("oneway call not delivered")
				}
				add(t, c, 1, 2) // after a oneway, the client still works
			})
		}
	}
}

func TestHTTPMultiplexed(t *testing.T) {
	hs := startHTTPServer(t, secPlain, nil)
	hs.h.Handler = NewMultiplexedProcessor(nil, hs.h.Handler)
	c := hs.client(t)
	add(t, Multiplex(c, "Test"), 2, 3)
	appErr(t, c.Call(callCtx(t), "add", &pairArgs{A: 1, B: 1}, &i32Result{}), ExceptionUnknownMethod)
}

func TestHTTPOnewayAnsweredFirst(t *testing.T) {
	hs := startHTTPServer(t, secPlain, nil)
	hs.svc.release = make(chan struct{})
	c := hs.client(t)
	// The handler blocks until released; Oneway returns regardless.
	if err := c.Oneway(callCtx(t), "note", &strStruct{ID: 1, S: str("held")}); err != nil {
		t.Fatal(err)
	}
	if n := <-hs.svc.notes; n != "held" {
		t.Errorf("oneway delivered %q", n)
	}
	close(hs.svc.release)
}

func TestHTTPDetectProtocol(t *testing.T) {
	hs := startHTTPServer(t, secTLS, func(h *HTTPHandler) { h.DetectProtocol = true })
	for _, p := range []Protocol{Binary, Compact, JSON} {
		add(t, hs.client(t, WithProtocol(p)), 20, 22)
	}
	// Without detection a compact client is refused by the binary server.
	fixed := startHTTPServer(t, secTLS, nil)
	err := fixed.client(t, WithProtocol(Compact)).Call(callCtx(t), "add", &pairArgs{}, &i32Result{})
	var se *HTTPStatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
		t.Fatalf("compact call to a binary server: %v, want HTTP 400", err)
	}
}

func TestHTTP2OverTLS(t *testing.T) {
	for _, sec := range []security{secTLS, secMTLS, secPlain} {
		hs := startHTTPServer(t, sec, nil)
		add(t, hs.client(t), 1, 1)
		want := int32(2)
		if sec == secPlain {
			want = 1 // h2 is negotiated by ALPN; cleartext stays HTTP/1.1
		}
		if got := hs.proto.Load(); got != want {
			t.Errorf("%v: request was HTTP/%d, want HTTP/%d", sec, got, want)
		}
	}
}

func TestHTTPHeaders(t *testing.T) {
	hs := startHTTPServer(t, secTLS, nil)
	c := hs.client(t, WithHTTPHeader("X-Api-Key", "k1"))
	for _, tc := range []struct{ send, ask, want string }{
		{"", "x-api-key", "k1"}, // the static header
		{"v2", "x-trace-id", "v2"},
		{"", "content-type", HTTPContentType},
	} {
		var sent map[string]string
		if tc.send != "" {
			sent = map[string]string{"X-Trace-Id": tc.send}
		}
		var got map[string]string
		ctx := WithHeaders(callCtx(t), sent, &got)
		var res strStruct
		if err := c.Call(ctx, "header", &strStruct{ID: 1, S: str(tc.ask)}, &res); err != nil {
			t.Fatal(err)
		}
		if *res.S != tc.want {
			t.Errorf("handler saw %s = %q, want %q", tc.ask, *res.S, tc.want)
		}
		if got["x-echo"] != tc.want {
			t.Errorf("response header x-echo = %q, want %q (all: %v)", got["x-echo"], tc.want, got)
		}
		if got["content-type"] != HTTPContentType {
			t.Errorf("response content-type %q", got["content-type"])
		}
	}
	ctx := WithHeaders(callCtx(t), map[string]string{"Bad\nName": "x"}, nil)
	if err := c.Call(ctx, "header", &strStruct{ID: 1, S: str("a")}, &strStruct{}); err == nil {
		t.Error("a header name with a newline was sent")
	}
	if _, err := NewHTTPClient(hs.url, WithTLS(getPKI(t).clientTLS), WithHTTPHeader("Content-Length", "3")); err == nil {
		t.Error("WithHTTPHeader accepted Content-Length")
	}
}

func TestHTTPPlaintextByName(t *testing.T) {
	p := getPKI(t)
	for _, tc := range []struct {
		url  string
		opts []ClientOption
	}{
		{"http://127.0.0.1:1/", nil},
		{"http://127.0.0.1:1/", []ClientOption{WithTLS(p.clientTLS)}},
		{"https://127.0.0.1:1/", []ClientOption{WithPlaintext()}},
		{"ftp://127.0.0.1:1/", []ClientOption{WithPlaintext()}},
		{"https:///path", nil},
		{"https://127.0.0.1:1/", []ClientOption{WithTransport(Buffered)}},
		{"https://127.0.0.1:1/", []ClientOption{WithTransport(Header), WithProtocol(JSON)}},
		{"https://127.0.0.1:1/", []ClientOption{WithPipelining(8)}},
	} {
		if _, err := NewHTTPClient(tc.url, tc.opts...); err == nil {
			t.Errorf("NewHTTPClient(%q) with %d options accepted", tc.url, len(tc.opts))
		}
	}
	if _, err := NewHTTPClient("http://127.0.0.1:1/", WithPlaintext()); err != nil {
		t.Errorf("plaintext by name refused: %v", err)
	}
	if _, err := NewHTTPServer(http.NotFoundHandler(), nil); err == nil {
		t.Error("NewHTTPServer without TLS config accepted")
	}
	orig := p.serverTLS.Clone()
	srv, err := NewHTTPServer(http.NotFoundHandler(), p.serverTLS)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.serverTLS.NextProtos) != len(orig.NextProtos) || srv.TLSConfig == p.serverTLS {
		t.Error("NewHTTPServer modified or kept the caller's TLS config")
	}
}

// rawPost sends body to url with content type ct and returns the status,
// headers and body of the answer.
func rawPost(t *testing.T, method, url, ct string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(callCtx(t), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestHTTPRefusals(t *testing.T) {
	hs := startHTTPServer(t, secPlain, func(h *HTTPHandler) {
		h.Limits.MaxMessageSize = 1024
		h.ReadTimeout = 200 * time.Millisecond
	})
	var addArgs Encoder
	(&pairArgs{A: 1, B: 2}).Encode(&addArgs)
	good := message("add", MessageCall, 7, addArgs.Bytes())

	code, hdr, _ := rawPost(t, http.MethodGet, hs.url, "", nil)
	if code != http.StatusMethodNotAllowed || hdr.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q; want 405, POST", code, hdr.Get("Allow"))
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/vnd.apache.thrift.compact"} {
		if code, _, _ := rawPost(t, http.MethodPost, hs.url, ct, bytes.NewReader(good)); code != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Type %q: %d, want 415", ct, code)
		}
	}
	for _, ct := range []string{HTTPContentType, "application/x-thrift; charset=binary", "application/vnd.apache.thrift.binary"} {
		code, _, body := rawPost(t, http.MethodPost, hs.url, ct, bytes.NewReader(good))
		if code != http.StatusOK {
			t.Errorf("Content-Type %q: %d, want 200", ct, code)
			continue
		}
		d := NewDecoder(body, Limits{})
		name, typ, seq, err := d.ReadMessageBegin()
		var res i32Result
		if err == nil {
			err = res.Decode(d)
		}
		if err != nil || name != "add" || typ != MessageReply || seq != 7 || res.Success == nil || *res.Success != 3 {
			t.Errorf("reply %q %v %d %v %v", name, typ, seq, res.Success, err)
		}
	}

	big := message("add", MessageCall, 1, bytes.Repeat([]byte{0}, 2000))
	if code, _, _ := rawPost(t, http.MethodPost, hs.url, HTTPContentType, bytes.NewReader(big)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body with Content-Length: %d, want 413", code)
	}
	// Without a Content-Length (chunked), the limit stops the read.
	if code, _, _ := rawPost(t, http.MethodPost, hs.url, HTTPContentType, io.MultiReader(bytes.NewReader(big))); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked body: %d, want 413", code)
	}

	// A body that starts and never ends is cut off by ReadTimeout.
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write(good[:5])
	within(t, 5*time.Second, "slow body", func() {
		if code, _, _ := rawPost(t, http.MethodPost, hs.url, HTTPContentType, pr); code != http.StatusRequestTimeout {
			t.Errorf("slow body: %d, want 408", code)
		}
	})

	for name, body := range map[string][]byte{
		"empty":   nil,
		"garbage": []byte("GET / HTTP/1.1"),
		"cut":     good[:6],
	} {
		if code, _, _ := rawPost(t, http.MethodPost, hs.url, HTTPContentType, bytes.NewReader(body)); code != http.StatusBadRequest {
			t.Errorf("%s body: %d, want 400", name, code)
		}
	}

	// A readable header with undecodable arguments gets PROTOCOL_ERROR.
	bad := message("add", MessageCall, 9, []byte{byte(TypeString), 0, 1, 0xff, 0xff, 0xff, 0xff})
	code, _, body := rawPost(t, http.MethodPost, hs.url, HTTPContentType, bytes.NewReader(bad))
	d := NewDecoder(body, Limits{})
	name, typ, seq, err := d.ReadMessageBegin()
	ae := &ApplicationError{}
	if err == nil {
		err = ae.Decode(d)
	}
	if code != http.StatusOK || err != nil || name != "add" || typ != MessageException || seq != 9 || ae.Type != ExceptionProtocolError {
		t.Errorf("bad arguments: %d %q %v %d %v %v, want a PROTOCOL_ERROR exception", code, name, typ, seq, ae, err)
	}
}

func TestHTTPClientLimitsAndErrors(t *testing.T) {
	hs := startHTTPServer(t, secTLS, nil)
	c := hs.client(t, WithLimits(Limits{MaxMessageSize: 512}))
	var res strStruct
	err := c.Call(callCtx(t), "repeat", &pairArgs{A: 4000}, &res)
	if !errors.Is(err, ErrSizeLimit) {
		t.Errorf("oversized reply: %v, want ErrSizeLimit", err)
	}
	if err := c.Call(callCtx(t), "add", &strStruct{ID: 1, S: str(strings.Repeat("x", 600))}, &res); !errors.Is(err, ErrSizeLimit) {
		t.Errorf("oversized request: %v, want ErrSizeLimit", err)
	}
	add(t, c, 5, 6)
	closed := hs.client(t)
	closed.Close()
	if err := closed.Call(callCtx(t), "add", &pairArgs{}, &i32Result{}); !errors.Is(err, ErrClientClosed) {
		t.Errorf("call after Close: %v, want ErrClientClosed", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	within(t, 5*time.Second, "call past its deadline", func() {
		if err := c.Call(ctx, "sleep", &pairArgs{A: 10000}, &i32Result{}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("call past its deadline: %v", err)
		}
	})
	if err := <-hs.svc.sleepEnded; !errors.Is(err, context.Canceled) {
		t.Errorf("handler context after the client left: %v, want canceled", err)
	}
	ct := hs.client(t, WithCallTimeout(100*time.Millisecond))
	if err := ct.Call(context.Background(), "sleep", &pairArgs{A: 10000}, &i32Result{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call past WithCallTimeout: %v", err)
	}

	nf, err := NewHTTPClient(strings.TrimSuffix(hs.url, "/thrift")+"/missing", WithTLS(getPKI(t).clientTLS))
	if err != nil {
		t.Fatal(err)
	}
	defer nf.Close()
	err = nf.Call(callCtx(t), "add", &pairArgs{}, &i32Result{})
	var se *HTTPStatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound || !strings.Contains(err.Error(), "404") {
		t.Errorf("wrong path: %v, want an HTTPStatusError 404", err)
	}
}

func TestHTTPMutualTLSRefused(t *testing.T) {
	hs := startHTTPServer(t, secMTLS, nil)
	p := getPKI(t)
	for name, cfg := range map[string]*HTTPClient{
		"no certificate": mustHTTPClient(t, hs.url, WithTLS(p.noCertTLS)),
		"other CA":       mustHTTPClient(t, hs.url, WithTLS(p.otherCAClientTLS)),
	} {
		if err := cfg.Call(callCtx(t), "add", &pairArgs{}, &i32Result{}); err == nil {
			t.Errorf("%s: call accepted by a mutual-TLS server", name)
		}
	}
	// A client that does not trust the server's CA is refused too.
	if err := mustHTTPClient(t, hs.url).Call(callCtx(t), "add", &pairArgs{}, &i32Result{}); err == nil {
		t.Error("server certificate from an unknown CA accepted")
	}
}

func mustHTTPClient(t *testing.T, url string, opts ...ClientOption) *HTTPClient {
	t.Helper()
	c, err := NewHTTPClient(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A server that answers a oneway POST only after running the call (as
// Apache Go's NewThriftHandlerFunc does) does not hold up Oneway, and a
// refusal that arrives before the request is written is an error.
func TestHTTPOnewayDoesNotWaitForTheAnswer(t *testing.T) {
	release := make(chan struct{})
	got := make(chan int, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- len(b)
		<-release
	})
	srv := NewPlaintextHTTPServer(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	defer close(release)
	c := mustHTTPClient(t, "http://"+ln.Addr().String()+"/slow", WithPlaintext())
	if err := c.Oneway(callCtx(t), "note", &strStruct{ID: 1, S: str("x")}); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		if n == 0 {
			t.Error("server got an empty body")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("request never reached the server")
	}

	dead := mustHTTPClient(t, "http://127.0.0.1:1/", WithPlaintext())
	if err := dead.Oneway(callCtx(t), "note", &strStruct{ID: 1, S: str("x")}); err == nil {
		t.Error("oneway to a closed port succeeded")
	}
}

func TestHTTPHeaderTransport(t *testing.T) {
	hs := startHTTPServer(t, secTLS, func(h *HTTPHandler) { h.Header = true })
	for _, p := range []Protocol{Binary, Compact} {
		c := hs.client(t, WithTransport(Header), WithProtocol(p))
		add(t, c, 3, 4)
		var got map[string]string
		ctx := WithHeaders(callCtx(t), map[string]string{"x-trace": "t1"}, &got)
		var res strStruct
		if err := c.Call(ctx, "header", &strStruct{ID: 1, S: str("x-trace")}, &res); err != nil {
			t.Fatal(err)
		}
		if *res.S != "t1" || got["x-echo"] != "t1" {
			t.Errorf("%v: handler saw %q, reply headers %v", p, *res.S, got)
		}
	}
	// An info header that is no valid HTTP header still travels in the frame.
	var got map[string]string
	ctx := WithHeaders(callCtx(t), map[string]string{"trace id": "t2"}, &got)
	var spaced strStruct
	if err := hs.client(t, WithTransport(Header)).Call(ctx, "header", &strStruct{ID: 1, S: str("trace id")}, &spaced); err != nil || *spaced.S != "t2" || got["x-echo"] != "t2" {
		t.Errorf("info header with a space: %v, handler saw %v, reply headers %v", err, spaced.S, got)
	}

	// Plain binary and compact bodies are served too, as on a connection.
	add(t, hs.client(t), 1, 2)
	add(t, hs.client(t, WithProtocol(Compact)), 1, 2)

	// Info headers travel in the frame itself: a raw POST without any
	// HTTP header but the content type.
	bc := newBodyCodec(Header, Binary, Limits{})
	body, err := bc.write("header", MessageCall, 5, &strStruct{ID: 1, S: str("x-frame")}, map[string]string{"x-frame": "in-frame"})
	if err != nil {
		t.Fatal(err)
	}
	pc := hs.client(t) // for its TLS transport
	req, _ := http.NewRequestWithContext(callCtx(t), http.MethodPost, hs.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", HTTPContentType)
	resp, err := pc.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	name, typ, seq, err := bc.read(reply)
	var res strStruct
	if err == nil {
		err = res.Decode(bc.w.dec)
	}
	if err != nil || name != "header" || typ != MessageReply || seq != 5 || *res.S != "in-frame" || bc.infoHeaders()["x-echo"] != "in-frame" {
		t.Errorf("raw header frame: %q %v %d %v %v, info %v", name, typ, seq, res.S, err, bc.infoHeaders())
	}
	if resp.Header.Get("X-Echo") != "in-frame" {
		t.Errorf("HTTP response header X-Echo = %q", resp.Header.Get("X-Echo"))
	}

	det := startHTTPServer(t, secPlain, func(h *HTTPHandler) { h.DetectProtocol = true })
	add(t, det.client(t, WithTransport(Header), WithProtocol(Compact)), 8, 9)
}

func TestHTTPMemoryBudget(t *testing.T) {
	hs := startHTTPServer(t, secPlain, func(h *HTTPHandler) {
		h.Limits.MaxMessageSize = 1 << 20
		h.MaxInflightBytes = 100 << 10
		h.ReadTimeout = 2 * time.Second // bounds a wait for budget too
	})
	c := hs.client(t)
	big := &strStruct{ID: 3, S: str(strings.Repeat("x", 200<<10))} // skipped by add's args
	err := c.Call(callCtx(t), "add", big, &i32Result{})
	var se *HTTPStatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("body over the memory budget: %v, want HTTP 503", err)
	}
	add(t, c, 1, 2) // small calls never wait
	// The budget was given back: a body within it is served.
	if err := c.Call(callCtx(t), "void", &strStruct{ID: 3, S: str(strings.Repeat("x", 80<<10))}, &emptyStruct{}); err != nil {
		t.Fatalf("body within the budget: %v", err)
	}
	// The next request on the kept-alive connection is read only once the
	// previous handler returned (and gave its budget back).
	add(t, c, 3, 4)
	if n := hs.h.cfg.budget.inUse(); n != 0 {
		t.Errorf("budget in use after the calls: %d bytes", n)
	}
}

// Mangled bodies in every protocol get a 200 (an exception or a reply) or
// a 400, never a panic or another status.
func TestHTTPHandlerMangledBodies(t *testing.T) {
	svc := newTestService()
	for _, p := range []Protocol{Binary, Compact, JSON} {
		h := &HTTPHandler{Handler: svc.processor(), Protocol: p, Logger: testLogger(), DetectProtocol: p == JSON}
		bc := newBodyCodec(Buffered, p, Limits{})
		valid, err := bc.write("add", MessageCall, 1, &pairArgs{A: 1, B: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		valid = append([]byte(nil), valid...)
		rng := rand.New(rand.NewPCG(1, uint64(p)))
		for i := range 3000 {
			body := append([]byte(nil), valid...)
			switch i % 3 {
			case 0: // flip bytes
				for range 1 + rng.IntN(3) {
					body[rng.IntN(len(body))] = byte(rng.IntN(256))
				}
			case 1: // cut
				body = body[:rng.IntN(len(body))]
			case 2: // insert
				at := rng.IntN(len(body))
				body = append(body[:at], append([]byte{byte(rng.IntN(256))}, body[at:]...)...)
			}
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("Content-Type", HTTPContentType)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Fatalf("%v body %x: status %d", p, body, rec.Code)
			}
		}
	}
	for len(svc.notes) > 0 {
		<-svc.notes
	}
}

// A bearer token travels in the HTTP Authorization header, and the
// plaintext rule holds over HTTP as over a socket.
func TestHTTPBearerToken(t *testing.T) {
	hs := startHTTPServer(t, secTLS, nil)
	c := hs.client(t, WithBearerToken(StaticToken("tok-1")))
	var res strStruct
	if err := c.Call(callCtx(t), "header", &strStruct{ID: 1, S: str("authorization")}, &res); err != nil {
		t.Fatal(err)
	}
	if *res.S != "Bearer tok-1" {
		t.Errorf("handler saw authorization %q, want %q", *res.S, "Bearer tok-1")
	}
	if _, err := NewHTTPClient("http://127.0.0.1:1/", WithPlaintext(), WithBearerToken(StaticToken("t"))); err == nil {
		t.Error("a bearer token over plaintext HTTP was accepted without WithInsecureBearerToken")
	}
	if _, err := NewHTTPClient("http://127.0.0.1:1/", WithPlaintext(), WithBearerToken(StaticToken("t")), WithInsecureBearerToken()); err != nil {
		t.Errorf("WithInsecureBearerToken over plaintext HTTP refused: %v", err)
	}
}
