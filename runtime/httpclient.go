package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultHTTPIdleConnTimeout is how long an HTTPClient keeps an idle
// connection for the next call.
const DefaultHTTPIdleConnTimeout = 90 * time.Second

// WithHTTPHeader adds a header to every request of an HTTPClient (an
// API key, a User-Agent). It may be given more than once; the headers of
// WithHeaders in a call's context are set over these.
func WithHTTPHeader(name, value string) ClientOption {
	return func(o *clientOptions) {
		if o.httpHeader == nil {
			o.httpHeader = http.Header{}
		}
		o.httpHeader.Add(name, value)
	}
}

// HTTPStatusError is a reply whose HTTP status is not 200: the server (or
// a proxy in front of it) refused the call before Thrift could answer.
type HTTPStatusError struct {
	StatusCode int
	Status     string // as the server sent it, "404 Not Found"
	Body       string // the start of the response body, for the reason
}

func (e *HTTPStatusError) Error() string {
	s := "thrift: HTTP " + e.Status
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// maxErrorBody is how much of a non-200 body an HTTPStatusError keeps.
const maxErrorBody = 512

// HTTPClient calls a Thrift server over HTTP or HTTPS (see http.go). It
// implements Caller, so generated clients take it, and it is safe for
// concurrent use: each call is one POST on a pool of kept-alive
// connections (HTTP/2 when the server offers it by ALPN, one multiplexed
// connection then).
//
// It takes the options of Dial: WithTLS (or the system roots by default;
// mutual TLS with a client certificate), WithPlaintext, which an http://
// URL needs by name, WithProtocol, WithLimits (replies over
// MaxMessageSize are refused; requests over it are never sent),
// WithCallTimeout, WithDialTimeout (connecting plus the TLS handshake),
// WithMaxConns (connections per server), WithDialer, WithInterceptors,
// plus WithHTTPHeader for static request headers. Calls are never
// retried. Proxies come from the environment (HTTPS_PROXY, NO_PROXY), as
// for net/http's default client.
type HTTPClient struct {
	url    string
	opts   clientOptions
	peer   *Peer
	hc     *http.Client
	tr     *http.Transport
	invoke ClientInvoker // nil without interceptors
	seq    atomic.Int32
	codecs bodyCodecs
	closed atomic.Bool
}

// NewHTTPClient returns a client that POSTs calls to rawURL, an https://
// URL, or an http:// one with WithPlaintext. Nothing is sent until the
// first call.
func NewHTTPClient(rawURL string, opts ...ClientOption) (*HTTPClient, error) {
	o := clientOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("thrift: HTTP client URL: %w", err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("thrift: HTTP client URL %q: scheme must be https (or http with WithPlaintext)", rawURL)
	case u.Host == "":
		return nil, fmt.Errorf("thrift: HTTP client URL %q has no host", rawURL)
	case o.plaintext && o.tls != nil:
		return nil, errors.New("thrift: NewHTTPClient given both WithTLS and WithPlaintext; choose one")
	case u.Scheme == "http" && !o.plaintext:
		return nil, fmt.Errorf("thrift: HTTP client URL %q is unencrypted; use https, or WithPlaintext to choose plaintext by name", rawURL)
	case u.Scheme == "https" && o.plaintext:
		return nil, fmt.Errorf("thrift: HTTP client URL %q is https but WithPlaintext was given; choose one", rawURL)
	case !o.protocol.valid():
		return nil, fmt.Errorf("thrift: protocol %v is not Binary, Compact or JSON", o.protocol)
	case o.transport == Buffered:
		return nil, errors.New("thrift: the Buffered transport does not apply over HTTP, where the body delimits each message (use the default, or Header)")
	case o.transport == FramedHeader:
		return nil, errors.New("thrift: the FramedHeader transport does not apply over HTTP, where the body delimits each message (use Header)")
	case o.transport == Header && o.protocol == JSON:
		return nil, errors.New("thrift: the Header transport carries Binary or Compact, not JSON")
	case !o.transport.valid():
		return nil, fmt.Errorf("thrift: transport %v is not Framed, Buffered or Header", o.transport)
	case o.sealer != nil:
		return nil, errors.New("thrift: WithSealer is not supported over HTTP")
	case o.pipeline > 1:
		return nil, errors.New("thrift: WithPipelining does not apply over HTTP, where each call is its own request")
	}
	for k, vs := range o.httpHeader {
		for _, v := range vs {
			if reservedHeader(k) || !validHeader(k, v) {
				return nil, fmt.Errorf("thrift: WithHTTPHeader %q cannot be set", k)
			}
		}
	}
	// Every HTTP request carries headers, whatever the body's framing.
	if err := o.useTokens(true); err != nil {
		return nil, err
	}
	o.setDefaults()

	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		TLSHandshakeTimeout:    o.dialTimeout,
		ForceAttemptHTTP2:      true, // a custom TLS config turns it off otherwise
		MaxIdleConns:           o.maxConns,
		MaxIdleConnsPerHost:    o.maxConns,
		MaxConnsPerHost:        o.maxConns,
		IdleConnTimeout:        DefaultHTTPIdleConnTimeout,
		MaxResponseHeaderBytes: DefaultHTTPMaxHeaderBytes,
		// The body is the Thrift message as the server wrote it; a
		// transparent gzip layer would let a small reply inflate past
		// what the limits count.
		DisableCompression: true,
	}
	dial := o.dialer
	if dial == nil {
		d := &net.Dialer{}
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	dialTimeout := o.dialTimeout
	tr.DialContext = func(ctx context.Context, _, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		return dial(ctx, addr)
	}
	if !o.plaintext {
		tr.TLSClientConfig = SecureClientTLS(o.tls, net.JoinHostPort(u.Hostname(), "0"))
	}
	c := &HTTPClient{
		url:    u.String(),
		opts:   o,
		peer:   &Peer{Addr: dialAddr(u.Host)},
		hc:     &http.Client{Transport: tr, CheckRedirect: noRedirect},
		tr:     tr,
		codecs: bodyCodecs{t: Buffered, p: o.protocol, lim: o.lim},
	}
	if o.transport == Header {
		c.codecs.t = Header
	}
	if len(o.interceptors) > 0 {
		c.invoke = chainClient(o.interceptors, func(ctx context.Context, info *CallInfo, args, result Struct) error {
			return c.roundTrip(ctx, info.Method, args, result, info.Oneway)
		})
	}
	return c, nil
}

// noRedirect refuses redirects: a POST body is not replayed elsewhere,
// and a redirect is a misconfigured URL better reported than followed.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Call sends a CALL for method with args and decodes the REPLY into
// result. An EXCEPTION reply is returned as an *ApplicationError, a
// non-200 status as an *HTTPStatusError.
func (c *HTTPClient) Call(ctx context.Context, method string, args, result Struct) error {
	if c.invoke != nil {
		return c.invoke(ctx, &CallInfo{Method: method, Peer: c.peer}, args, result)
	}
	return c.roundTrip(ctx, method, args, result, false)
}

// Oneway sends a ONEWAY message for method and returns once the request
// is written; the server's answer is read in the background.
func (c *HTTPClient) Oneway(ctx context.Context, method string, args Struct) error {
	if c.invoke != nil {
		return c.invoke(ctx, &CallInfo{Method: method, Oneway: true, Peer: c.peer}, args, nil)
	}
	return c.roundTrip(ctx, method, args, nil, true)
}

// Close closes the idle connections and makes later calls fail with
// ErrClientClosed. Calls in flight finish.
func (c *HTTPClient) Close() error {
	c.closed.Store(true)
	c.tr.CloseIdleConnections()
	return nil
}

func (c *HTTPClient) roundTrip(ctx context.Context, method string, args, result Struct, oneway bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("thrift: call %s: %w", method, err)
	}
	if c.closed.Load() {
		return fmt.Errorf("thrift: call %s: %w", method, notSentError{ErrClientClosed})
	}
	limit, ok := ctx.Deadline()
	if !ok && c.opts.callTimeout > 0 {
		limit = time.Now().Add(c.opts.callTimeout)
	}
	if oneway {
		return c.oneway(ctx, limit, method, args)
	}
	if !limit.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, limit)
		defer cancel()
	}
	bc := c.codecs.get()
	defer c.codecs.put(bc)
	seq := c.seq.Add(1)
	req, hdrs, err := c.request(ctx, bc, method, MessageCall, seq, args)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("thrift: call %s: %w", method, err)
	}
	defer resp.Body.Close()
	if hdrs != nil && hdrs.sink != nil {
		*hdrs.sink = headerMap(resp.Header)
	}
	if err := statusError(resp); err != nil {
		return fmt.Errorf("thrift: call %s: %w", method, err)
	}
	reply, err := c.readBody(resp, &bc.buf)
	if err != nil {
		return fmt.Errorf("thrift: call %s: %w", method, err)
	}
	name, rtyp, rseq, err := bc.read(reply)
	if hdrs != nil && hdrs.sink != nil {
		*hdrs.sink = mergeHeaders(*hdrs.sink, bc.infoHeaders())
	}
	if err == nil {
		_, err = readReply(bc.w.dec, method, seq, result, name, rtyp, rseq)
	}
	var ae *ApplicationError
	if err != nil && !errors.As(err, &ae) {
		return fmt.Errorf("thrift: call %s: %w", method, err)
	}
	return err
}

// request encodes the message into bc and builds its POST, with the
// static headers and those of WithHeaders in ctx.
func (c *HTTPClient) request(ctx context.Context, bc *bodyCodec, method string, typ MessageType, seq int32, args Struct) (*http.Request, *callHeaders, error) {
	hdrs := headersFrom(ctx)
	var info map[string]string
	if hdrs != nil {
		info = hdrs.send
	}
	body, err := bc.write(method, typ, seq, args, info)
	if err != nil {
		return nil, nil, fmt.Errorf("thrift: call %s: encoding arguments: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("thrift: call %s: %w", method, err)
	}
	for k, vs := range c.opts.httpHeader {
		req.Header[k] = vs
	}
	if hdrs != nil {
		for k, v := range hdrs.send {
			if reservedHeader(k) || !validHeader(k, v) {
				if c.codecs.t == Header {
					continue // it travels in the header frame
				}
				return nil, nil, fmt.Errorf("thrift: call %s: header %q cannot be sent over HTTP", method, k)
			}
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Content-Type", HTTPContentType)
	req.Header.Set("Accept", HTTPContentType)
	return req, hdrs, nil
}

// statusError is an *HTTPStatusError for a response other than 200.
func statusError(resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return &HTTPStatusError{StatusCode: resp.StatusCode, Status: resp.Status, Body: strings.TrimSpace(string(snippet))}
}

// oneway sends a ONEWAY message and returns once the request is written,
// as Client.Oneway returns once its bytes are handed to the kernel.
// Apache's servers differ in when they answer a oneway POST (Python's
// THttpServer before running the call, Go's NewThriftHandlerFunc after it
// ran), and the caller of a oneway call waits for neither. The response is
// read in the background within the call's deadline; a failure that comes
// before the request is written (no connection, a refusal before the body
// was read) is returned, one after it is logged at Debug.
func (c *HTTPClient) oneway(ctx context.Context, limit time.Time, method string, args Struct) error {
	rctx := context.WithoutCancel(ctx)
	cancel := context.CancelFunc(func() {})
	if !limit.IsZero() {
		rctx, cancel = context.WithDeadline(rctx, limit)
	}
	wrote := make(chan error, 1)
	rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			select {
			case wrote <- i.Err:
			default:
			}
		},
	})
	bc := c.codecs.get()
	req, _, err := c.request(rctx, bc, method, MessageOneway, c.seq.Add(1), args)
	if err != nil {
		c.codecs.put(bc)
		cancel()
		return err
	}
	done := make(chan error, 1)
	go func() {
		defer cancel()
		defer c.codecs.put(bc) // the request reads its body from bc until Do returns
		resp, err := c.hc.Do(req)
		if err == nil {
			err = statusError(resp)
			// A short body is read so the connection can be reused.
			io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			resp.Body.Close()
		}
		if err != nil {
			c.opts.logger.Debug("thrift: oneway call over HTTP failed", "url", c.url, "method", method, "error", err)
		}
		done <- err
	}()
	select {
	case err = <-wrote:
	case err = <-done:
	case <-ctx.Done():
		cancel()
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("thrift: call %s: %w", method, err)
	}
	return nil
}

// readBody reads a reply body into buf, refusing one over MaxMessageSize
// before reading it when its length is declared, and as soon as it passes
// the limit otherwise.
func (c *HTTPClient) readBody(resp *http.Response, buf *bytes.Buffer) ([]byte, error) {
	max := c.opts.lim.MaxMessageSize
	if resp.ContentLength > int64(max) {
		return nil, protoErr(KindSizeLimit, "reply of "+strconv.FormatInt(resp.ContentLength, 10)+" bytes exceeds the limit of "+itoa(max)+" bytes", nil)
	}
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("reading the reply: %w", err)
	}
	if n > int64(max) {
		return nil, protoErr(KindSizeLimit, "reply exceeds the limit of "+itoa(max)+" bytes", nil)
	}
	if n == 0 {
		return nil, fmt.Errorf("empty reply body: %w", io.ErrUnexpectedEOF)
	}
	return buf.Bytes(), nil
}
