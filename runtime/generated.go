package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// SupportPackageIsVersion1 is referenced by generated code so that code
// generated for a newer runtime fails to compile against an older one,
// instead of failing in subtle ways at run time.
const SupportPackageIsVersion1 = true

// Errors generated code returns, matchable with errors.Is.
var (
	// ErrRequiredFieldMissing: a decoded struct lacked a required field.
	ErrRequiredFieldMissing = errors.New("required field missing")
	// ErrRequiredFieldUnset: Encode was asked to write a struct whose
	// required struct field is nil.
	ErrRequiredFieldUnset = errors.New("required field not set")
	// ErrUnionFieldCount: a union did not have exactly one member set.
	ErrUnionFieldCount = errors.New("union must have exactly one field set")
)

// A FieldError names the struct and field in which encoding or decoding
// failed. Nested structs nest FieldErrors, so the message reads as a path:
// "Order.items: Item.price: unexpected EOF".
type FieldError struct {
	Struct string // the IDL name of the struct, union or exception
	Field  string // the IDL name of the field; empty when between fields
	Err    error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Struct + ": " + e.Err.Error()
	}
	return e.Struct + "." + e.Field + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// NewFieldError wraps err with the struct and field it happened in. It is
// called by generated code on error paths only.
func NewFieldError(structName, field string, err error) error {
	return &FieldError{Struct: structName, Field: field, Err: err}
}

// UnionFieldCountError reports a union with set members instead of one.
func UnionFieldCountError(union string, set int) error {
	return &FieldError{Struct: union, Err: fmt.Errorf("%w (%d set)", ErrUnionFieldCount, set)}
}

// ElementTypeError reports a list or set whose element type on the wire is
// not the one the IDL declares.
func ElementTypeError(want, got Type) error {
	return fmt.Errorf("%w: container of %v where the IDL declares %v", ErrInvalidData, got, want)
}

// MapTypeError reports a map whose key or value type on the wire is not the
// one the IDL declares.
func MapTypeError(wantKey, wantValue, gotKey, gotValue Type) error {
	return fmt.Errorf("%w: map<%v,%v> where the IDL declares map<%v,%v>", ErrInvalidData, gotKey, gotValue, wantKey, wantValue)
}

// Ptr returns a pointer to a copy of v; generated code uses it for the
// defaults of optional fields.
func Ptr[T any](v T) *T { return &v }

// StructString formats a struct for logs: name then field/value pairs.
// Pointers are followed so that optional fields show their values.
func StructString(name string, fieldsAndValues ...any) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i := 0; i+1 < len(fieldsAndValues); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v: ", fieldsAndValues[i])
		v := fieldsAndValues[i+1]
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				b.WriteString("<nil>")
				continue
			}
			if _, ok := v.(fmt.Stringer); !ok {
				v = rv.Elem().Interface()
			}
		}
		fmt.Fprintf(&b, "%v", v)
	}
	b.WriteByte(')')
	return b.String()
}
