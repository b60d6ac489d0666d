package runtime

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// countingWriter records each Write call.
type countingWriter struct {
	calls int
	buf   bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.calls++
	return w.buf.Write(p)
}

func TestWriteFrameOneWrite(t *testing.T) {
	var w countingWriter
	if err := WriteFrame(&w, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if w.calls != 1 {
		t.Errorf("WriteFrame made %d Write calls, want 1", w.calls)
	}
	if want := append([]byte{0, 0, 0, 5}, "hello"...); !bytes.Equal(w.buf.Bytes(), want) {
		t.Errorf("wrote % x, want % x", w.buf.Bytes(), want)
	}
	if allocs := testing.AllocsPerRun(100, func() { WriteFrame(io.Discard, []byte("hello")) }); allocs != 0 {
		t.Errorf("WriteFrame: %v allocs, want 0 in steady state", allocs)
	}
}

func TestFrameRoundTrip(t *testing.T) {
	var e Encoder
	e.BeginFrame()
	e.WriteMessageBegin("ping", MessageCall, 1)
	e.WriteFieldStop()
	e.EndFrame()
	e.BeginFrame()
	e.WriteString("second")
	e.EndFrame()
	r := bytes.NewReader(e.Bytes())
	buf := make([]byte, 0, 8)
	p, err := ReadFrame(r, buf, 1024)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(p, Limits{})
	if name, _, _, err := d.ReadMessageBegin(); err != nil || name != "ping" {
		t.Fatalf("first frame: %q, %v", name, err)
	}
	p, err = ReadFrame(r, p, 1024)
	if err != nil || string(p[4:]) != "second" {
		t.Fatalf("second frame: %q, %v", p, err)
	}
	if _, err := ReadFrame(r, p, 1024); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameReusesBuffer(t *testing.T) {
	frame := []byte{0, 0, 0, 3, 'a', 'b', 'c'}
	buf := make([]byte, 0, 64)
	p, err := ReadFrame(bytes.NewReader(frame), buf, 0)
	if err != nil || string(p) != "abc" || &p[0] != &buf[:1][0] {
		t.Errorf("got %q, %v; reused buffer: %v", p, err, &p[0] == &buf[:1][0])
	}
	r := bytes.NewReader(frame)
	if allocs := testing.AllocsPerRun(100, func() {
		r.Reset(frame)
		ReadFrame(r, buf, 0)
	}); allocs != 0 {
		t.Errorf("ReadFrame into a large enough buffer: %v allocs", allocs)
	}
}

func TestReadFrameLimits(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"at limit", append([]byte{0, 0, 0, 4}, "abcd"...), 4, nil},
		{"below limit", append([]byte{0, 0, 0, 3}, "abc"...), 4, nil},
		{"over limit", append([]byte{0, 0, 0, 5}, "abcde"...), 4, ErrSizeLimit},
		{"negative", []byte{0xff, 0xff, 0xff, 0xfc}, 4, ErrNegativeSize},
		{"huge over default", []byte{0x7f, 0xff, 0xff, 0xff}, 0, ErrSizeLimit},
		{"short header", []byte{0, 0}, 4, io.ErrUnexpectedEOF},
		{"short payload", []byte{0, 0, 0, 4, 'a'}, 4, io.ErrUnexpectedEOF},
		{"empty", nil, 4, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tt.in), nil, tt.max)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestReadFrameAllocatesOnlyWhatArrives: a peer declares a 16 MiB frame and
// sends 10 bytes; over-size frames are refused before any allocation.
func TestReadFrameAllocatesOnlyWhatArrives(t *testing.T) {
	in := append([]byte{0, 0xff, 0xff, 0xff}, "0123456789"...)
	r := bytes.NewReader(in)
	per := bytesPerRun(100, func() {
		r.Reset(in)
		if _, err := ReadFrame(r, nil, 16<<20); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatal(err)
		}
	})
	if per > 2*frameChunk {
		t.Errorf("%d bytes allocated for a frame of which 10 bytes arrived", per)
	}
	over := []byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3}
	if per := bytesPerRun(100, func() {
		r.Reset(over)
		if _, err := ReadFrame(r, nil, 1<<20); !errors.Is(err, ErrSizeLimit) {
			t.Fatal(err)
		}
	}); per > 1024 { // the error and a small header buffer
		t.Errorf("over-size frame: %d bytes allocated", per)
	}
	// A large frame that does arrive is read whole.
	big := make([]byte, 4+300000)
	big[1], big[2], big[3] = 0x04, 0x93, 0xe0 // 300000
	big[len(big)-1] = 7
	p, err := ReadFrame(&chunkReader{b: big}, nil, 0)
	if err != nil || len(p) != 300000 || p[len(p)-1] != 7 {
		t.Errorf("large frame: len %d, %v", len(p), err)
	}
}
