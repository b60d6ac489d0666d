package runtime

import (
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

func fullAllTypes() *allTypes {
	return &allTypes{
		B: true, I8: -8, I16: -16, I32: -32, I64: math.MinInt64, D: -1.25,
		S: "héllo", Bin: []byte{0, 1, 2, 0xff},
		U:   UUID{0x12, 0x34, 15: 0x56},
		L:   []int32{1, -1, math.MaxInt32},
		Set: []string{"a", "", "c"},
		M:   map[int32][]byte{1: {1}, -5: {}},
		Kids: []*allTypes{
			{S: "kid", L: []int32{}, Child: &allTypes{I32: 9}},
			{},
		},
		Child: &allTypes{I64: 64, Pairs: []Pair[[]int64, string]{{Key: []int64{}, Value: "e"}}},
		Pairs: []Pair[[]int64, string]{
			{Key: []int64{1, 2}, Value: "x"},
			{Key: []int64{3}, Value: ""},
		},
		Dbls:  []float64{0.5, math.Inf(-1)},
		Flags: []bool{true, false},
		UL:    []UUID{{1}, {2}},
		Nest:  [][]int16{{1, 2}, {}, {-3}},
	}
}

// zeroFilled returns what decoding s gives back: the fields that Encode
// always writes are present, and a nil Bin is absent.
func encode(t testing.TB, s Struct) []byte {
	t.Helper()
	b, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTripScalars(t *testing.T) {
	u := UUID{0xde, 0xad, 0xbe, 0xef, 15: 1}
	tests := []struct {
		name  string
		write func(e *Encoder)
		read  func(d *Decoder) (any, error)
		want  any
	}{
		{"bool", func(e *Encoder) { e.WriteBool(true) }, func(d *Decoder) (any, error) { return d.ReadBool() }, true},
		{"i8", func(e *Encoder) { e.WriteI8(math.MinInt8) }, func(d *Decoder) (any, error) { return d.ReadI8() }, int8(math.MinInt8)},
		{"i16", func(e *Encoder) { e.WriteI16(-2) }, func(d *Decoder) (any, error) { return d.ReadI16() }, int16(-2)},
		{"i32", func(e *Encoder) { e.WriteI32(math.MaxInt32) }, func(d *Decoder) (any, error) { return d.ReadI32() }, int32(math.MaxInt32)},
		{"i64", func(e *Encoder) { e.WriteI64(math.MinInt64) }, func(d *Decoder) (any, error) { return d.ReadI64() }, int64(math.MinInt64)},
		{"double", func(e *Encoder) { e.WriteDouble(math.Pi) }, func(d *Decoder) (any, error) { return d.ReadDouble() }, math.Pi},
		{"string", func(e *Encoder) { e.WriteString("thrift") }, func(d *Decoder) (any, error) { return d.ReadString() }, "thrift"},
		{"binary", func(e *Encoder) { e.WriteBinary([]byte{1, 2}) }, func(d *Decoder) (any, error) { return d.ReadBinary() }, []byte{1, 2}},
		{"empty binary", func(e *Encoder) { e.WriteBinary(nil) }, func(d *Decoder) (any, error) { return d.ReadBinary() }, []byte{}},
		{"uuid", func(e *Encoder) { e.WriteUUID(u) }, func(d *Decoder) (any, error) { return d.ReadUUID() }, u},
		{"field", func(e *Encoder) { e.WriteFieldBegin(TypeMap, -3) }, func(d *Decoder) (any, error) {
			t, id, err := d.ReadFieldBegin()
			return [2]any{t, id}, err
		}, [2]any{TypeMap, int16(-3)}},
		{"stop", func(e *Encoder) { e.WriteFieldStop() }, func(d *Decoder) (any, error) {
			t, id, err := d.ReadFieldBegin()
			return [2]any{t, id}, err
		}, [2]any{TypeStop, int16(0)}},
		{"list", func(e *Encoder) { e.WriteListBegin(TypeBool, 2); e.WriteBool(true); e.WriteBool(false) }, func(d *Decoder) (any, error) {
			et, n, err := d.ReadListBegin()
			skipN(d, et, n)
			d.ReadListEnd()
			return [2]any{et, n}, err
		}, [2]any{TypeBool, 2}},
		{"set", func(e *Encoder) { e.WriteSetBegin(TypeI8, 1); e.WriteI8(1) }, func(d *Decoder) (any, error) {
			et, n, err := d.ReadSetBegin()
			skipN(d, et, n)
			d.ReadSetEnd()
			return [2]any{et, n}, err
		}, [2]any{TypeI8, 1}},
		{"map", func(e *Encoder) { e.WriteMapBegin(TypeI8, TypeBool, 1); e.WriteI8(1); e.WriteBool(true) }, func(d *Decoder) (any, error) {
			kt, vt, n, err := d.ReadMapBegin()
			skipN(d, kt, n)
			skipN(d, vt, n)
			d.ReadMapEnd()
			return [3]any{kt, vt, n}, err
		}, [3]any{TypeI8, TypeBool, 1}},
	}
	for _, tt := range tests {
		var e Encoder
		tt.write(&e)
		for mode, d := range modes(e.Bytes(), Limits{}) {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				got, err := tt.read(d)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %#v, want %#v", got, tt.want)
				}
				if d.depth != 0 {
					t.Errorf("depth %d after the value", d.depth)
				}
				if _, err := d.ReadI8(); !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("reading past the end: %v, want io.ErrUnexpectedEOF", err)
				}
			})
		}
	}
}

func skipN(d *Decoder, t Type, n int) {
	for range n {
		d.Skip(t)
	}
}

func TestReadBoolApacheSemantics(t *testing.T) {
	for b, want := range map[byte]bool{0: false, 1: true, 2: false, 0xff: false} {
		got, err := NewDecoder([]byte{b}, Limits{}).ReadBool()
		if err != nil || got != want {
			t.Errorf("ReadBool(%#x) = %v, %v; want %v", b, got, err, want)
		}
	}
}

func TestRoundTripStruct(t *testing.T) {
	in := fullAllTypes()
	b := encode(t, in)
	for mode, d := range modes(b, Limits{}) {
		t.Run(mode, func(t *testing.T) {
			out := new(allTypes)
			if err := out.Decode(d); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, out) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", out, in)
			}
			if d.depth != 0 {
				t.Errorf("depth %d after the struct", d.depth)
			}
		})
	}
	out := new(allTypes)
	if err := Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Error("Unmarshal differs from the input")
	}
}

func TestUnmarshalTrailingBytes(t *testing.T) {
	b := append(encode(t, &small{A: 1}), 0)
	err := Unmarshal(b, new(small))
	if !errors.Is(err, ErrInvalidData) || !strings.Contains(err.Error(), "1 bytes follow") {
		t.Errorf("Unmarshal with a trailing byte: %v, want ErrInvalidData", err)
	}
	if err := Unmarshal(b[:len(b)-2], new(small)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Unmarshal of a truncated struct: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestSkipEveryType(t *testing.T) {
	in := fullAllTypes()
	b := append(encode(t, in), 0xAA) // a byte after, to check Skip stops right
	for mode, d := range modes(b, Limits{}) {
		t.Run(mode, func(t *testing.T) {
			if err := d.Skip(TypeStruct); err != nil {
				t.Fatal(err)
			}
			if v, err := d.ReadI8(); err != nil || v != -0x56 {
				t.Errorf("after Skip read %v, %v; want the trailing byte", v, err)
			}
			if d.depth != 0 {
				t.Errorf("depth %d after Skip", d.depth)
			}
		})
	}
}

func TestSkipUnknownType(t *testing.T) {
	for _, typ := range []Type{TypeStop, TypeVoid, 5, 7, 9, 17, 255} {
		err := NewDecoder(make([]byte, 32), Limits{}).Skip(typ)
		if !errors.Is(err, ErrInvalidData) {
			t.Errorf("Skip(%v): %v, want ErrInvalidData", typ, err)
		}
	}
	// An unknown field type inside a struct is found the same way.
	b := unhexT(t, "07 0001 00")
	if err := NewDecoder(b, Limits{}).Skip(TypeStruct); !errors.Is(err, ErrInvalidData) {
		t.Errorf("struct with a field of type 7: %v, want ErrInvalidData", err)
	}
	// So is a container of elements of an unknown type.
	b = unhexT(t, "07 00000003 000000")
	if _, _, err := NewDecoder(b, Limits{}).ReadListBegin(); !errors.Is(err, ErrInvalidData) {
		t.Errorf("list of type 7: %v, want ErrInvalidData", err)
	}
	// An empty container may declare any element type, as in Apache.
	b = unhexT(t, "07 00000000")
	if err := NewDecoder(b, Limits{}).Skip(TypeList); err != nil {
		t.Errorf("empty list of type 7: %v", err)
	}
}

func TestReadMessageBegin(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    [3]any
		wantErr error
	}{
		{"strict", "80010001 00000004 70696e67 00000007", [3]any{"ping", MessageCall, int32(7)}, nil},
		{"strict oneway", "80010004 00000000 ffffffff", [3]any{"", MessageOneway, int32(-1)}, nil},
		{"strict ignores the unused byte", "8001ff03 00000001 78 00000001", [3]any{"x", MessageException, int32(1)}, nil},
		{"non-strict", "00000004 70696e67 02 0000002a", [3]any{"ping", MessageReply, int32(42)}, nil},
		{"non-strict empty name", "00000000 01 00000000", [3]any{"", MessageCall, int32(0)}, nil},
		{"bad version", "80020001 00000004 70696e67 00000007", [3]any{}, ErrBadVersion},
		{"bad version 2", "ffff0001 00000000 00000000", [3]any{}, ErrBadVersion},
		{"message type 0", "80010000 00000000 00000000", [3]any{}, ErrInvalidData},
		{"message type 5", "00000000 05 00000000", [3]any{}, ErrInvalidData},
		{"negative name", "80010001 ffffffff 00000000", [3]any{}, ErrNegativeSize},
		{"name too long", "00001000 70696e67 01 00000000", [3]any{}, io.ErrUnexpectedEOF},
		{"truncated", "800100", [3]any{}, io.ErrUnexpectedEOF},
		{"empty", "", [3]any{}, io.EOF},
	}
	for _, tt := range tests {
		for mode, d := range modes(unhexT(t, tt.in), Limits{}) {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				name, typ, seq, err := d.ReadMessageBegin()
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("err = %v, want %v", err, tt.wantErr)
					}
					if tt.wantErr == io.EOF && err != io.EOF {
						t.Errorf("clean end returned %#v, want io.EOF itself", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := [3]any{name, typ, seq}; got != tt.want {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
	}
	// "name too long" in stream mode has the bytes budgeted but not sent.
}

func TestPipelinedMessages(t *testing.T) {
	var e Encoder
	for i := range 50 {
		e.WriteMessageBegin("m", MessageCall, int32(i))
		(&small{A: int32(i), B: strings.Repeat("x", i*100)}).Encode(&e)
	}
	for mode, d := range modes(e.Bytes(), Limits{MaxMessageSize: 5100}) {
		t.Run(mode, func(t *testing.T) {
			for i := range 50 {
				_, _, seq, err := d.ReadMessageBegin()
				if err != nil || seq != int32(i) {
					t.Fatalf("message %d: seq %d, %v", i, seq, err)
				}
				var s small
				if err := s.Decode(d); err != nil || s.A != int32(i) || len(s.B) != i*100 {
					t.Fatalf("message %d: %+v, %v", i, s, err)
				}
			}
			if _, _, _, err := d.ReadMessageBegin(); err != io.EOF {
				t.Errorf("after the last message: %v, want io.EOF", err)
			}
		})
	}
}

// TestTruncation cuts a valid message at every offset: each cut must give an
// error wrapping io.ErrUnexpectedEOF (io.EOF itself at offset 0), in both
// modes, whether decoded field by field or skipped.
func TestTruncation(t *testing.T) {
	var e Encoder
	e.WriteMessageBegin("call", MessageCall, 1)
	if err := fullAllTypes().Encode(&e); err != nil {
		t.Fatal(err)
	}
	msg := e.Bytes()
	decoders := map[string]func(d *Decoder) error{
		"decode": func(d *Decoder) error { return new(allTypes).Decode(d) },
		"skip":   func(d *Decoder) error { return d.Skip(TypeStruct) },
	}
	for cut := range len(msg) {
		for dname, decode := range decoders {
			for mode, d := range modes(msg[:cut], Limits{}) {
				_, _, _, err := d.ReadMessageBegin()
				if err == nil {
					err = decode(d)
				}
				switch {
				case cut == 0 && err != io.EOF:
					t.Errorf("%s/%s: empty input gave %v, want io.EOF", dname, mode, err)
				case cut > 0 && !errors.Is(err, io.ErrUnexpectedEOF):
					t.Errorf("%s/%s: cut at %d of %d gave %v, want io.ErrUnexpectedEOF", dname, mode, cut, len(msg), err)
				}
			}
		}
	}
}

func TestLimitsDefaults(t *testing.T) {
	want := Limits{16 << 20, 16 << 20, 1 << 20, 64}
	if got := DefaultLimits(); got != want {
		t.Errorf("DefaultLimits() = %+v, want %+v", got, want)
	}
	if got := NewDecoder(nil, Limits{MaxDepth: 3, MaxStringLength: -1}).Limits(); got.MaxDepth != 3 || got.MaxStringLength != 16<<20 {
		t.Errorf("Limits() = %+v", got)
	}
}

// TestStringLimit checks MaxStringLength at limit-1, limit and limit+1.
func TestStringLimit(t *testing.T) {
	const limit = 10
	for _, n := range []int{limit - 1, limit, limit + 1} {
		var e Encoder
		e.WriteString(strings.Repeat("s", n))
		e.WriteBinary(bytes.Repeat([]byte("b"), n))
		e.WriteString(strings.Repeat("k", n)) // for Skip
		for mode, d := range modes(e.Bytes(), Limits{MaxStringLength: limit}) {
			_, err1 := d.ReadString()
			_, err2 := d.ReadBinary()
			err3 := d.Skip(TypeString)
			for i, err := range []error{err1, err2, err3} {
				if n <= limit && err != nil {
					t.Errorf("%s: %d-byte value %d: %v", mode, n, i, err)
				}
				if n > limit && !errors.Is(err, ErrSizeLimit) {
					t.Errorf("%s: %d-byte value %d: %v, want ErrSizeLimit", mode, n, i, err)
				}
			}
		}
	}
}

// TestContainerLimit checks MaxContainerLength at limit-1, limit and limit+1.
func TestContainerLimit(t *testing.T) {
	const limit = 10
	for _, n := range []int{limit - 1, limit, limit + 1} {
		var l, st, m Encoder
		l.WriteListBegin(TypeI8, n)
		l.buf = append(l.buf, make([]byte, n)...)
		st.WriteSetBegin(TypeI8, n)
		st.buf = append(st.buf, make([]byte, n)...)
		m.WriteMapBegin(TypeI8, TypeBool, n)
		m.buf = append(m.buf, make([]byte, 2*n)...)
		lim := Limits{MaxContainerLength: limit}
		for i, try := range []func(d *Decoder) error{
			func(d *Decoder) error { d.Reset(l.buf); return d.Skip(TypeList) },
			func(d *Decoder) error { d.Reset(st.buf); _, _, err := d.ReadSetBegin(); return err },
			func(d *Decoder) error { d.Reset(m.buf); _, _, _, err := d.ReadMapBegin(); return err },
			func(d *Decoder) error { d.Reset(m.buf); return d.Skip(TypeMap) },
		} {
			err := try(NewDecoder(nil, lim))
			if n <= limit && err != nil {
				t.Errorf("%d elements, container %d: %v", n, i, err)
			}
			if n > limit && !errors.Is(err, ErrSizeLimit) {
				t.Errorf("%d elements, container %d: %v, want ErrSizeLimit", n, i, err)
			}
		}
	}
}

// nested returns a value nested depth levels deep: structs whose field 1 is
// a list holding one struct, and so on.
func nested(depth int) []byte {
	var e Encoder
	var open func(level int)
	open = func(level int) {
		if level > depth {
			return
		}
		if level%2 == 1 { // a struct
			if level < depth {
				e.WriteFieldBegin(TypeList, 1)
				open(level + 1)
			}
			e.WriteFieldStop()
		} else { // a list of one struct
			if level < depth {
				e.WriteListBegin(TypeStruct, 1)
				open(level + 1)
			} else {
				e.WriteListBegin(TypeStruct, 0)
			}
		}
	}
	open(1)
	return e.Bytes()
}

// TestDepthLimit checks MaxDepth at limit-1, limit and limit+1, in Skip and
// in the Read methods.
func TestDepthLimit(t *testing.T) {
	const limit = 8
	for _, depth := range []int{limit - 1, limit, limit + 1} {
		b := nested(depth)
		for mode, d := range modes(b, Limits{MaxDepth: limit}) {
			err := d.Skip(TypeStruct)
			if depth <= limit && err != nil {
				t.Errorf("%s: Skip at depth %d: %v", mode, depth, err)
			}
			if depth > limit && !errors.Is(err, ErrDepthLimit) {
				t.Errorf("%s: Skip at depth %d: %v, want ErrDepthLimit", mode, depth, err)
			}
		}
	}
	d := NewDecoder(nil, Limits{MaxDepth: 2})
	if err := d.ReadStructBegin(); err != nil {
		t.Fatal(err)
	}
	if err := d.ReadStructBegin(); err != nil {
		t.Fatal(err)
	}
	if err := d.ReadStructBegin(); !errors.Is(err, ErrDepthLimit) {
		t.Errorf("third level with MaxDepth 2: %v, want ErrDepthLimit", err)
	}
	// Deep recursion through the default limit must neither crash nor pass.
	deep := bytes.Repeat([]byte{byte(TypeList), 0, 0, 0, 1}, 100000)
	if err := NewDecoder(deep, Limits{}).Skip(TypeList); !errors.Is(err, ErrDepthLimit) {
		t.Errorf("100000 nested lists: %v, want ErrDepthLimit", err)
	}
}

// TestMessageSizeLimit checks MaxMessageSize at limit-1, limit and limit+1.
func TestMessageSizeLimit(t *testing.T) {
	for _, extra := range []int{-1, 0, 1} {
		var e Encoder
		e.WriteMessageBegin("m", MessageCall, 1)
		hdr := e.Len()
		(&small{A: 1, B: "0123456789"}).Encode(&e)
		limit := e.Len() - extra
		for mode, d := range modes(e.Bytes(), Limits{MaxMessageSize: limit}) {
			_, _, _, err := d.ReadMessageBegin()
			if err == nil {
				err = d.Skip(TypeStruct)
			}
			if extra <= 0 && err != nil {
				t.Errorf("%s: message of %d bytes, limit %d: %v", mode, e.Len(), limit, err)
			}
			if extra > 0 && !errors.Is(err, ErrSizeLimit) {
				t.Errorf("%s: message of %d bytes, limit %d: %v, want ErrSizeLimit", mode, e.Len(), limit, err)
			}
		}
		_ = hdr
	}
}

func TestNegativeSizes(t *testing.T) {
	tests := map[string]func(d *Decoder) error{
		"string": func(d *Decoder) error { _, err := d.ReadString(); return err },
		"binary": func(d *Decoder) error { _, err := d.ReadBinary(); return err },
		"skip":   func(d *Decoder) error { return d.Skip(TypeString) },
	}
	for name, read := range tests {
		for mode, d := range modes(unhexT(t, "ffffffff 00000000"), Limits{}) {
			if err := read(d); !errors.Is(err, ErrNegativeSize) {
				t.Errorf("%s/%s: %v, want ErrNegativeSize", name, mode, err)
			}
		}
	}
	for mode, d := range modes(unhexT(t, "08 80000000"), Limits{}) {
		if _, _, err := d.ReadListBegin(); !errors.Is(err, ErrNegativeSize) {
			t.Errorf("list/%s: %v, want ErrNegativeSize", mode, err)
		}
	}
	for mode, d := range modes(unhexT(t, "08 ffffffff"), Limits{}) {
		if _, _, err := d.ReadSetBegin(); !errors.Is(err, ErrNegativeSize) {
			t.Errorf("set/%s: %v, want ErrNegativeSize", mode, err)
		}
	}
	for mode, d := range modes(unhexT(t, "08 08 fffffffe"), Limits{}) {
		if _, _, _, err := d.ReadMapBegin(); !errors.Is(err, ErrNegativeSize) {
			t.Errorf("map/%s: %v, want ErrNegativeSize", mode, err)
		}
	}
}

// TestContainerBudget checks counts against the bytes that can still
// arrive, before anything is allocated.
func TestContainerBudget(t *testing.T) {
	huge := Limits{MaxContainerLength: math.MaxInt32} // only the budget guards
	// A 20-byte message declaring 2^31-1 elements.
	msg := unhexT(t, "0f 000a 0a 7fffffff") // field 10, list<i64>
	msg = append(msg, make([]byte, 20-len(msg))...)
	d := NewDecoder(msg, huge)
	d.ReadFieldBegin()
	_, _, err := d.ReadListBegin()
	if !errors.Is(err, ErrSizeLimit) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want ErrSizeLimit wrapping io.ErrUnexpectedEOF", err)
	}
	if want := "list of 2147483647 elements exceeds the 12 bytes left in the message"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	// The exact budget: n elements fit in n*min bytes and not one fewer.
	for _, tc := range []struct {
		elem Type
		size int
	}{{TypeBool, 1}, {TypeI8, 1}, {TypeI16, 2}, {TypeI32, 4}, {TypeI64, 8}, {TypeDouble, 8},
		{TypeString, 4}, {TypeUUID, 16}, {TypeStruct, 1}, {TypeList, 5}, {TypeSet, 5}, {TypeMap, 6}} {
		for _, short := range []int{0, 1} {
			b := append([]byte{byte(tc.elem), 0, 0, 0, 3}, make([]byte, 3*tc.size-short)...)
			_, _, err := NewDecoder(b, huge).ReadListBegin()
			if (err != nil) != (short == 1) {
				t.Errorf("list<%v> of 3 in %d bytes: %v", tc.elem, 3*tc.size-short, err)
			}
		}
	}
	// Maps count key and value.
	b := append(unhexT(t, "08 0a 00000002"), make([]byte, 23)...)
	if _, _, _, err := NewDecoder(b, huge).ReadMapBegin(); !errors.Is(err, ErrSizeLimit) {
		t.Errorf("map<i32,i64> of 2 in 23 bytes: %v, want ErrSizeLimit", err)
	}
	if _, _, _, err := NewDecoder(append(b, 0), huge).ReadMapBegin(); err != nil {
		t.Errorf("map<i32,i64> of 2 in 24 bytes: %v", err)
	}
	// In stream mode the budget is what MaxMessageSize leaves.
	sd := NewStreamDecoder(bytes.NewReader(append(unhexT(t, "0a 00001000"), make([]byte, 100)...)), Limits{MaxMessageSize: 5 + 8*0x1000 - 1})
	if _, _, err := sd.ReadListBegin(); !errors.Is(err, ErrSizeLimit) || errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("stream list over MaxMessageSize: %v, want ErrSizeLimit", err)
	}
}

// TestHostileLengthsAllocateLittle decodes messages whose declared lengths
// are enormous and whose bodies are tiny: the Decoder must fail having
// allocated only a few KiB, in both modes.
func TestHostileLengthsAllocateLittle(t *testing.T) {
	huge := Limits{MaxContainerLength: math.MaxInt32, MaxStringLength: math.MaxInt32, MaxMessageSize: math.MaxInt32}
	inputs := map[string][]byte{
		"list of 2^31-1 i64": append(unhexT(t, "0f 0007 0a 7fffffff"), make([]byte, 12)...),
		"map of 2^31-1":      append(unhexT(t, "0d 000c 0b 0b 7fffffff"), make([]byte, 11)...),
		"string of 2^31-1":   append(unhexT(t, "0b 0007 7fffffff"), "0123456789"...),
		"nested lists":       bytes.Repeat(unhexT(t, "0f 7fffffff"), 4),
	}
	for name, b := range inputs {
		for _, mode := range []string{"memory", "stream"} {
			run := func() {
				var d *Decoder
				if mode == "memory" {
					d = NewDecoder(b, huge)
				} else {
					d = NewStreamDecoder(bytes.NewReader(b), huge)
				}
				if name == "nested lists" {
					if err := d.Skip(TypeList); err == nil {
						t.Fatal("no error")
					}
					return
				}
				if err := new(allTypes).Decode(d); err == nil {
					t.Fatal("no error")
				}
				d.Reset(b)
				if err := d.Skip(TypeStruct); err == nil {
					t.Fatal("no error from Skip")
				}
			}
			if per := bytesPerRun(100, run); per > 16<<10 {
				t.Errorf("%s/%s: %d bytes allocated per decode, want a few KiB at most", name, mode, per)
			}
			if allocs := testing.AllocsPerRun(10, run); allocs > 20 {
				t.Errorf("%s/%s: %v allocations per decode", name, mode, allocs)
			}
		}
	}
}

func TestStreamGrowsOnlyAsBytesArrive(t *testing.T) {
	// A peer declares a 16 MiB string and sends 10 bytes.
	b := append(unhexT(t, "00ffffff"), "0123456789"...)
	run := func() {
		d := NewStreamDecoder(&chunkReader{b: b}, Limits{MaxMessageSize: 32 << 20, MaxStringLength: 32 << 20})
		if _, err := d.ReadString(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
		}
	}
	if per := bytesPerRun(100, run); per > 16<<10 {
		t.Errorf("%d bytes allocated for a 16 MiB string of which 10 bytes arrived", per)
	}
	// Skipping a large value in stream mode does not grow the buffer.
	big := append(unhexT(t, "000fffff"), make([]byte, 0xfffff)...)
	d := NewStreamDecoder(bytes.NewReader(big), Limits{})
	if err := d.Skip(TypeString); err != nil {
		t.Fatal(err)
	}
	if c := cap(d.data); c > 2*minStreamBuf {
		t.Errorf("skipping 1 MiB grew the buffer to %d bytes", c)
	}
	// Reading a large string works and frees the big buffer at the next message.
	d = NewStreamDecoder(bytes.NewReader(append(big, unhexT(t, "80010001 00000000 00000000")...)), Limits{})
	if s, err := d.ReadString(); err != nil || len(s) != 0xfffff {
		t.Fatalf("len %d, %v", len(s), err)
	}
	if _, _, _, err := d.ReadMessageBegin(); err != nil {
		t.Fatal(err)
	}
	if c := cap(d.data); c > maxKeptStreamBuf {
		t.Errorf("buffer of %d bytes kept after a large message", c)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestStreamReaderErrors(t *testing.T) {
	boom := errors.New("boom")
	d := NewStreamDecoder(errReader{boom}, Limits{})
	if _, err := d.ReadI32(); err != boom {
		t.Errorf("reader error: %v, want it passed through", err)
	}
	if _, _, _, err := d.ReadMessageBegin(); err != boom {
		t.Errorf("reader error in ReadMessageBegin: %v, want it passed through", err)
	}
	d = NewStreamDecoder(emptyReader{}, Limits{})
	if _, err := d.ReadI64(); err != io.ErrNoProgress {
		t.Errorf("reader that returns nothing: %v, want io.ErrNoProgress", err)
	}
	// Data and io.EOF in the same Read.
	d = NewStreamDecoder(io.MultiReader(bytes.NewReader([]byte{0, 0, 0, 5})), Limits{})
	if v, err := d.ReadI32(); v != 5 || err != nil {
		t.Errorf("got %v, %v", v, err)
	}
}

func TestResetKeepsLimits(t *testing.T) {
	d := NewDecoder([]byte{1}, Limits{MaxDepth: 5})
	d.ReadStructBegin()
	d.Reset([]byte{0, 2})
	if d.Limits().MaxDepth != 5 || d.depth != 0 {
		t.Errorf("after Reset: limits %+v, depth %d", d.Limits(), d.depth)
	}
	if v, _ := d.ReadI16(); v != 2 {
		t.Errorf("after Reset read %d", v)
	}
	if d.Remaining() != 0 {
		t.Errorf("Remaining() = %d at the end", d.Remaining())
	}
	// Switching to a stream must not write into the caller's slice.
	buf := []byte{9, 9, 9, 9}
	d.Reset(buf[:0])
	d.ResetStream(bytes.NewReader([]byte{1, 2, 3, 4}))
	if v, _ := d.ReadI32(); v != 0x01020304 || buf[0] != 9 {
		t.Errorf("ResetStream: read %#x, caller's buffer %v", v, buf)
	}
	if got, want := d.Remaining(), 16<<20-4; got != want {
		t.Errorf("stream Remaining() = %d, want %d", got, want)
	}
}
