package runtime

import (
	"bytes"
	"math"
	"testing"
)

// FuzzDecoder feeds arbitrary bytes to the Decoder, in memory and as a
// stream that arrives 1 to 7 bytes at a time, through ReadMessageBegin +
// Skip and through a generated-style decoder that uses every Read method.
// It checks that nothing panics or hangs, that both modes agree on success
// and on the value decoded, and that a decoded value re-encodes stably.
func FuzzDecoder(f *testing.F) {
	var e Encoder
	e.WriteMessageBegin("call", MessageCall, 1)
	fullAllTypes().Encode(&e)
	f.Add(bytes.Clone(e.Bytes()))
	f.Add(encode(f, fullAllTypes()))
	f.Add(encode(f, &allTypes{}))
	f.Add(encode(f, newMedium()))
	f.Add(nested(10))
	f.Add(unhexT(f, "00000004 70696e67 01 00000007 00"))               // non-strict header
	f.Add(unhexT(f, "80010002 00000000 00000000 0f 000a 0a 7fffffff")) // hostile count
	f.Add(unhexT(f, "0b 0007 7fffffff 00"))                            // hostile string
	f.Add(unhexT(f, "0d 000c 0b 0b 00000001 00000000 00000000 00"))    // map
	f.Add(unhexT(f, "07 0001 00"))                                     // unknown field type
	f.Add(bytes.Repeat(unhexT(f, "0f 0013 0f 00000001"), 40))

	lim := Limits{MaxDepth: 32}
	f.Fuzz(func(t *testing.T, data []byte) {
		stream := func() *Decoder {
			return NewStreamDecoder(&chunkReader{b: data, step: len(data)}, lim)
		}

		skip := func(d *Decoder) error {
			if _, _, _, err := d.ReadMessageBegin(); err != nil {
				return err
			}
			return d.Skip(TypeStruct)
		}
		errMem, errStream := skip(NewDecoder(data, lim)), skip(stream())
		if (errMem == nil) != (errStream == nil) {
			t.Fatalf("ReadMessageBegin+Skip: memory %v, stream %v", errMem, errStream)
		}

		a, b := new(allTypes), new(allTypes)
		errMem, errStream = a.Decode(NewDecoder(data, lim)), b.Decode(stream())
		if (errMem == nil) != (errStream == nil) {
			t.Fatalf("Decode: memory %v, stream %v", errMem, errStream)
		}
		if errMem != nil {
			return
		}
		ea, eb := encode(t, a), encode(t, b)
		if !bytes.Equal(ea, eb) {
			t.Fatalf("memory and stream decoded different values:\n%+v\n%+v", a, b)
		}
		c := new(allTypes)
		if err := Unmarshal(ea, c); err != nil {
			t.Fatalf("re-decoding an encoded value: %v", err)
		}
		if ec := encode(t, c); !bytes.Equal(ea, ec) {
			t.Fatalf("re-encoding differs:\n% x\n% x", ea, ec)
		}
	})
}

// TestFuzzSeedsDecode makes sure the valid seeds really decode, so the fuzzer
// starts from inputs that reach deep into the decoder.
func TestFuzzSeedsDecode(t *testing.T) {
	in := fullAllTypes()
	in.D = math.NaN()
	if err := Unmarshal(encode(t, in), new(allTypes)); err != nil {
		t.Fatal(err)
	}
}
