package runtime

import (
	"crypto/rand"
	"encoding/hex"
)

// newErrorID returns a short random id that ties what a client is told
// about a failed call to the server's log line with the details.
func newErrorID() string {
	var b [6]byte
	rand.Read(b[:]) // never fails (crypto/rand's documented contract)
	return hex.EncodeToString(b[:])
}

// internalError is the generic INTERNAL_ERROR a client gets for a handler
// failure it should not see the details of.
func internalError(method, id string) *ApplicationError {
	return NewApplicationError(ExceptionInternalError, "%s: internal error (error id %s)", method, id)
}
