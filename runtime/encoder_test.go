package runtime

import (
	"bytes"
	"math"
	"testing"
)

// TestEncoderBytes checks exact encodings against the binary protocol
// specification.
func TestEncoderBytes(t *testing.T) {
	tests := []struct {
		name  string
		write func(e *Encoder)
		want  string // hex
	}{
		{"bool true", func(e *Encoder) { e.WriteBool(true) }, "01"},
		{"bool false", func(e *Encoder) { e.WriteBool(false) }, "00"},
		{"i8 -1", func(e *Encoder) { e.WriteI8(-1) }, "ff"},
		{"i16 -2", func(e *Encoder) { e.WriteI16(-2) }, "fffe"},
		{"i32 0x01020304", func(e *Encoder) { e.WriteI32(0x01020304) }, "01020304"},
		{"i32 min", func(e *Encoder) { e.WriteI32(math.MinInt32) }, "80000000"},
		{"i64 -1", func(e *Encoder) { e.WriteI64(-1) }, "ffffffffffffffff"},
		{"i64 1", func(e *Encoder) { e.WriteI64(1) }, "0000000000000001"},
		{"double 1.5", func(e *Encoder) { e.WriteDouble(1.5) }, "3ff8000000000000"},
		{"double -0", func(e *Encoder) { e.WriteDouble(math.Copysign(0, -1)) }, "8000000000000000"},
		{"string abc", func(e *Encoder) { e.WriteString("abc") }, "00000003 616263"},
		{"string empty", func(e *Encoder) { e.WriteString("") }, "00000000"},
		{"binary", func(e *Encoder) { e.WriteBinary([]byte{0, 0xff}) }, "00000002 00ff"},
		{"binary nil", func(e *Encoder) { e.WriteBinary(nil) }, "00000000"},
		{"uuid", func(e *Encoder) {
			e.WriteUUID(UUID{0: 0x00, 1: 0x11, 15: 0xff})
		}, "0011 0000 0000 0000 0000 0000 0000 00ff"},
		{"field", func(e *Encoder) { e.WriteFieldBegin(TypeI32, 258) }, "08 0102"},
		{"field negative id", func(e *Encoder) { e.WriteFieldBegin(TypeString, -1) }, "0b ffff"},
		{"stop", func(e *Encoder) { e.WriteFieldStop() }, "00"},
		{"list", func(e *Encoder) { e.WriteListBegin(TypeI64, 3) }, "0a 00000003"},
		{"set", func(e *Encoder) { e.WriteSetBegin(TypeString, 1) }, "0b 00000001"},
		{"map", func(e *Encoder) { e.WriteMapBegin(TypeString, TypeStruct, 2) }, "0b 0c 00000002"},
		{"message ping", func(e *Encoder) { e.WriteMessageBegin("ping", MessageCall, 7) },
			"80010001 00000004 70696e67 00000007"},
		{"message reply", func(e *Encoder) { e.WriteMessageBegin("", MessageReply, -1) },
			"80010002 00000000 ffffffff"},
		{"frame", func(e *Encoder) { e.BeginFrame(); e.WriteI32(5); e.EndFrame() },
			"00000004 00000005"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Encoder
			tt.write(&e)
			if want := unhexT(t, tt.want); !bytes.Equal(e.Bytes(), want) {
				t.Errorf("got % x, want % x", e.Bytes(), want)
			}
			if e.Len() != len(e.Bytes()) {
				t.Errorf("Len() = %d, len(Bytes()) = %d", e.Len(), len(e.Bytes()))
			}
		})
	}
}

func TestEncoderReuse(t *testing.T) {
	buf := make([]byte, 10, 64)
	e := NewEncoder(buf)
	if e.Len() != 0 {
		t.Fatalf("NewEncoder did not start empty: Len = %d", e.Len())
	}
	e.WriteI32(1)
	if &e.Bytes()[0] != &buf[0] {
		t.Error("NewEncoder did not reuse the capacity of buf")
	}
	e.Reset()
	if e.Len() != 0 {
		t.Errorf("after Reset, Len = %d", e.Len())
	}
}

func TestEncoderZeroAllocs(t *testing.T) {
	m := newMedium()
	e := NewEncoder(make([]byte, 0, 4096))
	allocs := testing.AllocsPerRun(100, func() {
		e.Reset()
		if err := m.Encode(e); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("encoding into a reused Encoder: %v allocs, want 0", allocs)
	}
}

func TestEndFrameWithoutBegin(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("EndFrame without BeginFrame did not panic")
		}
	}()
	var e Encoder
	e.EndFrame()
}
