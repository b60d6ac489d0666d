package runtime

import (
	"strings"
	"unsafe"
)

// makeNoZero returns an empty []byte with room for at least n bytes (n > 0)
// whose memory the allocator did not clear.
//
// Decoding fills every byte it hands out by copying from the message, so
// clearing a string chunk first (as make does) only costs time: on the
// 1,000-item list decode, memclr was 3% of the profile, all of it chunks
// about to be overwritten. The standard library's own non-clearing
// allocation is reached through strings.Builder, whose Grow on an empty
// Builder makes exactly one such buffer (internal/bytealg.MakeNoZero); its
// first byte is written so that the buffer's address can be taken from a
// non-empty string. Nothing here depends on the memory being uncleared:
// a Builder that cleared would only be slower.
//
// The stale bytes past what the caller writes must never reach a decoded
// value: every caller hands out only the parts it copied into, with
// capacities cut to them.
func makeNoZero(n int) []byte {
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(0)
	s := b.String()
	return unsafe.Slice(unsafe.StringData(s), b.Cap())[:0]
}
