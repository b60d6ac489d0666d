package runtime

import "encoding/binary"

// FramedHeader is the Header transport with each header frame inside a
// second, plain frame: what Apache's Python and Go libraries put on the
// wire for `--protocol=header --transport=framed`, where THeaderProtocol
// sits on a TFramedTransport and both write their own length prefix
// (Apache's Python and Go pass against themselves and each other so).
//
// Only a client needs to choose it: a Server with Transport Header (or
// FramedHeader, which it treats the same) tells a header frame inside a
// frame from a bare one by its first bytes and replies in the form of each
// request. The two cannot be mistaken for each other: a bare header frame's
// payload starts with the magic 0x0fff, a wrapped one's with the inner
// frame's length, which must be exactly what is left of the outer frame
// and be followed by that magic. Server.DetectProtocol does not tell it
// (a frame holding a frame length is refused there, as anything unknown).
// The outer frame counts against MaxMessageSize like any frame. Over HTTP
// the body delimits the message, so FramedHeader does not apply there.
const FramedHeader = Header + 1

// header reports whether t is one of the THeader transports.
func (t Transport) header() bool { return t == Header || t == FramedHeader }

// unwrapHeaderFrame returns the header frame inside f, a frame's payload,
// when f is exactly one more frame holding a header frame (FramedHeader),
// and reports whether it was.
func unwrapHeaderFrame(f []byte) ([]byte, bool) {
	if len(f) >= 6 && uint64(binary.BigEndian.Uint32(f)) == uint64(len(f)-4) && binary.BigEndian.Uint16(f[4:]) == headerMagic {
		return f[4:], true
	}
	return f, false
}

// appendOuterFrame starts out with the length of an outer frame around a
// header frame of size bytes (after its own length), when outer is set.
func appendOuterFrame(out []byte, size int, outer bool) []byte {
	if !outer {
		return out
	}
	return binary.BigEndian.AppendUint32(out, uint32(size+4))
}

// outerSize is the size a header frame of size bytes counts against
// MaxMessageSize: with an outer frame, that frame's payload (the inner
// frame and its length), which is what the peer's frame reader bounds.
func outerSize(size int, outer bool) int {
	if outer {
		return size + 4
	}
	return size
}
