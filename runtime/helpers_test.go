package runtime

import (
	"encoding/hex"
	"io"
	"runtime"
	"strings"
	"testing"
)

// chunkReader hands out its bytes a few at a time (sizes cycling through
// 1..7, starting at an offset), the way a slow network connection might.
type chunkReader struct {
	b    []byte
	step int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	r.step++
	n := min(1+r.step%7, len(p), len(r.b))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// unhexT decodes hex written with optional spaces.
func unhexT(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// modes runs f against an in-memory and a stream Decoder over b.
func modes(b []byte, lim Limits) map[string]*Decoder {
	return map[string]*Decoder{
		"memory": NewDecoder(b, lim),
		"stream": NewStreamDecoder(&chunkReader{b: b}, lim),
	}
}

// bytesPerRun returns the average number of bytes f allocates per call.
func bytesPerRun(runs int, f func()) uint64 {
	f() // warm up
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}
