package runtime

import (
	"strings"
	"testing"
)

// Strings and binaries share a chunk: a binary the caller appends to or
// overwrites must not change the strings decoded next to it, and a string
// must not change when the decoder reads on.
func TestArenaValuesIndependent(t *testing.T) {
	e := NewEncoder(nil)
	e.WriteBinary([]byte("payload"))
	e.WriteString("first")
	e.WriteString("second")
	d := NewDecoder(e.Bytes(), Limits{})
	b, err := d.ReadBinary()
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := d.ReadString()
	if len(b) != cap(b) {
		t.Fatalf("binary has len %d cap %d: appending would write into the chunk", len(b), cap(b))
	}
	b = append(b, "XXXXXXXXXX"...)
	b[0] = 'Y'
	s2, _ := d.ReadString()
	if s1 != "first" || s2 != "second" {
		t.Fatalf("got %q, %q after the caller changed the binary", s1, s2)
	}
	d.Reset(e.Bytes())
	if b2, _ := d.ReadBinary(); string(b2) != "payload" {
		t.Fatalf("second decode read %q", b2)
	}
	if s1 != "first" {
		t.Fatalf("an earlier string changed to %q", s1)
	}
}

// A chunk is never larger than the message in hand (nor than arenaChunk),
// and long values get their own allocation.
func TestArenaChunkBounded(t *testing.T) {
	e := NewEncoder(nil)
	e.WriteString("ab")
	d := NewDecoder(e.Bytes(), Limits{})
	if s, _ := d.ReadString(); s != "ab" {
		t.Fatal(s)
	}
	if c := cap(d.arena); c > len(e.Bytes()) {
		t.Fatalf("chunk of %d bytes for a message of %d", c, len(e.Bytes()))
	}
	e.Reset()
	long := strings.Repeat("x", arenaMaxValue+1)
	for range 8 {
		e.WriteString(long)
	}
	d.Reset(e.Bytes())
	for range 8 {
		if s, err := d.ReadString(); err != nil || s != long {
			t.Fatal(err)
		}
		if cap(d.arena) > arenaChunk {
			t.Fatalf("chunk grew to %d", cap(d.arena))
		}
	}
	// Empty binaries stay non-nil (a set optional field reads as set).
	e.Reset()
	e.WriteBinary(nil)
	d.Reset(e.Bytes())
	if b, err := d.ReadBinary(); err != nil || b == nil {
		t.Fatalf("empty binary = %v, %v", b, err)
	}
}

func TestMakeBatchBounded(t *testing.T) {
	type big [1024]byte
	if n := len(MakeBatch[big](1 << 20)); n != batchBytes/1024 {
		t.Fatalf("batch of %d elements of 1 KiB for a declared 1<<20", n)
	}
	if n := len(MakeBatch[int64](3)); n != 3 {
		t.Fatalf("batch of %d for 3 elements", n)
	}
	if n := len(MakeBatch[struct{}](5)); n != 5 {
		t.Fatalf("batch of %d for 5 empty structs", n)
	}
	if n := len(MakeBatch[int](0)); n != 1 {
		t.Fatalf("batch of %d for 0 (callers ask only when an element is due)", n)
	}
}

// makeNoZero gives an empty slice with the room asked for, distinct on
// each call, and values copied into a chunk made from it read back as
// written whatever the memory held before.
func TestMakeNoZero(t *testing.T) {
	for _, n := range []int{1, 7, 256, arenaChunk, 3*arenaChunk + 5} {
		a, b := makeNoZero(n), makeNoZero(n)
		if len(a) != 0 || cap(a) < n {
			t.Fatalf("makeNoZero(%d): len %d cap %d", n, len(a), cap(a))
		}
		a = append(a, 'a')
		b = append(b, 'b')
		if a[0] != 'a' || b[0] != 'b' {
			t.Fatalf("makeNoZero(%d) gave shared memory", n)
		}
	}
	e := NewEncoder(nil)
	want := []string{"one", strings.Repeat("y", arenaMaxValue), "three", strings.Repeat("z", arenaMaxValue+1)}
	for _, s := range want {
		e.WriteString(s)
		e.WriteBinary([]byte(s))
	}
	e.WriteString(strings.Repeat("pad", 20))
	d := NewDecoder(e.Bytes(), Limits{})
	for _, w := range want {
		s, err := d.ReadString()
		if err != nil || s != w {
			t.Fatalf("string %q, %v; want %q", s, err, w)
		}
		b, err := d.ReadBinary()
		if err != nil || string(b) != w || cap(b) != len(b) {
			t.Fatalf("binary %q (cap %d), %v; want %q", b, cap(b), err, w)
		}
	}
}

// MakeList gives n pointers and at least min(n, what fits) elements, the
// capacities cut to n, a non-nil empty list for 0, and small lists in one
// allocation.
func TestMakeList(t *testing.T) {
	type elem struct {
		a int64
		s string
	}
	for n := 0; n <= 40; n++ {
		l, b := MakeList[elem](n)
		if l == nil || len(l) != n || cap(l) != n {
			t.Fatalf("n=%d: list len %d cap %d nil %v", n, len(l), cap(l), l == nil)
		}
		if n > 0 && (len(b) != n || cap(b) > n && n <= 16) {
			t.Fatalf("n=%d: batch len %d cap %d", n, len(b), cap(b))
		}
		for i := range b {
			if b[i] != (elem{}) {
				t.Fatalf("n=%d: element %d not zero", n, i)
			}
			b[i].s = "x"
			l[i] = &b[i]
		}
	}
	for _, n := range []int{1, 3, 5, 6, 7, 12, 16} {
		if a := testing.AllocsPerRun(20, func() { MakeList[elem](n) }); a != 1 {
			t.Errorf("MakeList(%d): %v allocations, want 1", n, a)
		}
	}
	if a := testing.AllocsPerRun(20, func() { MakeList[elem](0) }); a != 0 {
		t.Errorf("MakeList(0): %v allocations", a)
	}
	type big [listBoxElem + 1]byte
	if l, b := MakeList[big](3); len(l) != 3 || len(b) != 3 {
		t.Fatalf("big elements: %d, %d", len(l), len(b))
	}
	// Past 64 KiB of elements the first batch is cut, as MakeBatch's.
	if _, b := MakeList[big](1000); len(b) != batchBytes/(listBoxElem+1) {
		t.Fatalf("batch of %d big elements for 1000", len(b))
	}
}

// Short strings are copied 16 bytes at a time into the chunk's free tail:
// no value decoded before or after may change.
func TestArenaShortStringsIntact(t *testing.T) {
	e := NewEncoder(nil)
	var want []string
	for round := range 3 {
		for n := range 41 {
			s := strings.Repeat(string(rune('a'+(n+round)%26)), n)
			want = append(want, s)
			e.WriteString(s)
			e.WriteBinary([]byte(s))
		}
	}
	d := NewDecoder(e.Bytes(), Limits{})
	var got []string
	var bins [][]byte
	for range want {
		s, err := d.ReadString()
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.ReadBinary()
		if err != nil {
			t.Fatal(err)
		}
		got, bins = append(got, s), append(bins, b)
	}
	for i, w := range want {
		if got[i] != w || string(bins[i]) != w {
			t.Fatalf("value %d: %q / %q, want %q", i, got[i], bins[i], w)
		}
	}
}
