package interop

import (
	"fmt"
	"testing"

	"github.com/thriftsec/thriftsec/interop/gen/ours/interop/bench"
	"github.com/thriftsec/thriftsec/runtime"
)

// TestCompactCodecReuseStrings decodes many small structs through one
// reused compact Codec, whose short strings then share string chunks
// across messages (CompactDecoder.warm): every string kept from an earlier
// message must still read as it was decoded, and after warm-up a decode
// allocates only the struct (the chunk's 4 KiB spread over the messages
// that share it).
func TestCompactCodecReuseStrings(t *testing.T) {
	codec := runtime.NewCodec(runtime.Compact, runtime.Limits{})
	var msgs [][]byte
	for i := range 1000 {
		b, err := runtime.Compact.Marshal(&bench.Small{ID: int32(i), Name: fmt.Sprintf("name %d of the messages", i)})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	kept := make([]*bench.Small, len(msgs))
	for i, b := range msgs {
		kept[i] = &bench.Small{}
		if err := codec.Unmarshal(b, kept[i]); err != nil {
			t.Fatal(err)
		}
		for j := range b {
			b[j] = 0xff // the decoded strings must not alias the input
		}
	}
	for i, s := range kept {
		if want := fmt.Sprintf("name %d of the messages", i); s.Name != want || s.ID != int32(i) {
			t.Fatalf("message %d decoded as %+v, want ID %d and Name %q", i, s, i, want)
		}
	}
	data, err := runtime.Compact.Marshal(&bench.Small{ID: 1, Name: "hello, world"})
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(1000, func() {
		if err := codec.Unmarshal(data, &bench.Small{}); err != nil {
			t.Fatal(err)
		}
	})
	if n > 1.01 {
		t.Errorf("%v allocations per decode through a reused compact Codec, want 1 (the struct) and a shared chunk now and then", n)
	}
}
