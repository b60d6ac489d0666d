package runtime

import (
	"errors"
	"strconv"
)

// ProtocolErrorKind classifies a ProtocolError. The values are the type ids
// of Apache Thrift's TProtocolException, so a server can report them to
// clients of any Thrift implementation unchanged.
type ProtocolErrorKind int

// The kinds of protocol error, numbered as in Apache Thrift.
const (
	KindUnknown        ProtocolErrorKind = 0 // anything else, e.g. truncated input
	KindInvalidData    ProtocolErrorKind = 1 // bytes that are not a valid value
	KindNegativeSize   ProtocolErrorKind = 2 // a length or count below zero
	KindSizeLimit      ProtocolErrorKind = 3 // a length, count or message over a limit
	KindBadVersion     ProtocolErrorKind = 4 // a message header with a wrong version word
	KindNotImplemented ProtocolErrorKind = 5 // a feature the protocol lacks
	KindDepthLimit     ProtocolErrorKind = 6 // structs or containers nested too deep
)

// String returns the Apache name of k ("INVALID_DATA", ...).
func (k ProtocolErrorKind) String() string {
	switch k {
	case KindUnknown:
		return "UNKNOWN"
	case KindInvalidData:
		return "INVALID_DATA"
	case KindNegativeSize:
		return "NEGATIVE_SIZE"
	case KindSizeLimit:
		return "SIZE_LIMIT"
	case KindBadVersion:
		return "BAD_VERSION"
	case KindNotImplemented:
		return "NOT_IMPLEMENTED"
	case KindDepthLimit:
		return "DEPTH_LIMIT"
	}
	return "ProtocolErrorKind(" + strconv.Itoa(int(k)) + ")"
}

// Sentinel errors, one per kind a caller may want to branch on. A
// *ProtocolError matches the sentinel of its Kind with errors.Is:
//
//	if errors.Is(err, runtime.ErrSizeLimit) { ... }
var (
	ErrInvalidData  = errors.New("thrift: invalid data")
	ErrNegativeSize = errors.New("thrift: negative size")
	ErrSizeLimit    = errors.New("thrift: size limit exceeded")
	ErrBadVersion   = errors.New("thrift: bad version")
	ErrDepthLimit   = errors.New("thrift: depth limit exceeded")
)

// ProtocolError reports input that the Decoder refused, or could not read to
// the end. Msg says what was wrong, with the numbers involved; Err, when set,
// is the underlying cause (io.ErrUnexpectedEOF for truncated input) and is
// reachable with errors.Is and errors.As.
type ProtocolError struct {
	Kind ProtocolErrorKind
	Msg  string
	Err  error
}

// Error returns "thrift: " followed by Msg and, if set, Err.
func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return "thrift: " + e.Msg + ": " + e.Err.Error()
	}
	return "thrift: " + e.Msg
}

// Unwrap returns the underlying cause, if any.
func (e *ProtocolError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel error of e's Kind, so that
// errors.Is(err, ErrSizeLimit) holds for every size-limit error.
func (e *ProtocolError) Is(target error) bool {
	var s error
	switch e.Kind {
	case KindInvalidData:
		s = ErrInvalidData
	case KindNegativeSize:
		s = ErrNegativeSize
	case KindSizeLimit:
		s = ErrSizeLimit
	case KindBadVersion:
		s = ErrBadVersion
	case KindDepthLimit:
		s = ErrDepthLimit
	default:
		return false
	}
	return target == s
}

// protoErr builds a *ProtocolError; it lives out of line so that the code
// paths that can fail stay small.
//
//go:noinline
func protoErr(k ProtocolErrorKind, msg string, cause error) error {
	return &ProtocolError{Kind: k, Msg: msg, Err: cause}
}

// itoa is strconv.Itoa, short enough to keep error messages readable.
func itoa(n int) string { return strconv.Itoa(n) }
