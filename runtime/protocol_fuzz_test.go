package runtime

import (
	"bytes"
	"testing"
)

// fuzzProtocol is the body of FuzzCompact and FuzzJSON: arbitrary bytes
// through the transcoder in memory and as a trickling stream must not
// panic or hang, must agree, and what decodes must re-encode stably.
func fuzzProtocol(f *testing.F, p Protocol, seeds ...[]byte) {
	for _, s := range []*allTypes{fullAllTypes(), {}, {Kids: []*allTypes{fullAllTypes()}}} {
		b, err := p.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		var e Encoder
		e.WriteMessageBegin("call", MessageCall, 1)
		s.Encode(&e)
		m, err := TranscodeFromBinary(p, nil, e.Bytes(), true)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	lim := Limits{MaxDepth: 32, MaxContainerLength: 4096, MaxStringLength: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, message := range []bool{false, true} {
			mem, errMem := TranscodeToBinary(p, nil, data, message, lim)
			src := NewStreamDecoder(&chunkReader{b: data, step: len(data)}, lim)
			var e Encoder
			var scratch []byte
			errStream := transcodeToBinary(p, src, &e, &scratch, message)
			if errStream == nil && src.need(1, "more") == nil {
				errStream = errInvalidTrailing
			}
			if (errMem == nil) != (errStream == nil) {
				t.Fatalf("message %v: memory %v, stream %v", message, errMem, errStream)
			}
			if errMem == nil && !bytes.Equal(mem, e.Bytes()) {
				t.Fatalf("message %v: memory and stream transcode differently", message)
			}
		}
		a := new(allTypes)
		c := NewCodec(p, lim)
		if err := c.Unmarshal(data, a); err != nil {
			return
		}
		b1, err := p.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		a2 := new(allTypes)
		if err := p.Unmarshal(b1, a2); err != nil {
			t.Fatalf("re-decoding: %v\n%q", err, b1)
		}
		if b2, _ := p.Marshal(a2); !bytes.Equal(b1, b2) {
			t.Fatalf("re-encoding differs:\n%q\n%q", b1, b2)
		}
	})
}

var errInvalidTrailing = protoErr(KindInvalidData, "trailing bytes", nil)

func FuzzCompact(f *testing.F) {
	fuzzProtocol(f, Compact,
		unhexT(f, "15 ffffffffff01 00"),
		unhexT(f, "19 f5 ffffffff07"),
		unhexT(f, "1b 02 58 02 02 04 04 00"),
		unhexT(f, "82 21 00 03 616464 00"),
	)
}

func FuzzJSON(f *testing.F) {
	fuzzProtocol(f, JSON,
		[]byte(`{"1":{"tf":1},"7":{"str":"\u00e9\ud83d\ude00\"x"},"8":{"str":"AQ"}}`),
		[]byte(`{"6":{"dbl":"NaN"},"16":{"lst":["dbl",2,"Infinity",-1e-300]}}`),
		[]byte(`[1,"m",1,0,{"12":{"map":["i32","str",1,{"7":"/w=="}]}}]`),
	)
}
