package golden

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/thriftsec/thriftsec/golden/unions/unions"
	"github.com/thriftsec/thriftsec/runtime"
)

// FuzzGenerated feeds arbitrary bytes to the generated decoders of every
// golden type. Decoding must never panic; memory and stream decoding must
// agree; whatever decodes must encode again, and from then on round-trip
// to the same value.
func FuzzGenerated(f *testing.F) {
	for i, proto := range roundTripTypes {
		v := newOf(proto)
		newFiller(int64(i), &unions.Value{}).fill(reflect.ValueOf(v).Elem(), 0)
		if b, err := runtime.Marshal(v); err == nil {
			f.Add(uint8(i), b)
		}
	}
	f.Add(uint8(0), []byte{0x0f, 0x00, 0x01, 0x08, 0x7f, 0xff, 0xff, 0xff})
	f.Add(uint8(5), []byte{0x0d, 0x00, 0x03, 0x0b, 0x0c, 0x7f, 0xff, 0xff, 0xff, 0x00})
	lim := runtime.Limits{MaxMessageSize: 1 << 16}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		proto := roundTripTypes[int(which)%len(roundTripTypes)]
		v := newOf(proto)
		d := runtime.NewDecoder(data, lim)
		err := v.Decode(d)
		streamed := newOf(proto)
		serr := streamed.Decode(runtime.NewStreamDecoder(&trickle{r: bytes.NewReader(data)}, lim))
		if (err == nil) != (serr == nil) {
			t.Fatalf("memory decode err = %v, stream decode err = %v", err, serr)
		}
		if err != nil {
			return
		}
		opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}
		if diff := cmp.Diff(v, streamed, opts); diff != "" {
			t.Fatalf("memory and stream decoding differ:\n%s", diff)
		}
		// One encode normalizes what the wire cannot tell apart (an absent
		// struct field of default requiredness is written as an empty
		// struct); from there on, encoding and decoding must be stable.
		b, err := runtime.Marshal(v)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		once := newOf(proto)
		if err := runtime.Unmarshal(b, once); err != nil {
			t.Fatalf("re-encoded bytes do not decode: %v", err)
		}
		b2, err := runtime.Marshal(once)
		if err != nil {
			t.Fatalf("second encode: %v", err)
		}
		twice := newOf(proto)
		if err := runtime.Unmarshal(b2, twice); err != nil {
			t.Fatalf("second decode: %v", err)
		}
		if diff := cmp.Diff(once, twice, opts); diff != "" {
			t.Fatalf("re-encoded value differs:\n%s", diff)
		}
	})
}
