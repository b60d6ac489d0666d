package golden

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/thriftsec/thriftsec/golden/basetypes/basetypes"
	"github.com/thriftsec/thriftsec/golden/consts/consts"
	"github.com/thriftsec/thriftsec/golden/containers/containers"
	"github.com/thriftsec/thriftsec/golden/enums/enums"
	"github.com/thriftsec/thriftsec/golden/includes/app/routes/v1"
	"github.com/thriftsec/thriftsec/golden/includes/shared/geo"
	"github.com/thriftsec/thriftsec/golden/naming/naming/type_"
	"github.com/thriftsec/thriftsec/golden/recursive/recursive"
	"github.com/thriftsec/thriftsec/golden/services/svc/calc"
	"github.com/thriftsec/thriftsec/golden/typedefs/typedefs"
	"github.com/thriftsec/thriftsec/golden/unions/unions"
	"github.com/thriftsec/thriftsec/runtime"
)

// roundTripTypes is one zero value of every generated struct worth
// round-tripping, across all golden cases.
var roundTripTypes = []runtime.Struct{
	&basetypes.Scalars{}, &basetypes.Optionals{}, &basetypes.Requireds{}, &basetypes.Defaults{},
	&containers.Point{}, &containers.Containers{},
	&enums.Palette{},
	&consts.Item{},
	&unions.Value{}, &unions.Inner{}, &unions.NotFound{}, &unions.Failure{}, &unions.Holder{},
	&recursive.Tree{}, &recursive.Ping{}, &recursive.Pong{},
	&geo.Point{}, &v1.Route{},
	&type_.Func{}, &type_.Error{}, &type_.MyStruct{},
	&typedefs.Record{},
	&calc.Work{}, &calc.CalculatorCalculateArgs{}, &calc.CalculatorCalculateResult{}, &calc.CalculatorHistoryResult{},
}

// equal compares decoded values: an empty container written on the wire
// comes back empty, never nil, so nil and empty are the same here.
var equal = cmp.Options{cmpopts.EquateEmpty()}

func newOf(s runtime.Struct) runtime.Struct {
	return reflect.New(reflect.TypeOf(s).Elem()).Interface().(runtime.Struct)
}

// TestRoundTrip encodes random values of every type and decodes them back,
// from memory and from a stream delivering a few bytes at a time.
func TestRoundTrip(t *testing.T) {
	for _, proto := range roundTripTypes {
		name := reflect.TypeOf(proto).Elem().String()
		t.Run(name, func(t *testing.T) {
			for seed := int64(0); seed < 50; seed++ {
				want := newOf(proto)
				newFiller(seed, &unions.Value{}).fill(reflect.ValueOf(want).Elem(), 0)
				b, err := runtime.Marshal(want)
				if err != nil {
					t.Fatalf("seed %d: Marshal: %v", seed, err)
				}
				got := newOf(proto)
				if err := runtime.Unmarshal(b, got); err != nil {
					t.Fatalf("seed %d: Unmarshal: %v", seed, err)
				}
				if diff := cmp.Diff(want, got, equal); diff != "" {
					t.Fatalf("seed %d: round trip differs (-want +got):\n%s", seed, diff)
				}
				streamed := newOf(proto)
				d := runtime.NewStreamDecoder(&trickle{r: bytes.NewReader(b)}, runtime.Limits{})
				if err := streamed.Decode(d); err != nil {
					t.Fatalf("seed %d: stream decode: %v", seed, err)
				}
				if diff := cmp.Diff(want, streamed, equal); diff != "" {
					t.Fatalf("seed %d: stream round trip differs (-want +got):\n%s", seed, diff)
				}
			}
		})
	}
}

// trickle hands out at most 3 bytes per Read, like a slow network.
type trickle struct{ r io.Reader }

func (t *trickle) Read(p []byte) (int, error) {
	if len(p) > 3 {
		p = p[:3]
	}
	return t.r.Read(p)
}

func TestDefaults(t *testing.T) {
	d := basetypes.NewDefaults()
	if !d.Flag || d.Tiny != -8 || d.Large != 9223372036854775807 || d.Ratio != 1500 || d.Negative != -0.02 || d.Whole != 3 {
		t.Errorf("scalar defaults wrong: %v", d)
	}
	if d.Text != "line\n\t\"quoted\" \\ back" || string(d.Blob) != "raw" {
		t.Errorf("string defaults wrong: %q %q", d.Text, d.Blob)
	}
	if d.ID.String() != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Errorf("uuid default = %v", d.ID)
	}
	// Optional fields stay unset, as in every Apache library; their getters
	// return the default meanwhile.
	if d.OptMedium != nil || d.OptText != nil || d.GetOptMedium() != 7 || d.GetOptText() != "maybe" {
		t.Errorf("optional defaults wrong: %v", d)
	}
	if diff := cmp.Diff(map[string]int64{"a": 1, "b": 2}, d.Counts); diff != "" {
		t.Error(diff)
	}
	var nilDefaults *basetypes.Defaults
	if nilDefaults.GetOptMedium() != 7 || nilDefaults.GetMedium() != -32 {
		t.Error("getters on a nil struct must return defaults")
	}
	r := v1.NewRoute()
	if r.Start == nil || r.Start.X != 0 || r.Finish != nil {
		t.Errorf("struct default across packages: %v", r)
	}
	if typedefs.NewRecord().Outcome != typedefs.Outcome(typedefs.Status_BAD) || typedefs.NewRecord().GetName() != "anon" {
		t.Error("typedef defaults wrong")
	}
}

func TestConstants(t *testing.T) {
	if consts.LIMIT != 1000 || consts.BIG != -9223372036854775808 || consts.AVOGADRO != 6.022e23 || consts.SMALL != -1 {
		t.Error("scalar constants wrong")
	}
	if consts.GREETING != "hello\tworld" || string(consts.MAGIC) != "bin\n" || consts.LIMIT_COPY != consts.LIMIT {
		t.Error("string constants wrong")
	}
	want := &consts.Item{Name: "widget", Count: 1, Price: runtime.Ptr(9.5), Tags: []string{"new"}, Kind: consts.Kind_A}
	if diff := cmp.Diff(want, consts.DEFAULT_ITEM); diff != "" {
		t.Errorf("struct constant, with the struct's defaults for the fields it leaves out (-want +got):\n%s", diff)
	}
	if consts.CATALOG[1].Count != 3 || consts.BY_NAME["w"].Kind != consts.Kind_B {
		t.Error("nested struct constants wrong")
	}
	if len(consts.LIST_KEYS) != 1 || consts.LIST_KEYS[0].Value != "one-two" {
		t.Error("container-keyed map constant wrong")
	}
	if enums.FAVORITE != enums.Color_DARK || enums.WARM[1] != enums.Color_GREEN {
		t.Error("enum constants wrong")
	}
	if geo.ORIGIN.X != 0 || v1.MARATHON != 42195 {
		t.Error("included constants wrong")
	}
}

func TestEnums(t *testing.T) {
	cases := []struct {
		v    enums.Color
		text string
	}{{enums.Color_RED, "RED"}, {enums.Color_GREEN, "GREEN"}, {enums.Color_BLUE, "BLUE"}, {enums.Color_DARK, "DARK"}, {enums.Color_LIGHT, "LIGHT"}}
	for _, c := range cases {
		if c.v.String() != c.text {
			t.Errorf("%d.String() = %q, want %q", c.v, c.v.String(), c.text)
		}
		got, err := enums.ColorFromString(c.text)
		if err != nil || got != c.v {
			t.Errorf("ColorFromString(%q) = %v, %v", c.text, got, err)
		}
		b, _ := c.v.MarshalText()
		var back enums.Color
		if err := back.UnmarshalText(b); err != nil || back != c.v {
			t.Errorf("text round trip of %v: %v %v", c.v, back, err)
		}
	}
	if enums.Color_RED != 0 || enums.Color_BLUE != 6 || enums.Color_DARK != -3 {
		t.Error("implicit enum values must follow Apache: previous+1, starting at 0")
	}
	unknown := enums.Color(42)
	if unknown.String() != "Color(42)" {
		t.Errorf("unknown value String() = %q", unknown.String())
	}
	b, err := unknown.MarshalText()
	var back enums.Color
	if err != nil || back.UnmarshalText(b) != nil || back != unknown {
		t.Errorf("unknown values must round-trip through text: %q %v %v", b, err, back)
	}
	if _, err := enums.ColorFromString("PURPLE"); err == nil {
		t.Error("ColorFromString accepted an unknown name")
	}
}

func TestUnionExactlyOne(t *testing.T) {
	if _, err := runtime.Marshal(&unions.Value{}); !errors.Is(err, runtime.ErrUnionFieldCount) {
		t.Errorf("encoding an empty union: err = %v, want ErrUnionFieldCount", err)
	}
	two := &unions.Value{Number: runtime.Ptr[int32](1), Text: runtime.Ptr("x")}
	if _, err := runtime.Marshal(two); !errors.Is(err, runtime.ErrUnionFieldCount) {
		t.Errorf("encoding a union with two members: err = %v", err)
	}
	// Both members on the wire (as a struct with the same ids would send).
	e := runtime.NewEncoder(nil)
	e.WriteFieldBegin(runtime.TypeI32, 1)
	e.WriteI32(1)
	e.WriteFieldBegin(runtime.TypeString, 2)
	e.WriteString("x")
	e.WriteFieldStop()
	if err := runtime.Unmarshal(e.Bytes(), &unions.Value{}); !errors.Is(err, runtime.ErrUnionFieldCount) {
		t.Errorf("decoding a union with two members: err = %v", err)
	}
	e.Reset()
	e.WriteFieldStop()
	if err := runtime.Unmarshal(e.Bytes(), &unions.Value{}); !errors.Is(err, runtime.ErrUnionFieldCount) {
		t.Errorf("decoding an empty union: err = %v", err)
	}
}

func TestRequiredFields(t *testing.T) {
	// A required struct field left nil cannot be encoded.
	r := &basetypes.Requireds{}
	if _, err := runtime.Marshal(r); !errors.Is(err, runtime.ErrRequiredFieldUnset) {
		t.Errorf("err = %v, want ErrRequiredFieldUnset", err)
	}
	// Bytes lacking a required field are refused on decode.
	b, err := runtime.Marshal(&basetypes.Scalars{})
	if err != nil {
		t.Fatal(err)
	}
	var fe *runtime.FieldError
	if err := runtime.Unmarshal(b, &basetypes.Requireds{}); !errors.Is(err, runtime.ErrRequiredFieldMissing) || !errors.As(err, &fe) || fe.Struct != "Requireds" {
		t.Errorf("err = %v, want a FieldError wrapping ErrRequiredFieldMissing", err)
	}
}

// TestSkipsUnknownAndMistyped decodes Scalars' bytes as Optionals: same field
// ids, mostly different types. Mismatched and unknown fields are skipped,
// as Apache does, and nothing else changes.
func TestSkipsUnknownAndMistyped(t *testing.T) {
	in := &basetypes.Scalars{Flag: true, B: 3, Text: "x", Blob: []byte{1}}
	b, err := runtime.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out basetypes.Optionals
	if err := runtime.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	// Scalars' fields 1 (bool) and 2 (i8) match Optionals' 1 and 2, and its
	// field 8 (string) has the wire type of Optionals' field 8 (binary); the
	// rest differ in type and are skipped.
	want := basetypes.Optionals{Flag: runtime.Ptr(true), B: runtime.Ptr[int8](3), Blob: []byte("x")}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestExceptionsAreErrors(t *testing.T) {
	var err error = &unions.Failure{Message: "boom", Cause: &unions.NotFound{Key: "k", Code: 404}}
	var f *unions.Failure
	if !errors.As(err, &f) || f.Message != "boom" {
		t.Fatal("errors.As failed on a generated exception")
	}
	if got := err.Error(); got != "Failure(message: boom, cause: NotFound(key: k, code: 404))" {
		t.Errorf("Error() = %q", got)
	}
}

func TestContainerKeys(t *testing.T) {
	c := &containers.Containers{
		ListKeys:    []runtime.Pair[[]int32, string]{{Key: []int32{1, 2}, Value: "a"}, {Key: nil, Value: "empty"}},
		StructKeys:  []runtime.Pair[*containers.Point, string]{{Key: &containers.Point{X: 1}, Value: "p"}},
		SetOfLists:  [][]string{{"a"}, {}},
		BinaryKeys:  []runtime.Pair[[]byte, int32]{{Key: []byte("k"), Value: 1}},
		Must:        []string{},
		NestedPairs: [][]runtime.Pair[[]int32, []*containers.Point]{{{Key: []int32{7}, Value: []*containers.Point{{X: 1, Y: 2}}}}},
	}
	b, err := runtime.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got containers.Containers
	if err := runtime.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, &got, equal); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestNilStructWrittenEmpty: a nil struct with default requiredness is
// written as an empty struct, as Apache Thrift writes it, and a nil list
// element likewise; an optional one, or a union, is left out.
func TestNilStructWrittenEmpty(t *testing.T) {
	b, err := runtime.Marshal(&calc.CalculatorCalculateArgs{Logid: 7, W: nil})
	if err != nil {
		t.Fatal(err)
	}
	// field 1 (i32 7), field 2 (struct) holding only STOP, then STOP.
	if want := []byte{0x08, 0x00, 0x01, 0, 0, 0, 7, 0x0c, 0x00, 0x02, 0x00, 0x00}; !bytes.Equal(b, want) {
		t.Errorf("got % x, want % x", b, want)
	}
	// An empty union is invalid, so a nil union field is left out instead.
	b, err = runtime.Marshal(&unions.Holder{Value: nil})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x00}; !bytes.Equal(b, want) {
		t.Errorf("nil union field: got % x, want % x", b, want)
	}
	b, err = runtime.Marshal(&recursive.Tree{Label: "", Children: []*recursive.Tree{nil}})
	if err != nil {
		t.Fatal(err)
	}
	var back recursive.Tree
	if err := runtime.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Children) != 1 || back.Children[0] == nil || back.ParentCopy != nil {
		t.Errorf("nil list element must come back as an empty struct: %v", &back)
	}
}

// TestFieldsWrittenInIDOrder: Apache Thrift writes fields by ascending id,
// whatever the declaration order.
func TestFieldsWrittenInIDOrder(t *testing.T) {
	b, err := runtime.Marshal(&unions.NotFound{Key: "k", Code: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x0b, 0x00, 0x01, 0, 0, 0, 1, 'k', 0x08, 0x00, 0x02, 0, 0, 0, 1, 0x00}
	if !bytes.Equal(b, want) {
		t.Errorf("got % x, want % x", b, want)
	}
}
