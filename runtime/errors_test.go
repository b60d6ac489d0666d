package runtime

import (
	"errors"
	"io"
	"testing"
)

func TestProtocolErrorIs(t *testing.T) {
	sentinels := map[ProtocolErrorKind]error{
		KindInvalidData:  ErrInvalidData,
		KindNegativeSize: ErrNegativeSize,
		KindSizeLimit:    ErrSizeLimit,
		KindBadVersion:   ErrBadVersion,
		KindDepthLimit:   ErrDepthLimit,
	}
	for kind, sentinel := range sentinels {
		err := error(&ProtocolError{Kind: kind, Msg: "x"})
		for other, s := range sentinels {
			if got := errors.Is(err, s); got != (other == kind) {
				t.Errorf("errors.Is(%v error, %v) = %v", kind, s, got)
			}
		}
		if !errors.Is(err, sentinel) {
			t.Errorf("%v does not match its sentinel", kind)
		}
	}
	err := error(&ProtocolError{Kind: KindUnknown, Msg: "cut", Err: io.ErrUnexpectedEOF})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("ProtocolError does not unwrap to its cause")
	}
	var pe *ProtocolError
	if _, err := NewDecoder([]byte{0x80}, Limits{}).ReadString(); !errors.As(err, &pe) || pe.Kind != KindUnknown {
		t.Errorf("truncated read: %#v", err)
	}
	if got := err.Error(); got != "thrift: cut: unexpected EOF" {
		t.Errorf("Error() = %q", got)
	}
}

func TestStringers(t *testing.T) {
	for v, want := range map[interface{ String() string }]string{
		TypeI32: "i32", TypeUUID: "uuid", TypeStop: "stop", Type(7): "Type(7)", Type(200): "Type(200)",
		MessageCall: "call", MessageOneway: "oneway", MessageType(9): "MessageType(9)",
		KindSizeLimit: "SIZE_LIMIT", ProtocolErrorKind(42): "ProtocolErrorKind(42)",
	} {
		if got := v.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
