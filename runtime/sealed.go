package runtime

// Sealer seals and opens whole messages, for links where TLS cannot be
// used: with Server.Sealer or WithSealer set, every frame's payload is a
// token from Seal instead of the message itself, so the link needs the
// Framed transport. Package runtime/fernet provides one whose tokens are
// Fernet tokens (a 4-byte big-endian length, then the token's URL-safe
// base64 text; inside, one whole Thrift message), with a time to live and
// replay protection, which peers in any language can implement.
//
// TLS remains the first choice: it also hides message sizes and timing,
// authenticates the server by name, and needs no shared secret. A sealed
// link runs over TLS too, when both are set.
type Sealer interface {
	// Seal returns the token for msg; msg must not be retained.
	Seal(msg []byte) ([]byte, error)
	// Open checks a token and returns the message inside; it refuses
	// forged, expired and replayed tokens.
	Open(token []byte) ([]byte, error)
}

// SealError reports a message a Sealer refused to open (or failed to
// seal). A server closes the connection; nothing is replied, since the
// peer cannot be trusted to be who it claims.
type SealError struct{ Err error }

func (e *SealError) Error() string { return "thrift: sealed message: " + e.Err.Error() }

// Unwrap returns the Sealer's error.
func (e *SealError) Unwrap() error { return e.Err }

// WithSealer makes the client seal every request and open every reply
// with s (see Sealer). It needs the Framed transport.
func WithSealer(s Sealer) ClientOption {
	return func(o *clientOptions) { o.sealer = s }
}
