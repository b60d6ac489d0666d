package interop

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/google/go-cmp/cmp"

	"github.com/thriftsec/thriftsec/interop/gen/registry"
	"github.com/thriftsec/thriftsec/runtime"
)

// The compact and JSON protocols, byte for byte against Apache's
// TCompactProtocol and TJSONProtocol, for every registry type and both
// directions, as TestWire does for binary.

type apacheProto struct {
	name string
	ours runtime.Protocol
	new  func(thrift.TTransport) thrift.TProtocol
	// leaveEmpty: fields the filler leaves empty for this protocol.
	leaveEmpty map[string]bool
}

// apacheGoJSONBinaryKeys are the maps with binary keys of the test IDL.
// Apache's Go generator makes their keys Go strings and writes them with
// WriteString, so in JSON its keys are text where every other Apache
// library (and thriftsec) writes base64: the one place Apache Go's JSON is
// not Apache's JSON. They stay empty in the JSON comparison.
var apacheGoJSONBinaryKeys = map[string]bool{"BinaryKeys": true, "BinMap": true, "BinaryByteMap": true}

// isApacheJSONBoundaryBug reports Apache Go's TJSONProtocol failing to read
// a quoted "-Infinity" (or "Infinity", "NaN") that straddles the 4 KiB
// boundary of its read buffer, on bytes it writes itself.
func isApacheJSONBoundaryBug(err error) bool {
	return err != nil && strings.Contains(err.Error(), "while parsing JSON") &&
		(strings.Contains(err.Error(), "Infinity") || strings.Contains(err.Error(), "NaN"))
}

var apacheProtos = []apacheProto{
	{"compact", runtime.Compact, func(t thrift.TTransport) thrift.TProtocol {
		return thrift.NewTCompactProtocolConf(t, &thrift.TConfiguration{})
	}, nil},
	{"json", runtime.JSON, func(t thrift.TTransport) thrift.TProtocol {
		return thrift.NewTJSONProtocol(t)
	}, apacheGoJSONBinaryKeys},
}

func (p apacheProto) encode(s thrift.TStruct) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("apache Write panicked: %v", r)
		}
	}()
	buf := thrift.NewTMemoryBuffer()
	pr := p.new(buf)
	if err := s.Write(context.Background(), pr); err != nil {
		return nil, err
	}
	if err := pr.Flush(context.Background()); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

func (p apacheProto) decode(b []byte, s thrift.TStruct) error {
	buf := &thrift.TMemoryBuffer{Buffer: bytes.NewBuffer(bytes.Clone(b))}
	if err := s.Read(context.Background(), p.new(buf)); err != nil {
		return err
	}
	if buf.Len() != 0 {
		return fmt.Errorf("apache Read left %d bytes", buf.Len())
	}
	return nil
}

// sameProtoWire compares two encodings in p: byte for byte when exact,
// else (and to tell field order apart) through their binary forms.
func sameProtoWire(p runtime.Protocol, a, b []byte, exact bool) (wireMatch, error) {
	if exact && bytes.Equal(a, b) {
		return wireSame, nil
	}
	ba, err := runtime.TranscodeToBinary(p, nil, a, false, runtime.Limits{})
	if err != nil {
		return wireDifferent, fmt.Errorf("%v to binary: %w", p, err)
	}
	bb, err := runtime.TranscodeToBinary(p, nil, b, false, runtime.Limits{})
	if err != nil {
		return wireDifferent, fmt.Errorf("%v to binary: %w", p, err)
	}
	m, err := sameWire(ba, bb, exact)
	if m == wireSame && exact {
		// Same values, different bytes.
		return wireDifferent, err
	}
	return m, err
}

func checkProtoWire(t *testing.T, st *typeState, p runtime.Protocol, where, what string, a, b []byte, exact bool, value any, aName, bName string) bool {
	t.Helper()
	m, err := sameProtoWire(p, a, b, exact)
	switch {
	case err != nil || m == wireDifferent:
		t.Errorf("%s: %s (first difference at byte %d; %v)\nvalue %v\n%s%s",
			where, what, firstDiff(a, b), err, value, describeBytes(aName, a), describeBytes(bName, b))
		return false
	case m == wireFieldOrder && !st.orderReported:
		st.orderReported = true
		t.Errorf("%s: %s: same fields in another order\nvalue %v\n%s%s",
			where, what, value, describeBytes(aName, a), describeBytes(bName, b))
	}
	return true
}

func TestProtocolWire(t *testing.T) {
	if len(registry.Pairs) < 100 {
		t.Fatalf("only %d type pairs in the registry; make gen did not run fully", len(registry.Pairs))
	}
	for _, ap := range apacheProtos {
		t.Run(ap.name, func(t *testing.T) {
			for _, pair := range registry.Pairs {
				t.Run(pair.Name, func(t *testing.T) {
					t.Parallel()
					st := &typeState{}
					for _, pass := range []struct {
						name   string
						maxMap int
					}{{"exact", 1}, {"multi", 4}} {
						exact := pass.maxMap <= 1
						for i := range seeds / 2 {
							if !protoApacheFirst(t, st, ap, pair, pass.name, i, pass.maxMap, exact) {
								break
							}
						}
						for i := range seeds / 2 {
							if !protoOursFirst(t, st, ap, pair, pass.name, i, pass.maxMap, exact) {
								break
							}
						}
					}
					if st.skipped > seeds/10 {
						t.Errorf("%d values dropped because Apache called a set's elements equal", st.skipped)
					}
				})
			}
		})
	}
}

func protoApacheFirst(t *testing.T, st *typeState, ap apacheProto, pair registry.Pair, pass string, i, maxMap int, exact bool) bool {
	t.Helper()
	s1, s2 := seedFor(pair.Name, ap.name+"/apache/"+pass, i)
	f := &filler{r: rand.New(rand.NewPCG(s1, s2)), maxMap: maxMap, maxDepth: 3, validUTF8: ap.ours == runtime.JSON, leaveEmpty: ap.leaveEmpty}
	av := f.newStruct(pair.Apache, 0).Interface().(thrift.TStruct)
	where := fmt.Sprintf("%s: apache→ours→apache, %s pass, seed %d", ap.name, pass, i)
	ab, err := ap.encode(av)
	if isNotUnique(err) {
		st.skipped++
		return true
	}
	if err != nil {
		t.Fatalf("%s: the filler made a value Apache cannot write: %v\n%v", where, err, av)
	}
	ov := oursNew(pair.Ours)
	if err := ap.ours.Unmarshal(ab, ov); err != nil {
		t.Errorf("%s: ours cannot decode Apache's bytes: %v\n%s", where, err, describeBytes("apache", ab))
		return false
	}
	ob, err := ap.ours.Marshal(ov)
	if err != nil {
		t.Errorf("%s: ours cannot re-encode what it decoded: %v\nvalue %v\n%s", where, err, ov, describeBytes("apache", ab))
		return false
	}
	if !checkProtoWire(t, st, ap.ours, where, "ours re-encodes differently", ab, ob, exact, av, "apache", "ours") {
		return false
	}
	av2 := pair.NewApache()
	if err := ap.decode(ob, av2); err != nil {
		t.Errorf("%s: Apache cannot decode ours: %v\n%s", where, err, describeBytes("ours", ob))
		return false
	}
	if diff := cmp.Diff(av, av2, cmpOpts); diff != "" {
		t.Errorf("%s: Apache reads ours back differently (-want +got):\n%s", where, diff)
		return false
	}
	return true
}

func protoOursFirst(t *testing.T, st *typeState, ap apacheProto, pair registry.Pair, pass string, i, maxMap int, exact bool) bool {
	t.Helper()
	s1, s2 := seedFor(pair.Name, ap.name+"/ours/"+pass, i)
	f := &filler{r: rand.New(rand.NewPCG(s1, s2)), ours: true, maxMap: maxMap, maxDepth: 3, validUTF8: ap.ours == runtime.JSON, leaveEmpty: ap.leaveEmpty}
	ov := f.newStruct(pair.Ours, 0).Interface().(runtime.Struct)
	where := fmt.Sprintf("%s: ours→apache→ours, %s pass, seed %d", ap.name, pass, i)
	ob, err := ap.ours.Marshal(ov)
	if err != nil {
		t.Errorf("%s: ours cannot encode %v: %v", where, ov, err)
		return false
	}
	av := pair.NewApache()
	if err := ap.decode(ob, av); isApacheJSONBoundaryBug(err) && ap.ours == runtime.JSON {
		st.skipped++
		return true
	} else if err != nil {
		t.Errorf("%s: Apache cannot decode ours: %v\nvalue %v\n%s", where, err, ov, describeBytes("ours", ob))
		return false
	}
	ab, err := ap.encode(av)
	if isNotUnique(err) {
		st.skipped++
		return true
	}
	if err != nil {
		t.Errorf("%s: Apache cannot re-encode what it decoded: %v\nvalue %v\n%s", where, err, ov, describeBytes("ours", ob))
		return false
	}
	if !checkProtoWire(t, st, ap.ours, where, "Apache re-encodes differently", ob, ab, exact, ov, "ours", "apache") {
		return false
	}
	ov2 := oursNew(pair.Ours)
	if err := ap.ours.Unmarshal(ab, ov2); err != nil {
		t.Errorf("%s: ours cannot decode Apache's bytes: %v\n%s", where, err, describeBytes("apache", ab))
		return false
	}
	if diff := cmp.Diff(ov, ov2, cmpOpts); diff != "" {
		t.Errorf("%s: ours reads Apache's bytes back differently (-want +got):\n%s", where, diff)
		return false
	}
	return true
}
