// Package runtime is the support library imported by code that thriftsec-gen
// generates: a codec for the Apache Thrift binary protocol, a TLS-first
// server and client that carry generated services, and the small types
// (UUID, Pair, Struct) the generated code is written against.
//
// # Services
//
// A Server is shaped like net/http.Server:
//
//	srv := &runtime.Server{Handler: calc.NewCalculatorProcessor(h), TLSConfig: cfg}
//	go srv.ListenAndServe("127.0.0.1:9090")
//	defer srv.Shutdown(ctx)
//
// It serves TLS unless Plaintext is set by name, frames messages
// (Transport Framed, or Buffered for unframed peers), and bounds everything
// a peer can hold: the TLS handshake (HandshakeTimeout), the wait for the
// next request (IdleTimeout, even while a oneway handler runs), the time
// to read a started request (ReadTimeout) and to write a reply
// (WriteTimeout), the established connections (MaxConns) and, apart from
// them, those not yet established (MaxHandshakes, with a share per source
// address, evicting the connection that has sent least), the memory of
// requests and replies across all connections (MaxInflightBytes), and the
// size and shape of what it decodes and encodes (Limits). A handler's
// panic or plain error becomes an INTERNAL_ERROR application exception
// for that call only, carrying an error id rather than the error's text.
// Shutdown lets calls in flight finish and answers later requests with
// ExceptionNotExecuted (ErrNotExecuted), which the Client retries; Close
// stops at once; Serve returns ErrServerClosed after either.
//
// Dial returns a *Client, safe for concurrent use: a pool of connections,
// one call in flight on each (several with WithPipelining, see
// pipeline.go), that notices connections the server closed and drops
// them before reuse. Every call honours its context, and one
// without a deadline gets WithCallTimeout's. Generated clients take it as
// their Caller. Interceptors wrap calls on both sides (the first is
// outermost); LoggingServerInterceptor and LoggingClientInterceptor log
// with log/slog.
//
// # TLS
//
// The TLS helpers clone the caller's *tls.Config, never modify it, and fill
// in secure defaults: TLS 1.2 at least, AEAD cipher suites only, Go's
// default key exchange (post-quantum hybrid on), hostname verification on.
// ServerTLSFromFiles and ClientTLSFromFiles build configurations from PEM
// files; the server's re-reads its certificate and CA files without a
// restart. A handler finds the verified peer (certificate, SANs, SPIFFE ID)
// with PeerFromContext. Package runtime/devcert and `thriftsec-gen certs`
// make development certificates.
//
// # Credentials and authorization
//
// WithBearerToken sends a token from a TokenSource (StaticToken,
// NewRefreshingTokenSource) with every call as "authorization: Bearer ..."
// over a transport that carries headers; Dial refuses it over plaintext
// unless WithInsecureBearerToken says so. contrib/jwt verifies such tokens
// on the server and puts their claims in the context; package
// runtime/authz decides, per service and method, which mTLS peers and
// which claims may call.
//
// # Wire compatibility
//
// The Encoder writes exactly what Apache Thrift's TBinaryProtocol writes with
// strict writes on (the default of every Apache library): big-endian
// integers, IEEE 754 doubles, i32 length prefixes, and messages that start
// with the version word 0x80010000|type. The Decoder accepts both strict and
// old non-strict message headers, as Apache's does by default.
//
// TCompactProtocol and TJSONProtocol (Server.Protocol, WithProtocol, Codec)
// are transcoded to and from binary at the message boundary, so generated
// code keeps its one binary codec; see Protocol for the design and its
// measurements.
//
// Over HTTP and HTTPS (Apache's THttpClient and THttpServer), HTTPClient is
// a Caller that POSTs each call and HTTPHandler an http.Handler that serves
// a Processor behind any net/http middleware; see http.go.
//
// # Speed
//
// Generated code calls the concrete methods of *Encoder and *Decoder, never an
// interface per field. Encoding appends to a byte slice the Encoder owns and
// cannot fail, so encoding into a reused Encoder allocates nothing; every
// Write method but WriteBinary is small enough for the compiler to inline.
//
// The Read methods read straight from the buffered bytes with no further
// call when enough are there, and go out of line only to refill from a
// stream or to build an error. They are not inlined: the compiler charges
// any call that is not itself inlined 57 of its budget of 80, so a method
// that returns (value, error) and must have a slow path cannot fit; what
// remains is one direct call per value. Decoding allocates only for the
// strings, binaries and containers the decoded value holds.
//
// # Hostile input
//
// A Decoder is meant to face bytes from a peer it does not trust. It never
// panics and never loops without consuming input, whatever it is given, and
// it bounds what it accepts with Limits:
//
//   - every string, binary and container length is checked for being negative,
//     for the configured maximum, and, before anything is allocated, against
//     the bytes that can still arrive in the message (Decoder.Remaining): a
//     container of n elements needs at least n times the smallest encoding of
//     its element type, so a 20-byte message that declares 2^31-1 elements is
//     rejected at once;
//   - nesting of structs and containers is bounded by MaxDepth, in Skip too;
//   - a stream Decoder grows its buffer only as bytes actually arrive, never
//     from a declared length, so a peer that announces a 16 MiB string and
//     sends ten bytes costs a few KiB;
//   - a message may not exceed MaxMessageSize bytes.
//
// Errors are *ProtocolError values whose Kind mirrors Apache's
// TProtocolException type ids; match them with errors.Is against
// ErrInvalidData, ErrNegativeSize, ErrSizeLimit, ErrBadVersion and
// ErrDepthLimit. Input that ends too early gives an error that wraps
// io.ErrUnexpectedEOF.
//
// An Encoder or Decoder is not safe for concurrent use; give each goroutine
// (or connection) its own and reuse it.
package runtime
