package runtime

import (
	"encoding/binary"
	"unsafe"
)

// Decoding allocates in batches: what a generated Decode returns is the same
// Go values as before ([]*S, string, []byte), but their memory comes from a
// few larger allocations instead of one per element, which is where decode
// time went (issue 10: a 1,000-item list<struct> made 3,002 allocations,
// the medium benchmark struct 30).
//
// The price is retention: a value a caller keeps pins the batch it lives
// in. Both kinds of batch are bounded so that this stays small and so that
// a hostile peer cannot make a Decoder allocate more up front than before:
//
//   - struct elements of a list or set (MakeBatch): at most batchBytes per
//     backing array, and never more elements than the list declares (a
//     count the decoder has already checked against the bytes that can
//     still arrive);
//   - strings and binaries (Decoder.ReadString, ReadBinary): copied into a
//     shared chunk of at most arenaChunk bytes, never larger than the bytes
//     of the message at hand, so one kept 10-byte string pins at most 6 KiB;
//     values longer than arenaMaxValue go there only when they fit in the
//     chunk's free room, and get their own allocation otherwise.
//     A Codec decoding compact again and again (CompactDecoder.warm) makes
//     a whole arenaChunk for a short string whatever the message's size,
//     since the strings of the messages that follow share it: the same
//     6 KiB bound on what one kept string pins.

// batchBytes is the most bytes one MakeBatch backing array takes.
const batchBytes = 64 << 10

// MakeBatch returns a backing array for the next struct elements of a list
// being decoded, of which n are still to come: min(n, what fits in 64 KiB)
// zeroed elements, at least one. Generated Decode methods take elements
// from it in order and allocate a new batch when it runs out.
func MakeBatch[T any](n int) []T {
	var z T
	k := batchBytes / max(int(unsafe.Sizeof(z)), 1)
	return make([]T, max(min(n, k), 1))
}

// MakeList returns the []*T of a list or set of n struct elements being
// decoded and a first backing array for its elements (as MakeBatch(n)).
//
// Up to 16 elements of at most listBoxElem bytes, both come from one
// allocation (a listBox of the next size up: 1, 2, 3, 4, 6, 8, 12 or 16
// elements), since small lists inside each element of a big one are what
// the tracing-span batch is made of: 50 spans of six tags each made 100 of
// its 105 allocations, a []*Tag and a []Tag per span (now 54 in all, at
// the same bytes). The slices' capacities are cut to n; the unused slots
// of a box (under a third of it) are the price. A kept element pins its
// box, as it pins a batch. n is a count the decoder has checked
// (Decoder.ReadListBegin); n = 0 gives an empty non-nil list without
// allocating, as make does.
func MakeList[T any](n int) ([]*T, []T) {
	var z T
	if n < 1 || n > 16 || unsafe.Sizeof(z) > listBoxElem {
		if n == 0 {
			return make([]*T, 0), nil
		}
		return make([]*T, n), MakeBatch[T](n)
	}
	switch {
	case n == 1:
		b := new(listBox1[T])
		return b.p[:], b.v[:]
	case n == 2:
		b := new(listBox2[T])
		return b.p[:], b.v[:]
	case n == 3:
		b := new(listBox3[T])
		return b.p[:], b.v[:]
	case n == 4:
		b := new(listBox4[T])
		return b.p[:], b.v[:]
	case n <= 6:
		b := new(listBox6[T])
		return b.p[:n:n], b.v[:n:n]
	case n <= 8:
		b := new(listBox8[T])
		return b.p[:n:n], b.v[:n:n]
	case n <= 12:
		b := new(listBox12[T])
		return b.p[:n:n], b.v[:n:n]
	}
	b := new(listBox16[T])
	return b.p[:n:n], b.v[:n:n]
}

// listBoxElem is the largest element MakeList puts in a box: a box of 16
// stays within 8 KiB plus its pointers.
const listBoxElem = 512

// The boxes of MakeList: a list's pointers and its elements in one object
// (typed, so that the collector sees the pointers of both).
type (
	listBox1[T any] struct {
		p [1]*T
		v [1]T
	}
	listBox2[T any] struct {
		p [2]*T
		v [2]T
	}
	listBox3[T any] struct {
		p [3]*T
		v [3]T
	}
	listBox4[T any] struct {
		p [4]*T
		v [4]T
	}
	listBox6[T any] struct {
		p [6]*T
		v [6]T
	}
	listBox8[T any] struct {
		p [8]*T
		v [8]T
	}
	listBox12[T any] struct {
		p [12]*T
		v [12]T
	}
	listBox16[T any] struct {
		p [16]*T
		v [16]T
	}
)

// arenaChunk is the size of a string chunk, arenaMaxValue the longest value
// that starts a new one (frugal's threshold too: a longer value that does
// not fit in the current chunk's free room is copied into an allocation of
// its own, uncleared, so that it never makes the decoder allocate a chunk
// early; on the medium benchmark struct, whose 1 KiB binary used to start
// chunks, bytes allocated per decode fell from 4,008 to ~2,300). A longer
// value that fits in the free room goes there, as do the bulk-read lists of
// i32, i64 and double (arenaWords): one allocation fewer per value, on the
// medium struct two of its eight (the binary and the list<i64>), where
// decoding is mostly allocating and filling memory.
// A chunk is 6 KiB, not 4: Go's allocator takes 4 KiB objects two at a
// time from its central lists (8 KiB spans) and 6 KiB ones four at a time
// (24 KiB spans), and once the medium struct's binary and samples went
// into the chunk, its decode made a chunk every other time; with 6 KiB
// chunks it ran ~10% faster in every one of four alternating rounds of
// bench/peers' BenchmarkDecodeMedium (6 allocations instead of 7; 9,472
// bytes gave no more).
// When fewer than arenaMinRest bytes of the message follow a value that
// needs a new chunk, no other value could share it: the value is copied on
// its own, which is cheaper than a chunk (measured on the small benchmark
// struct, whose one string comes last: a chunk made its decode ~45% slower).
const (
	arenaChunk    = 6 << 10
	arenaMaxValue = 256
	arenaMinRest  = 32
)

// arenaString returns b as a string, copied into d's string chunk.
//
// The chunk is a []byte whose filled part is never written again: each
// string is copied to the free tail and then only read, so handing out
// unsafe.String views of it is as immutable as a string made by copying.
// A new chunk is as large as the bytes at hand in the message (in memory
// mode all of it, in stream mode what is buffered), capped at arenaChunk,
// so small messages do not allocate 6 KiB for one short string.
//
// The chunk grows by reslicing d.arena in place (d.arena[:off+n]), never
// by append: the compiler sees a store of the same pointer and leaves out
// the GC write barrier, which the append form paid on every string while
// the collector ran (28% of the write-barrier time of the 1,000-item list
// decode in a profile).
func (d *Decoder) arenaString(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > cap(d.arena)-len(d.arena) {
		if n > arenaMaxValue || len(d.buf)-d.pos < arenaMinRest {
			return string(b) // its own allocation, not cleared first
		}
		d.newChunk(n)
	}
	off := len(d.arena)
	d.arena = d.arena[:off+n]
	if n <= 16 && cap(b) >= 16 && cap(d.arena)-off >= 16 {
		// As in Decoder.ReadString: two 8-byte moves. b's capacity
		// is within the message bytes at hand (buf is cut at its
		// length), so reading past its length stays inside them.
		copy16(d.arena[off:off+16], b[:16])
	} else {
		copy(d.arena[off:], b)
	}
	return unsafe.String(&d.arena[off], n)
}

// arenaBytes returns a copy of b that the caller owns: capacity equals its
// length, so appending to it reallocates instead of writing over the next
// value in the chunk. An empty b gives a non-nil empty slice.
func (d *Decoder) arenaBytes(b []byte) []byte {
	n := len(b)
	if n == 0 {
		return []byte{}
	}
	if n > cap(d.arena)-len(d.arena) {
		if n > arenaMaxValue || len(d.buf)-d.pos < arenaMinRest {
			// Its own allocation; append leaves the copied part
			// uncleared.
			return append([]byte(nil), b...)[:n:n]
		}
		d.newChunk(n)
	}
	off := len(d.arena)
	d.arena = d.arena[:off+n]
	copy(d.arena[off:], b)
	return d.arena[off : off+n : off+n]
}

// arenaWords returns n elements of 2^shift bytes each (shift 2 or 3: the
// []int32, []int64 and []float64 of bulk list reads), carved from the free
// room of the current chunk at an aligned offset when they fit there, or
// in memory of their own. It never starts a chunk, so the bound on chunk
// memory stays as newChunk states. The memory is not cleared: the caller
// fills every element before the list is handed out, or drops it with an
// error. Capacity equals n, so appending to the list reallocates instead
// of writing over the next value in the chunk; the chunk's memory has no
// pointers, and neither have the elements.
func (d *Decoder) arenaWords(n int, shift uint) unsafe.Pointer {
	size := n << shift
	if a := len(d.arena); n > 0 && n <= (cap(d.arena)-a)>>shift {
		addr := uintptr(unsafe.Pointer(unsafe.SliceData(d.arena))) + uintptr(a)
		off := a + int(-addr&(1<<shift-1))
		if off+size <= cap(d.arena) {
			d.arena = d.arena[:off+size]
			return unsafe.Pointer(&d.arena[off])
		}
	}
	if shift == 2 {
		return unsafe.Pointer(unsafe.SliceData(make([]uint32, n)))
	}
	return unsafe.Pointer(unsafe.SliceData(make([]uint64, n)))
}

// copy16 copies the 16 bytes of src to dst with two 8-byte moves, where a
// call to memmove cost more than the copy for the short strings most
// messages carry.
func copy16(dst, src []byte) {
	binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(src))
	binary.LittleEndian.PutUint64(dst[8:], binary.LittleEndian.Uint64(src[8:]))
}

// newChunk starts a string chunk with room for at least n bytes. Its
// memory is not cleared (makeNoZero): only the part that decoded values
// were copied into is ever read.
//
// A chunk is as large as the rest of the message (see arenaString), or
// twice the previous chunk if that is larger, up to arenaChunk. The
// doubling is for a Decoder reused message after message: sized on the
// rest alone, a chunk that ran out late in one message was as small as
// that message's tail, and the next message needed a new one, so the
// medium benchmark struct allocated a ~270-byte chunk on every decode
// (one allocation in nine, and frugal's eight allocations out of reach);
// doubling, its strings shared one 4 KiB chunk per ~15 decodes (now its
// binary and samples share the chunk too: a 6 KiB chunk per ~3 decodes).
// A chunk still only comes when a value (at most arenaMaxValue bytes)
// finds no room, so a 6 KiB chunk is left with at most 255 bytes unused,
// and the smaller ones before the first of them add up to under 12 KiB:
// all chunks together stay within the bytes of the values decoded plus a
// sixteenth, plus 12 KiB per Decoder, plus the alignment of the bulk lists placed in
// them (arenaWords: under 8 bytes each, fewer than the 8 bytes that the
// smallest such list takes on the wire besides its elements).
//
//go:noinline
func (d *Decoder) newChunk(n int) {
	size := max(min(max(len(d.buf)-d.pos+n, 2*d.chunkSize), arenaChunk), n)
	d.chunkSize = size
	d.arena = makeNoZero(size)[:0:size]
}
