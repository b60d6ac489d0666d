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
// to the same value. The same bytes read as compact must give the same
// result through the generated DecodeCompact as through the transcoder and
// Decode, and EncodeCompact must write what the transcoder writes.
func FuzzGenerated(f *testing.F) {
	for i, proto := range roundTripTypes {
		v := newOf(proto)
		newFiller(int64(i), &unions.Value{}).fill(reflect.ValueOf(v).Elem(), 0)
		if b, err := runtime.Marshal(v); err == nil {
			f.Add(uint8(i), b)
		}
		if b, err := runtime.Compact.Marshal(v); err == nil {
			f.Add(uint8(i), b)
		}
	}
	f.Add(uint8(0), []byte{0x0f, 0x00, 0x01, 0x08, 0x7f, 0xff, 0xff, 0xff})
	f.Add(uint8(5), []byte{0x0d, 0x00, 0x03, 0x0b, 0x0c, 0x7f, 0xff, 0xff, 0xff, 0x00})
	lim := runtime.Limits{MaxMessageSize: 1 << 16}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		proto := roundTripTypes[int(which)%len(roundTripTypes)]
		compactAgrees(t, proto, data, lim)
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

// compactAgrees checks the generated compact codec of proto's type against
// the transcoding path on data: both accept or both refuse it, decode the
// same value, and encode that value to the same bytes.
func compactAgrees(t *testing.T, proto runtime.Struct, data []byte, lim runtime.Limits) {
	t.Helper()
	direct := newOf(proto).(runtime.CompactStruct)
	errDirect := runtime.NewCodec(runtime.Compact, lim).Unmarshal(data, direct)
	via := newOf(proto)
	bin, errVia := runtime.TranscodeToBinary(runtime.Compact, nil, data, false, lim)
	if errVia == nil {
		// The binary form may be larger than the compact one.
		big := lim
		big.MaxMessageSize = 1 << 30
		errVia = runtime.UnmarshalWithLimits(bin, via, big)
	}
	if (errDirect == nil) != (errVia == nil) {
		t.Fatalf("compact: DecodeCompact err = %v, transcode+Decode err = %v", errDirect, errVia)
	}
	if errDirect != nil {
		return
	}
	opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}
	if diff := cmp.Diff(via, direct, opts); diff != "" {
		t.Fatalf("compact: DecodeCompact and transcode+Decode differ (-via +direct):\n%s", diff)
	}
	// EncodeCompact's bytes, read back through the transcoder, give the
	// value again (bytes are not compared: map order varies between two
	// encodes; make wire compares them with Apache's).
	got, err := runtime.Compact.Marshal(direct)
	b, errBin := runtime.Marshal(direct)
	if (err == nil) != (errBin == nil) {
		t.Fatalf("compact: EncodeCompact err = %v, Encode err = %v", err, errBin)
	}
	if err != nil {
		return // e.g. a union that decoded empty: both refuse to write it
	}
	bin, err = runtime.TranscodeToBinary(runtime.Compact, nil, got, false, runtime.Limits{})
	if err != nil {
		t.Fatalf("compact: EncodeCompact wrote what the transcoder refuses: %v\n%x", err, got)
	}
	again := newOf(proto)
	if err := runtime.Unmarshal(bin, again); err != nil {
		t.Fatalf("compact: re-decoding EncodeCompact's bytes: %v", err)
	}
	// Both encoders write a nil struct field as an empty struct: compare
	// with the binary round trip, which normalizes the same way.
	norm := newOf(proto)
	if err := runtime.Unmarshal(b, norm); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(norm, again, opts); diff != "" {
		t.Fatalf("compact: EncodeCompact and Encode round-trip differently (-binary +compact):\n%s", diff)
	}
}
