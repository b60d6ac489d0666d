package interop

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/google/go-cmp/cmp"

	"github.com/thriftsec/thriftsec/interop/gen/registry"
	"github.com/thriftsec/thriftsec/runtime"
)

// seeds is how many random values each direction and pass tries per type.
const seeds = 200

// apacheEncode writes s with Apache's TBinaryProtocol (strict write, the
// default of every Apache library) into a TMemoryBuffer.
func apacheEncode(s thrift.TStruct) (b []byte, err error) {
	defer func() {
		// A generated Write that panics is reported, not a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("apache Write panicked: %v", r)
		}
	}()
	buf := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(buf, &thrift.TConfiguration{TBinaryStrictWrite: thrift.BoolPtr(true)})
	if err := s.Write(context.Background(), p); err != nil {
		return nil, err
	}
	if err := p.Flush(context.Background()); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// apacheDecode reads s from b with Apache's TBinaryProtocol and requires
// that it consumes every byte.
func apacheDecode(b []byte, s thrift.TStruct) error {
	buf := &thrift.TMemoryBuffer{Buffer: bytes.NewBuffer(bytes.Clone(b))}
	p := thrift.NewTBinaryProtocolConf(buf, &thrift.TConfiguration{})
	if err := s.Read(context.Background(), p); err != nil {
		return err
	}
	if buf.Len() != 0 {
		return fmt.Errorf("apache Read left %d bytes", buf.Len())
	}
	return nil
}

// oursNew returns a new value of our type t from its generated constructor,
// as a server decoding a call gets it: non-optional fields hold their IDL
// defaults (the wire always overrides them), optional ones are unset.
func oursNew(t reflect.Type) runtime.Struct {
	if ctor := registry.Constructors[t]; ctor != nil {
		return ctor().Interface().(runtime.Struct)
	}
	return reflect.New(t).Interface().(runtime.Struct)
}

// trickle is a reader that hands out 1 to 3 bytes per Read, so a stream
// Decoder must refill in the middle of every value.
type trickle struct {
	b []byte
	r *rand.Rand
}

func (t *trickle) Read(p []byte) (int, error) {
	if len(t.b) == 0 {
		return 0, io.EOF
	}
	n := min(1+t.r.IntN(3), len(p), len(t.b))
	copy(p, t.b[:n])
	t.b = t.b[n:]
	return n, nil
}

func seedFor(name string, pass string, i int) (uint64, uint64) {
	h := fnv.New64a()
	io.WriteString(h, name+"/"+pass)
	return h.Sum64(), uint64(i)
}

// wireMatch is how two encodings of one value compare.
type wireMatch int

const (
	wireSame       wireMatch = iota
	wireFieldOrder           // equal once every struct's fields are sorted by id
	wireDifferent
)

// sameWire compares two encodings of one value: byte for byte when every map
// had at most one entry, else by canonical form (map entries sorted). When
// they differ it tells whether only the order of struct fields does.
func sameWire(a, b []byte, exact bool) (wireMatch, error) {
	if exact && bytes.Equal(a, b) {
		return wireSame, nil
	}
	for _, sortFields := range []bool{false, true} {
		ca, err := canonical(a, sortFields)
		if err != nil {
			return wireDifferent, fmt.Errorf("canonical form of %x: %w", a, err)
		}
		cb, err := canonical(b, sortFields)
		if err != nil {
			return wireDifferent, fmt.Errorf("canonical form of %x: %w", b, err)
		}
		if bytes.Equal(ca, cb) {
			if sortFields {
				return wireFieldOrder, nil
			}
			if exact { // equal up to map order but maps had ≤ 1 entry
				return wireDifferent, nil
			}
			return wireSame, nil
		}
	}
	return wireDifferent, nil
}

// typeState is what the passes over one type share.
type typeState struct {
	orderReported bool
	skipped       int // values Apache refused as a set with "equal" elements
}

// isNotUnique reports Apache's refusal to write a set whose elements its
// generated Equals finds equal. That Equals is looser than the wire: it
// compares maps by looking up each key of one in the other, so {1: 0} and
// {2: 0} are "equal", and a set<Insanity> holding both cannot be written.
// Such values are dropped (counted, and TestWire fails if they are many).
func isNotUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "slice is not unique")
}

// checkWire reports a difference between the bytes of two libraries for one
// value and says whether the round trip can go on. A difference only in the
// order of struct fields is reported (Apache's Go generator writes fields in
// ascending id order) but lets the remaining checks run.
func checkWire(t *testing.T, st *typeState, where, what string, a, b []byte, exact bool, value any, aName, bName string) bool {
	t.Helper()
	m, err := sameWire(a, b, exact)
	switch {
	case err != nil || m == wireDifferent:
		t.Errorf("%s: %s (first difference at byte %d; %v)\nvalue %v\n%s%s",
			where, what, firstDiff(a, b), err, value, describeBytes(aName, a), describeBytes(bName, b))
		return false
	case m == wireFieldOrder && !st.orderReported:
		st.orderReported = true // once per type: every value shows it
		t.Errorf("%s: %s: same fields in another order (Apache writes struct fields in ascending id order)\nvalue %v\n%s%s",
			where, what, value, describeBytes(aName, a), describeBytes(bName, b))
	}
	return true
}

func describeBytes(name string, b []byte) string {
	return fmt.Sprintf("%s (%d bytes):\n%s", name, len(b), hex.Dump(b))
}

// firstDiff is the offset of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestWire runs, for every struct type generated by both sides, random values
// through both libraries in both directions. Passes "exact" use maps of 0-1
// entries and require identical bytes; passes "multi" use maps of up to 4
// entries and compare canonical forms.
func TestWire(t *testing.T) {
	if len(registry.Pairs) < 100 {
		t.Fatalf("only %d type pairs in the registry; make gen did not run fully", len(registry.Pairs))
	}
	for _, pair := range registry.Pairs {
		t.Run(pair.Name, func(t *testing.T) {
			t.Parallel()
			st := &typeState{}
			for _, pass := range []struct {
				name   string
				maxMap int
			}{{"exact", 1}, {"multi", 4}} {
				exact := pass.maxMap <= 1
				for i := range seeds {
					if !apacheFirst(t, st, pair, pass.name, i, pass.maxMap, exact) {
						break
					}
				}
				for i := range seeds {
					if !oursFirst(t, st, pair, pass.name, i, pass.maxMap, exact) {
						break
					}
				}
			}
			if st.skipped > seeds/10 {
				t.Errorf("%d of %d values dropped because Apache called a set's elements equal", st.skipped, 4*seeds)
			}
		})
	}
}

// apacheFirst: fill Apache's type, Apache encodes, ours decodes (in memory
// and from a trickling stream) and re-encodes the same bytes, Apache decodes
// ours to a value equal to the original. It reports false after a failure.
func apacheFirst(t *testing.T, st *typeState, pair registry.Pair, pass string, i, maxMap int, exact bool) bool {
	t.Helper()
	s1, s2 := seedFor(pair.Name, "apache/"+pass, i)
	f := &filler{r: rand.New(rand.NewPCG(s1, s2)), maxMap: maxMap, maxDepth: 3}
	av := f.newStruct(pair.Apache, 0).Interface().(thrift.TStruct)
	where := fmt.Sprintf("apache→ours→apache, %s pass, seed %d", pass, i)
	ab, err := apacheEncode(av)
	if isNotUnique(err) {
		st.skipped++
		return true
	}
	if err != nil {
		t.Fatalf("%s: the filler made a value Apache cannot write: %v\n%v", where, err, av)
	}
	ov := oursNew(pair.Ours)
	if err := runtime.Unmarshal(ab, ov); err != nil {
		t.Errorf("%s: ours cannot decode Apache's bytes: %v\n%s", where, err, describeBytes("apache", ab))
		return false
	}
	ob, err := runtime.Marshal(ov)
	if err != nil {
		t.Errorf("%s: ours cannot re-encode what it decoded: %v\nvalue %v\n%s", where, err, ov, describeBytes("apache", ab))
		return false
	}
	if !checkWire(t, st, where, "ours re-encodes differently", ab, ob, exact, av, "apache", "ours") {
		return false
	}

	// The same bytes through a stream Decoder fed 1-3 bytes per Read.
	sv := oursNew(pair.Ours)
	d := runtime.NewStreamDecoder(&trickle{b: ab, r: rand.New(rand.NewPCG(s2, s1))}, runtime.Limits{})
	if err := sv.Decode(d); err != nil {
		t.Errorf("%s: ours cannot decode Apache's bytes from a stream: %v\n%s", where, err, describeBytes("apache", ab))
		return false
	}
	sb, err := runtime.Marshal(sv)
	if err != nil {
		t.Errorf("%s: ours cannot re-encode what it decoded from a stream: %v", where, err)
		return false
	}
	if m, err := sameWire(ob, sb, exact); err != nil || m != wireSame {
		t.Errorf("%s: decoded from a stream, the value re-encodes differently than decoded in memory (%v)\n%s%s",
			where, err, describeBytes("memory", ob), describeBytes("stream", sb))
		return false
	}

	av2 := pair.NewApache()
	if err := apacheDecode(ob, av2); err != nil {
		t.Errorf("%s: Apache cannot decode ours: %v\n%s", where, err, describeBytes("ours", ob))
		return false
	}
	if diff := cmp.Diff(av, av2, cmpOpts); diff != "" {
		t.Errorf("%s: Apache reads ours back differently (-want +got):\n%s", where, diff)
		return false
	}
	return true
}

// oursFirst: fill our type, ours encodes, Apache decodes and re-encodes the
// same bytes, ours decodes Apache's to a value equal to the original.
func oursFirst(t *testing.T, st *typeState, pair registry.Pair, pass string, i, maxMap int, exact bool) bool {
	t.Helper()
	s1, s2 := seedFor(pair.Name, "ours/"+pass, i)
	f := &filler{r: rand.New(rand.NewPCG(s1, s2)), ours: true, maxMap: maxMap, maxDepth: 3}
	ov := f.newStruct(pair.Ours, 0).Interface().(runtime.Struct)
	where := fmt.Sprintf("ours→apache→ours, %s pass, seed %d", pass, i)
	ob, err := runtime.Marshal(ov)
	if err != nil {
		t.Errorf("%s: ours cannot encode %v: %v", where, ov, err)
		return false
	}
	av := pair.NewApache()
	if err := apacheDecode(ob, av); err != nil {
		t.Errorf("%s: Apache cannot decode ours: %v\nvalue %v\n%s", where, err, ov, describeBytes("ours", ob))
		return false
	}
	ab, err := apacheEncode(av)
	if isNotUnique(err) {
		st.skipped++
		return true
	}
	if err != nil {
		t.Errorf("%s: Apache cannot re-encode what it decoded: %v\nvalue %v\n%s", where, err, ov, describeBytes("ours", ob))
		return false
	}
	if !checkWire(t, st, where, "Apache re-encodes differently", ob, ab, exact, ov, "ours", "apache") {
		return false
	}
	ov2 := oursNew(pair.Ours)
	if err := runtime.Unmarshal(ab, ov2); err != nil {
		t.Errorf("%s: ours cannot decode Apache's bytes: %v\n%s", where, err, describeBytes("apache", ab))
		return false
	}
	if diff := cmp.Diff(ov, ov2, cmpOpts); diff != "" {
		t.Errorf("%s: ours reads Apache's bytes back differently (-want +got):\n%s", where, diff)
		return false
	}
	return true
}

// TestRegistryComplete fails when a struct was generated by only one side:
// it would otherwise be left out of TestWire without notice.
func TestRegistryComplete(t *testing.T) {
	if len(registry.OnlyApache) > 0 {
		t.Errorf("struct types only Apache generated: %s", strings.Join(registry.OnlyApache, ", "))
	}
	if len(registry.OnlyOurs) > 0 {
		t.Errorf("struct types only thriftsec-gen generated: %s", strings.Join(registry.OnlyOurs, ", "))
	}
}
