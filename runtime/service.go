package runtime

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// Caller sends calls for generated clients. *Client implements it; tests
// and middleware can supply their own.
type Caller interface {
	// Call sends a CALL message named method with args, waits for the
	// REPLY and decodes it into result. An EXCEPTION reply is returned as
	// an *ApplicationError.
	Call(ctx context.Context, method string, args, result Struct) error
	// Oneway sends a ONEWAY message and returns once it is written; the
	// server sends nothing back.
	Oneway(ctx context.Context, method string, args Struct) error
}

// Method is one function of a service as the server sees it. Generated
// processors build one per IDL function.
type Method struct {
	// Oneway: the client expects no reply, so none is sent, not even for
	// errors.
	Oneway bool
	// NewArgs returns an empty args struct to decode the call into.
	NewArgs func() Struct
	// Handle runs the user's handler on decoded args. It returns the result
	// struct to send in a REPLY (a declared exception is part of it), or an
	// error: an *ApplicationError is sent as is, any other error becomes an
	// INTERNAL_ERROR application exception.
	Handle func(ctx context.Context, args Struct) (Struct, error)
}

// Processor dispatches calls by method name to a service's methods. A
// processor for a service that extends another also holds the parent's
// methods.
type Processor struct {
	service string
	methods map[string]*Method
}

// NewProcessor returns a processor for the named service with no methods.
func NewProcessor(service string) *Processor {
	return &Processor{service: service, methods: map[string]*Method{}}
}

// Service returns the IDL name of the service.
func (p *Processor) Service() string { return p.service }

// Register adds or replaces the method called name (the IDL function name,
// as it travels on the wire). A child service registers after its parent,
// so its own definition wins.
func (p *Processor) Register(name string, m Method) {
	p.methods[name] = &m
}

// Method returns the method called name, or nil when there is none.
func (p *Processor) Method(name string) *Method { return p.methods[name] }

// MethodNames returns the registered method names, sorted.
func (p *Processor) MethodNames() []string {
	names := make([]string, 0, len(p.methods))
	for name := range p.methods {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ApplicationExceptionType is the type code of an application exception,
// with Apache Thrift's numbering so that every peer understands it.
type ApplicationExceptionType int32

// Apache Thrift's TApplicationException type codes.
const (
	ExceptionUnknown               ApplicationExceptionType = 0
	ExceptionUnknownMethod         ApplicationExceptionType = 1
	ExceptionInvalidMessageType    ApplicationExceptionType = 2
	ExceptionWrongMethodName       ApplicationExceptionType = 3
	ExceptionBadSequenceID         ApplicationExceptionType = 4
	ExceptionMissingResult         ApplicationExceptionType = 5
	ExceptionInternalError         ApplicationExceptionType = 6
	ExceptionProtocolError         ApplicationExceptionType = 7
	ExceptionInvalidTransform      ApplicationExceptionType = 8
	ExceptionInvalidProtocol       ApplicationExceptionType = 9
	ExceptionUnsupportedClientType ApplicationExceptionType = 10

	// ExceptionNotExecuted is thriftsec's own: the server refused the
	// call without running any of it (it is shutting down), so the
	// client may send it again, to another server. Apache peers show it
	// as an application exception of type 100 with a message that says
	// so. The number is outside the range Apache and fbthrift use.
	ExceptionNotExecuted ApplicationExceptionType = 100
)

// ErrNotExecuted matches, with errors.Is, an *ApplicationError of type
// ExceptionNotExecuted: the call provably never reached a handler, so
// retrying it is safe even when it is not idempotent.
var ErrNotExecuted = errors.New("thrift: call not executed")

// notExecuted is the answer Shutdown gives to a call it will not run.
func notExecuted(method string) *ApplicationError {
	return NewApplicationError(ExceptionNotExecuted, "%s: server shutting down; call not executed, retry elsewhere", method)
}

var exceptionTypeNames = [...]string{
	"UNKNOWN", "UNKNOWN_METHOD", "INVALID_MESSAGE_TYPE", "WRONG_METHOD_NAME",
	"BAD_SEQUENCE_ID", "MISSING_RESULT", "INTERNAL_ERROR", "PROTOCOL_ERROR",
	"INVALID_TRANSFORM", "INVALID_PROTOCOL", "UNSUPPORTED_CLIENT_TYPE",
}

func (t ApplicationExceptionType) String() string {
	if t == ExceptionNotExecuted {
		return "NOT_EXECUTED"
	}
	if t >= 0 && int(t) < len(exceptionTypeNames) {
		return exceptionTypeNames[t]
	}
	return fmt.Sprintf("ApplicationExceptionType(%d)", int32(t))
}

// ApplicationError is Thrift's TApplicationException: an error about the
// call itself (unknown method, internal error, ...) rather than one the
// IDL declares. On the wire it is a struct {1: string message, 2: i32 type}
// sent in an EXCEPTION message.
type ApplicationError struct {
	Type    ApplicationExceptionType
	Message string
}

// NewApplicationError returns an application error of the given type.
func NewApplicationError(t ApplicationExceptionType, format string, args ...any) *ApplicationError {
	return &ApplicationError{Type: t, Message: fmt.Sprintf(format, args...)}
}

func (e *ApplicationError) Error() string {
	if e.Message == "" {
		return "thrift application exception " + e.Type.String()
	}
	return "thrift application exception " + e.Type.String() + ": " + e.Message
}

// Is reports whether target is ErrNotExecuted and e says the call was not
// executed.
func (e *ApplicationError) Is(target error) bool {
	return target == ErrNotExecuted && e.Type == ExceptionNotExecuted
}

// Encode writes the exception struct.
func (e *ApplicationError) Encode(enc *Encoder) error {
	enc.WriteFieldBegin(TypeString, 1)
	enc.WriteString(e.Message)
	enc.WriteFieldBegin(TypeI32, 2)
	enc.WriteI32(int32(e.Type))
	enc.WriteFieldStop()
	return nil
}

// Decode reads the exception struct, skipping fields it does not know.
func (e *ApplicationError) Decode(d *Decoder) error {
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
		switch {
		case id == 1 && t == TypeString:
			if e.Message, err = d.ReadString(); err != nil {
				return err
			}
		case id == 2 && t == TypeI32:
			v, err := d.ReadI32()
			if err != nil {
				return err
			}
			e.Type = ApplicationExceptionType(v)
		default:
			if err := d.Skip(t); err != nil {
				return err
			}
		}
	}
	d.ReadStructEnd()
	return nil
}

// MissingResultError is what a generated client returns when a reply for a
// non-void function carries neither a result nor a declared exception.
func MissingResultError(method string) error {
	return NewApplicationError(ExceptionMissingResult, "%s failed: unknown result", method)
}
