// Package runtime is the support library imported by code that thriftsec-gen
// generates: a codec for the Apache Thrift binary protocol, framing helpers,
// and the small types (UUID, Pair, Struct) the generated code is written
// against.
//
// # Wire compatibility
//
// The Encoder writes exactly what Apache Thrift's TBinaryProtocol writes with
// strict writes on (the default of every Apache library): big-endian
// integers, IEEE 754 doubles, i32 length prefixes, and messages that start
// with the version word 0x80010000|type. The Decoder accepts both strict and
// old non-strict message headers, as Apache's does by default.
//
// # Speed
//
// Generated code calls the concrete methods of *Encoder and *Decoder, never an
// interface per field. Encoding appends to a byte slice the Encoder owns and
// cannot fail, so encoding into a reused Encoder allocates nothing; every
// Write method is small enough for the compiler to inline.
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
