package runtime

import (
	"strings"
	"testing"
)

func messageBytes(t *testing.T, name string) []byte {
	t.Helper()
	e := NewEncoder(nil)
	e.WriteMessageBegin(name, MessageCall, 7)
	return append([]byte(nil), e.Bytes()...)
}

// TestMessageNameKept: a repeated method name costs no allocation, names
// longer than maxKeptName are read as before and not kept, and the cache
// never holds more than namesKept names.
func TestMessageNameKept(t *testing.T) {
	d := NewDecoder(nil, Limits{})
	read := func(msg []byte, want string) {
		t.Helper()
		d.Reset(msg)
		name, typ, seq, err := d.ReadMessageBegin()
		if err != nil || name != want || typ != MessageCall || seq != 7 {
			t.Fatalf("ReadMessageBegin = %q, %v, %d, %v; want %q, call, 7", name, typ, seq, err, want)
		}
	}
	echo := messageBytes(t, "echo")
	read(echo, "echo")
	if n := testing.AllocsPerRun(100, func() { read(echo, "echo") }); n != 0 {
		t.Errorf("%v allocations per repeated message name, want 0", n)
	}
	long := strings.Repeat("m", maxKeptName+1)
	longMsg := messageBytes(t, long)
	read(longMsg, long)
	for _, s := range d.names.names {
		if len(s) > maxKeptName {
			t.Errorf("a %d-byte name was kept", len(s))
		}
	}
	for i := range 2 * namesKept {
		name := "m" + itoa(i)
		read(messageBytes(t, name), name)
	}
	read(echo, "echo") // evicted by now: read again, correctly
	read(messageBytes(t, ""), "")
}
