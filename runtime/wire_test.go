package runtime

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
)

// recordReader hands out one frame per Read, the way requests arrive one
// TLS record at a time, so that each frame lands in the wire's read buffer
// where the previous one lay.
type recordReader struct{ frames [][]byte }

func (r *recordReader) Read(p []byte) (int, error) {
	if len(r.frames) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.frames[0])
	if r.frames[0] = r.frames[0][n:]; len(r.frames[0]) == 0 {
		r.frames = r.frames[1:]
	}
	return n, nil
}

// encodeFrames encodes one framed CALL per value.
func encodeFrames(t *testing.T, vals ...*allTypes) [][]byte {
	t.Helper()
	var frames [][]byte
	for i, v := range vals {
		w := newWire(Framed, Binary, nil, io.Discard, Limits{})
		if err := w.encodeMessage("m", MessageCall, int32(i), v); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, bytes.Clone(w.encoded()))
	}
	return frames
}

// A framed message wholly in the read buffer is decoded where it lies
// (bufferedFrame), not copied into w.frame; what it decoded must not
// change when the next frame overwrites that buffer.
func TestWireFramedInPlace(t *testing.T) {
	want := []*allTypes{
		{S: "first string", Bin: []byte("first binary"), M: map[int32][]byte{1: []byte("first map value")}},
		{S: "other string", Bin: []byte("other binary"), M: map[int32][]byte{1: []byte("other map value")}},
		{S: "third string", Bin: bytes.Repeat([]byte{7}, 300)}, // a binary with its own allocation
	}
	w := newWire(Framed, Binary, &recordReader{frames: encodeFrames(t, want...)}, io.Discard, Limits{})
	var got []*allTypes
	for i := range want {
		_, _, seq, err := w.readMessageBegin()
		if err != nil || seq != int32(i) {
			t.Fatalf("message %d: seq %d, %v", i, seq, err)
		}
		v := &allTypes{}
		if err := v.Decode(w.dec); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		got = append(got, v)
	}
	if cap(w.frame) != 0 {
		t.Errorf("frames were copied into w.frame (cap %d), not decoded in place", cap(w.frame))
	}
	for i := range want {
		if got[i].S != want[i].S || !bytes.Equal(got[i].Bin, want[i].Bin) || !bytes.Equal(got[i].M[1], want[i].M[1]) {
			t.Errorf("message %d decoded as %q %q %q, want %q %q %q", i, got[i].S, got[i].Bin, got[i].M[1], want[i].S, want[i].Bin, want[i].M[1])
		}
	}
	if _, _, _, err := w.readMessageBegin(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

// Frames not wholly buffered (larger than the buffer, or arriving a few
// bytes at a time) and frames readFrame refuses take readFrame's path, with
// its errors.
func TestWireFramedNotBuffered(t *testing.T) {
	big := &allTypes{Bin: bytes.Repeat([]byte{1}, 3*readBufSize)}
	small := &allTypes{S: "small"}
	frames := encodeFrames(t, big, small, small)
	for name, r := range map[string]io.Reader{
		"large":  &recordReader{frames: frames},
		"chunks": &chunkReader{b: slices.Concat(frames...)},
	} {
		w := newWire(Framed, Binary, r, io.Discard, Limits{})
		for i := range frames {
			if _, _, seq, err := w.readMessageBegin(); err != nil || seq != int32(i) {
				t.Fatalf("%s, message %d: seq %d, %v", name, i, seq, err)
			}
			v := &allTypes{}
			if err := v.Decode(w.dec); err != nil {
				t.Fatalf("%s, message %d: %v", name, i, err)
			}
			if i == 0 && !bytes.Equal(v.Bin, big.Bin) || i > 0 && v.S != small.S {
				t.Errorf("%s, message %d decoded wrong", name, i)
			}
		}
	}
	for name, c := range map[string]struct {
		frame []byte
		kind  ProtocolErrorKind
	}{
		"empty":    {[]byte{0, 0, 0, 0}, KindInvalidData},
		"negative": {[]byte{0xff, 0xff, 0xff, 0xf0, 1, 2, 3}, KindNegativeSize},
		"too big":  {[]byte{0, 0, 1, 0, 1, 2, 3}, KindSizeLimit},
	} {
		w := newWire(Framed, Binary, bytes.NewReader(c.frame), io.Discard, Limits{MaxMessageSize: 128})
		_, _, _, err := w.readMessageBegin()
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Kind != c.kind {
			t.Errorf("%s frame: %v, want a protocol error of kind %v", name, err, c.kind)
		}
	}
}
