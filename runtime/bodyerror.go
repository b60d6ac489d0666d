package runtime

import "encoding/binary"

// bodyError is a compact or JSON message (plain, or inside a THeader
// frame) whose header was read and whose body could not be: the
// transcoder reads the whole message before the server sees its header,
// so this is how the server learns the method and sequence id it needs to
// answer PROTOCOL_ERROR, exactly as it does for a binary request whose
// arguments do not decode (serverConn.argsFailed).
type bodyError struct {
	name string
	typ  MessageType
	seq  int32
	err  error
}

func (e *bodyError) Error() string { return e.name + ": " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// withMessageHeader turns err into a *bodyError when bin, the binary form
// written so far, holds a whole message header.
func withMessageHeader(bin []byte, err error) error {
	if len(bin) < 8 || binary.BigEndian.Uint32(bin)&versionMask != version1 {
		return err
	}
	n := int(binary.BigEndian.Uint32(bin[4:]))
	if n < 0 || len(bin) < 8+n+4 {
		return err
	}
	return &bodyError{
		name: string(bin[8 : 8+n]),
		typ:  MessageType(bin[3]),
		seq:  int32(binary.BigEndian.Uint32(bin[8+n:])),
		err:  err,
	}
}
