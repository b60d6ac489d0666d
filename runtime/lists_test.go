package runtime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The bulk list reads against element-by-element big-endian decoding, in
// memory mode at every start offset (the copy-then-swap path must not
// depend on the message's alignment) and in stream mode, plus a list cut
// short in both.
func TestBulkListReads(t *testing.T) {
	i64s := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 0x0102030405060708, -0x0102030405060708}
	i32s := []int32{0, 1, -1, math.MaxInt32, math.MinInt32, 0x01020304, -0x01020304}
	doubles := []float64{0, -0.0, 1.5, math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64}
	var w64, w32, wd []byte
	for i := range i64s {
		w64 = binary.BigEndian.AppendUint64(w64, uint64(i64s[i]))
		w32 = binary.BigEndian.AppendUint32(w32, uint32(i32s[i]))
		wd = binary.BigEndian.AppendUint64(wd, math.Float64bits(doubles[i]))
	}
	decoders := func(wire []byte, off int) map[string]*Decoder {
		mem := append(make([]byte, off), wire...)
		d := NewDecoder(mem, Limits{})
		d.pos = off
		cut := min(3, len(wire)) // the stream's bytes arrive in two reads
		return map[string]*Decoder{
			"memory": d,
			"stream": NewStreamDecoder(io.MultiReader(bytes.NewReader(wire[:cut]), bytes.NewReader(wire[cut:])), Limits{}),
		}
	}
	for off := range 8 {
		for mode, d := range decoders(w64, off) {
			got, err := d.ReadI64s(len(i64s))
			if err != nil || !cmp.Equal(got, i64s) {
				t.Errorf("%s, offset %d: ReadI64s = %v, %v; want %v", mode, off, got, err, i64s)
			}
		}
		for mode, d := range decoders(w32, off) {
			got, err := d.ReadI32s(len(i32s))
			if err != nil || !cmp.Equal(got, i32s) {
				t.Errorf("%s, offset %d: ReadI32s = %v, %v; want %v", mode, off, got, err, i32s)
			}
		}
		for mode, d := range decoders(wd, off) {
			got, err := d.ReadDoubles(len(doubles))
			if err != nil || len(got) != len(doubles) {
				t.Fatalf("%s, offset %d: ReadDoubles = %v, %v", mode, off, got, err)
			}
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(doubles[i]) {
					t.Errorf("%s, offset %d: element %d = %v, want %v", mode, off, i, got[i], doubles[i])
				}
			}
		}
	}
	for mode, d := range decoders(nil, 0) {
		if got, err := d.ReadI64s(0); err != nil || got == nil || len(got) != 0 {
			t.Errorf("%s: ReadI64s(0) = %#v, %v; want an empty, non-nil list", mode, got, err)
		}
	}
	for mode, d := range decoders(w64[:len(w64)-1], 0) {
		if _, err := d.ReadI64s(len(i64s)); err == nil || !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			t.Errorf("%s: ReadI64s of a cut list: err = %v, want an end-of-data error", mode, err)
		}
	}
	for mode, d := range decoders(w32[:len(w32)-1], 0) {
		if _, err := d.ReadI32s(len(i32s)); err == nil {
			t.Errorf("%s: ReadI32s of a cut list: no error", mode)
		}
	}
}

// Lists, binaries and strings of one message share the decoder's chunk
// (batch.go): each value must keep its own bytes however the others are
// placed and whatever is appended to them, message after message on one
// reused Decoder, in memory and in stream mode.
func TestChunkSharedValuesStayApart(t *testing.T) {
	e := NewEncoder(nil)
	var want []any
	for i := range 6 {
		s := string(bytes.Repeat([]byte{'a' + byte(i)}, 3+i*50))
		bin := bytes.Repeat([]byte{byte(0xf0 + i)}, 300+i*7)
		l64 := make([]int64, 1+i*9)
		l32 := make([]int32, 1+i*5)
		for j := range l64 {
			l64[j] = int64(j)<<40 | int64(i)
		}
		for j := range l32 {
			l32[j] = int32(j)<<16 | int32(i)
		}
		e.WriteString(s)
		e.WriteListBegin(TypeI32, len(l32))
		for _, v := range l32 {
			e.WriteI32(v)
		}
		e.WriteBinary(bin)
		e.WriteListBegin(TypeI64, len(l64))
		for _, v := range l64 {
			e.WriteI64(v)
		}
		want = append(want, s, l32, bin, l64)
	}
	wire := e.Bytes()
	read := func(d *Decoder) []any {
		var got []any
		for range 6 {
			s, err := d.ReadString()
			if err != nil {
				t.Fatal(err)
			}
			_, n, err := d.ReadListBegin()
			if err != nil {
				t.Fatal(err)
			}
			l32, err := d.ReadI32s(n)
			if err != nil {
				t.Fatal(err)
			}
			bin, err := d.ReadBinary()
			if err != nil {
				t.Fatal(err)
			}
			if _, n, err = d.ReadListBegin(); err != nil {
				t.Fatal(err)
			}
			l64, err := d.ReadI64s(n)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []int{cap(l32) - len(l32), cap(bin) - len(bin), cap(l64) - len(l64)} {
				if c != 0 {
					t.Fatalf("a decoded list or binary has %d bytes of spare capacity", c)
				}
			}
			got = append(got, s, l32, bin, l64)
		}
		// Appending must reallocate, never write into the chunk.
		for _, v := range got {
			switch v := v.(type) {
			case []int32:
				_ = append(v, -1)
			case []int64:
				_ = append(v, -1)
			case []byte:
				_ = append(v, 0xff)
			}
		}
		return got
	}
	mem := NewDecoder(nil, Limits{})
	var kept [][]any
	for range 4 {
		mem.Reset(wire)
		kept = append(kept, read(mem))
	}
	kept = append(kept, read(NewStreamDecoder(bytes.NewReader(wire), Limits{})))
	for i, got := range kept {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decode %d (-want +got):\n%s", i, diff)
		}
	}
}

// A binary longer than arenaMaxValue and a bulk-read list take the free
// room of the chunk that the message's strings use, instead of memory of
// their own: decoding such a message again and again on one Decoder, each
// value allocated on its own would make over two allocations per message
// (the binary, the list, a share of a chunk); in the chunk's room, only the
// message that finds the chunk full allocates its two.
func TestLongValuesUseChunkRoom(t *testing.T) {
	e := NewEncoder(nil)
	e.WriteString("a short string first")
	e.WriteBinary(make([]byte, 600))
	e.WriteListBegin(TypeI64, 40)
	for i := range 40 {
		e.WriteI64(int64(i))
	}
	e.WriteString("and a string after them, so that the chunk is sized to the message")
	wire := e.Bytes()
	d := NewDecoder(wire, Limits{})
	var (
		strs [2]string
		bin  []byte
		l64  []int64
	)
	allocs := testing.AllocsPerRun(200, func() {
		d.Reset(wire)
		strs[0], _ = d.ReadString()
		bin, _ = d.ReadBinary()
		_, n, _ := d.ReadListBegin()
		var err error
		if l64, err = d.ReadI64s(n); err != nil {
			t.Fatal(err)
		}
		strs[1], _ = d.ReadString()
	})
	if allocs > 1.25 {
		t.Errorf("%.2f allocations per message, want at most 1.25", allocs)
	}
	if len(bin) != 600 || len(l64) != 40 || l64[39] != 39 || strs[1] == "" {
		t.Errorf("decoded %d bytes, %d i64s (last %d), %q", len(bin), len(l64), l64[len(l64)-1], strs[1])
	}
}

// Encoder.WriteI64s writes the bytes of a WriteI64 per element, after
// whatever the buffer holds (at every length modulo 8, so the in-place swap
// runs unaligned), and a list past the size bound trips it.
func TestWriteI64sMatchesLoop(t *testing.T) {
	l := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 0x0102030405060708, -0x0102030405060708}
	for pre := range 9 {
		for _, list := range [][]int64{nil, {}, l[:1], l} {
			want, got := NewEncoder(nil), NewEncoder(nil)
			for range pre {
				want.WriteI8(7)
				got.WriteI8(7)
			}
			for _, v := range list {
				want.WriteI64(v)
			}
			got.WriteI64s(list)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%d bytes before, %d elements: WriteI64s wrote % x, want % x", pre, len(list), got.Bytes(), want.Bytes())
			}
		}
	}
	e := NewEncoder(nil)
	e.SetMaxSize(8*len(l) - 1)
	e.WriteI64s(l)
	if e.Err() == nil || e.Len() != 0 {
		t.Errorf("a list past the size bound: Err() = %v, %d bytes kept; want the size error and none", e.Err(), e.Len())
	}
}
