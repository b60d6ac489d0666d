package runtime

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Apache's TJSONProtocol, as a transcoder to and from the binary protocol
// (see protocol.go). The format, as Apache's Go library writes it:
//
//   - message: [1,"name",type,seq,{struct}]
//   - struct: {"id":{"type":value},...} in field order, with the type names
//     "tf" bool, "i8", "i16", "i32", "i64", "dbl", "str" (string and
//     binary), "rec" struct, "map", "set", "lst", and "uid" (uuid, 0.19+);
//   - bool: 1 or 0; integers: decimal; doubles: shortest round-trip form,
//     "NaN", "Infinity", "-Infinity" quoted; strings: JSON strings escaped
//     as Go's encoding/json escapes them; binary: standard base64 with
//     padding, quoted; uuid: its canonical text, quoted;
//   - list, set: ["type",count,elems...]; map: ["ktype","vtype",count,{k:v,...}],
//     where a key that is a number, bool or double is quoted.
//
// JSON has one type name for string and binary, so which one a "str" is
// only the IDL knows: the binary side carries binary fields as their
// base64 text (Encoder.b64, Decoder.b64), which the generated code's
// WriteBinary / ReadBinary produce and undo.
//
// Nesting is bounded by MaxDepth (each struct or container level is at most
// two JSON levels), a number token by maxJSONNumber bytes, and a string by
// MaxStringLength once unescaped.

// maxJSONNumber is the longest number token accepted (the longest a
// shortest-form double needs is 24 bytes).
const maxJSONNumber = 64

var jsonTypeNames = [256]string{
	TypeBool: "tf", TypeI8: "i8", TypeI16: "i16", TypeI32: "i32", TypeI64: "i64",
	TypeDouble: "dbl", TypeString: "str", TypeStruct: "rec", TypeMap: "map",
	TypeSet: "set", TypeList: "lst", TypeUUID: "uid",
}

func jsonType(name []byte) Type {
	switch string(name) {
	case "tf":
		return TypeBool
	case "i8":
		return TypeI8
	case "i16":
		return TypeI16
	case "i32":
		return TypeI32
	case "i64":
		return TypeI64
	case "dbl":
		return TypeDouble
	case "str":
		return TypeString
	case "rec":
		return TypeStruct
	case "map":
		return TypeMap
	case "set":
		return TypeSet
	case "lst":
		return TypeList
	case "uid":
		return TypeUUID
	}
	return TypeStop
}

// ---- binary → JSON ----

type jsonWriter struct {
	binReader
	out []byte
}

// safeJSON marks the bytes encoding/json writes unchanged inside a string.
var safeJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// appendJSONString appends s quoted exactly as encoding/json (and so
// Apache's Go library) quotes it.
func appendJSONString(out, s []byte) []byte {
	for _, c := range s {
		if !safeJSON[c] {
			q, _ := json.Marshal(string(s)) // a string always marshals
			return append(out, q...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}

func (w *jsonWriter) message() error {
	v, err := w.u32("message header")
	if err != nil {
		return err
	}
	if v&versionMask != version1 {
		return protoErr(KindBadVersion, "binary input does not start with a strict message header", nil)
	}
	n, err := w.u32("message name")
	if err != nil {
		return err
	}
	name, err := w.take(int(int32(n)), "message name")
	if err != nil {
		return err
	}
	seq, err := w.u32("sequence id")
	if err != nil {
		return err
	}
	w.out = append(w.out, "[1,"...)
	w.out = appendJSONString(w.out, name)
	w.out = append(w.out, ',')
	w.out = strconv.AppendInt(w.out, int64(int8(v)), 10)
	w.out = append(w.out, ',')
	w.out = strconv.AppendInt(w.out, int64(int32(seq)), 10)
	w.out = append(w.out, ',')
	if err := w.value(TypeStruct, false); err != nil {
		return err
	}
	w.out = append(w.out, ']')
	return nil
}

// value writes one value; key quotes numbers, as for a map key.
func (w *jsonWriter) value(t Type, key bool) error {
	if key {
		switch t {
		case TypeBool, TypeI8, TypeI16, TypeI32, TypeI64:
			w.out = append(w.out, '"')
			err := w.value(t, false)
			w.out = append(w.out, '"')
			return err
		case TypeDouble:
			b, err := w.take(8, "double")
			if err != nil {
				return err
			}
			f := math.Float64frombits(binary.BigEndian.Uint64(b))
			if math.IsNaN(f) || math.IsInf(f, 0) {
				w.appendDouble(f) // already quoted
				return nil
			}
			w.out = append(w.out, '"')
			w.appendDouble(f)
			w.out = append(w.out, '"')
			return nil
		}
	}
	switch t {
	case TypeBool:
		b, err := w.take(1, "bool")
		if err != nil {
			return err
		}
		if b[0] == 1 {
			w.out = append(w.out, '1')
		} else {
			w.out = append(w.out, '0')
		}
	case TypeI8:
		b, err := w.take(1, "i8")
		if err != nil {
			return err
		}
		w.out = strconv.AppendInt(w.out, int64(int8(b[0])), 10)
	case TypeI16:
		b, err := w.take(2, "i16")
		if err != nil {
			return err
		}
		w.out = strconv.AppendInt(w.out, int64(int16(binary.BigEndian.Uint16(b))), 10)
	case TypeI32:
		v, err := w.u32("i32")
		if err != nil {
			return err
		}
		w.out = strconv.AppendInt(w.out, int64(int32(v)), 10)
	case TypeI64:
		b, err := w.take(8, "i64")
		if err != nil {
			return err
		}
		w.out = strconv.AppendInt(w.out, int64(binary.BigEndian.Uint64(b)), 10)
	case TypeDouble:
		b, err := w.take(8, "double")
		if err != nil {
			return err
		}
		w.appendDouble(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case TypeString:
		n, err := w.u32("string length")
		if err != nil {
			return err
		}
		b, err := w.take(int(int32(n)), "string")
		if err != nil {
			return err
		}
		w.out = appendJSONString(w.out, b)
	case TypeUUID:
		b, err := w.take(16, "uuid")
		if err != nil {
			return err
		}
		w.out = append(w.out, '"')
		w.out = UUID(b).appendTo(w.out)
		w.out = append(w.out, '"')
	case TypeStruct:
		return w.structBody()
	case TypeList, TypeSet:
		h, err := w.take(1, "list header")
		if err != nil {
			return err
		}
		et := Type(h[0])
		n, err := w.count("list size", int(minSizes[et]))
		if err != nil {
			return err
		}
		w.out = append(w.out, '[', '"')
		w.out = append(w.out, jsonTypeNames[et]...)
		w.out = append(w.out, '"', ',')
		w.out = strconv.AppendInt(w.out, int64(n), 10)
		if err := w.enter(); err != nil {
			return err
		}
		for range n {
			w.out = append(w.out, ',')
			if err := w.value(et, false); err != nil {
				return err
			}
		}
		w.depth--
		w.out = append(w.out, ']')
	case TypeMap:
		h, err := w.take(2, "map header")
		if err != nil {
			return err
		}
		kt, vt := Type(h[0]), Type(h[1])
		per := int(minSizes[kt]) + int(minSizes[vt])
		if minSizes[kt] == 0 || minSizes[vt] == 0 {
			per = 0
		}
		n, err := w.count("map size", per)
		if err != nil {
			return err
		}
		w.out = append(w.out, '[', '"')
		w.out = append(w.out, jsonTypeNames[kt]...)
		w.out = append(w.out, '"', ',', '"')
		w.out = append(w.out, jsonTypeNames[vt]...)
		w.out = append(w.out, '"', ',')
		w.out = strconv.AppendInt(w.out, int64(n), 10)
		w.out = append(w.out, ',', '{')
		if err := w.enter(); err != nil {
			return err
		}
		for i := range n {
			if i > 0 {
				w.out = append(w.out, ',')
			}
			if err := w.value(kt, true); err != nil {
				return err
			}
			w.out = append(w.out, ':')
			if err := w.value(vt, false); err != nil {
				return err
			}
		}
		w.depth--
		w.out = append(w.out, '}', ']')
	default:
		return protoErr(KindInvalidData, "binary input has a value of type "+t.String()+" at offset "+itoa(w.pos), nil)
	}
	return nil
}

func (w *jsonWriter) appendDouble(f float64) {
	switch {
	case math.IsNaN(f):
		w.out = append(w.out, `"NaN"`...)
	case math.IsInf(f, 1):
		w.out = append(w.out, `"Infinity"`...)
	case math.IsInf(f, -1):
		w.out = append(w.out, `"-Infinity"`...)
	default:
		w.out = strconv.AppendFloat(w.out, f, 'g', -1, 64)
	}
}

func (w *jsonWriter) structBody() error {
	if err := w.enter(); err != nil {
		return err
	}
	w.out = append(w.out, '{')
	for first := true; ; first = false {
		h, err := w.take(1, "field header")
		if err != nil {
			return err
		}
		t := Type(h[0])
		if t == TypeStop {
			break
		}
		b, err := w.take(2, "field header")
		if err != nil {
			return err
		}
		name := jsonTypeNames[t]
		if name == "" {
			return protoErr(KindInvalidData, "binary input has a field of type "+t.String()+" at offset "+itoa(w.pos-3), nil)
		}
		if !first {
			w.out = append(w.out, ',')
		}
		w.out = append(w.out, '"')
		w.out = strconv.AppendInt(w.out, int64(int16(binary.BigEndian.Uint16(b))), 10)
		w.out = append(w.out, `":{"`...)
		w.out = append(w.out, name...)
		w.out = append(w.out, '"', ':')
		if err := w.value(t, false); err != nil {
			return err
		}
		w.out = append(w.out, '}')
	}
	w.out = append(w.out, '}')
	w.depth--
	return nil
}

// ---- JSON → binary ----

// jsonReader reads JSON from d (with its limits and budget) and appends
// the same value in binary to out.
type jsonReader struct {
	d       *Decoder
	out     []byte
	scratch []byte
}

func (r *jsonReader) syntax(what string) error {
	return protoErr(KindInvalidData, "JSON: "+what+" at offset "+itoa(r.d.offset()), nil)
}

// peek skips whitespace and returns the next byte without consuming it.
func (r *jsonReader) peek(what string) (byte, error) {
	d := r.d
	for {
		if d.pos >= len(d.buf) {
			if err := d.need(1, what); err != nil {
				return 0, err
			}
		}
		c := d.buf[d.pos]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
		d.pos++
	}
}

// expect consumes the byte c, after whitespace.
func (r *jsonReader) expect(c byte, what string) error {
	got, err := r.peek(what)
	if err != nil {
		return err
	}
	if got != c {
		return r.syntax("expected '" + string(c) + "' in " + what + ", found " + strconv.QuoteRune(rune(got)))
	}
	r.d.pos++
	return nil
}

// rawString reads a quoted string and returns its body as it is on the
// wire (escapes not undone), aliasing the buffer, and whether it holds an
// escape.
func (r *jsonReader) rawString(what string) ([]byte, bool, error) {
	if err := r.expect('"', what); err != nil {
		return nil, false, err
	}
	d := r.d
	escaped := false
	for i := 0; ; i++ {
		if d.pos+i >= len(d.buf) {
			if err := d.need(i+1, what); err != nil {
				return nil, false, err
			}
		}
		switch d.buf[d.pos+i] {
		case '"':
			b := d.buf[d.pos : d.pos+i]
			d.pos += i + 1
			return b, escaped, nil
		case '\\':
			escaped = true
			i++ // the escaped byte cannot end the string
		}
		if i > d.lim.MaxStringLength*6+6 {
			return nil, false, protoErr(KindSizeLimit, what+" exceeds the limit of "+itoa(d.lim.MaxStringLength)+" bytes", nil)
		}
	}
}

// str reads a JSON string and returns it unescaped (aliasing the buffer
// or r.scratch), as encoding/json, which Apache's Go library uses, does.
func (r *jsonReader) str(what string) ([]byte, error) {
	raw, escaped, err := r.rawString(what)
	if err != nil {
		return nil, err
	}
	b := raw
	if escaped || !plainJSON(raw) {
		// Rare: undo the escapes with encoding/json itself, for exactly
		// Apache's result (invalid UTF-8 and lone surrogates become U+FFFD).
		q := append(append(append(r.scratch[:0], '"'), raw...), '"')
		var s string
		if err := json.Unmarshal(q, &s); err != nil {
			return nil, r.syntax("bad " + what + ": " + err.Error())
		}
		r.scratch = append(q[:0], s...)
		b = r.scratch
	}
	if len(b) > r.d.lim.MaxStringLength {
		return nil, protoErr(KindSizeLimit, what+" of "+itoa(len(b))+" bytes exceeds the limit of "+itoa(r.d.lim.MaxStringLength), nil)
	}
	return b, nil
}

// plainJSON reports whether b needs no unescaping: valid UTF-8 without
// control characters.
func plainJSON(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 {
			return c >= 0x80 && utf8.Valid(b) && noControl(b)
		}
	}
	return true
}

func noControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return false
		}
	}
	return true
}

// number reads a number token, optionally quoted (map keys quote them).
func (r *jsonReader) number(what string) ([]byte, bool, error) {
	c, err := r.peek(what)
	if err != nil {
		return nil, false, err
	}
	if c == '"' {
		b, _, err := r.rawString(what)
		if err != nil {
			return nil, false, err
		}
		if len(b) > maxJSONNumber {
			return nil, false, r.syntax(what + " longer than " + itoa(maxJSONNumber) + " bytes")
		}
		return b, true, nil
	}
	d := r.d
	for i := 0; ; i++ {
		if i > maxJSONNumber {
			return nil, false, r.syntax(what + " longer than " + itoa(maxJSONNumber) + " bytes")
		}
		if d.pos+i >= len(d.buf) {
			if err := d.need(i+1, what); err != nil {
				return nil, false, err
			}
		}
		switch c := d.buf[d.pos+i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.':
			continue
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			// Exponents, and the unquoted inf and nan that Apache's
			// Python library writes (integer rejects them).
			continue
		}
		if i == 0 {
			return nil, false, r.syntax("expected a number for " + what + ", found " + strconv.QuoteRune(rune(d.buf[d.pos])))
		}
		b := d.buf[d.pos : d.pos+i]
		d.pos += i
		return b, false, nil
	}
}

// integer reads an integer that must fit in bits bits.
func (r *jsonReader) integer(bits int, what string) (int64, error) {
	b, _, err := r.number(what)
	if err != nil {
		return 0, err
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, r.syntax("bad " + what + " " + strconv.Quote(string(b)))
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, r.syntax("bad " + what + " " + strconv.Quote(string(b)))
		}
		u = u*10 + uint64(c-'0')
	}
	lim := uint64(1) << (bits - 1)
	if (!neg && u >= lim) || (neg && u > lim) {
		return 0, r.syntax(what + " out of range for " + itoa(bits) + " bits")
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

func (r *jsonReader) double() (float64, error) {
	b, quoted, err := r.number("double")
	if err != nil {
		return 0, err
	}
	if quoted {
		switch string(b) {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	// ParseFloat also takes Python's unquoted inf, -inf and nan.
	f, perr := strconv.ParseFloat(string(b), 64)
	if perr != nil {
		return 0, r.syntax("bad double " + strconv.Quote(string(b)))
	}
	return f, nil
}

func (r *jsonReader) typeName(what string) (Type, error) {
	b, _, err := r.rawString(what)
	if err != nil {
		return 0, err
	}
	t := jsonType(b)
	if t == TypeStop {
		return 0, r.syntax("unknown type name " + strconv.Quote(string(b)))
	}
	return t, nil
}

// message transcodes [1,"name",type,seq,{...}].
func (r *jsonReader) message() error {
	if err := r.expect('[', "message"); err != nil {
		return err
	}
	v, err := r.integer(32, "message version")
	if err != nil {
		return err
	}
	if v != 1 {
		return protoErr(KindBadVersion, "JSON protocol version "+itoa(int(v))+", want 1", nil)
	}
	if err := r.expect(',', "message"); err != nil {
		return err
	}
	name, err := r.str("message name")
	if err != nil {
		return err
	}
	// The type and seq follow the name; reserve the version word.
	at := len(r.out)
	r.out = append(r.out, 0, 0, 0, 0)
	r.out = binary.BigEndian.AppendUint32(r.out, uint32(len(name)))
	r.out = append(r.out, name...)
	if err := r.expect(',', "message"); err != nil {
		return err
	}
	typ, err := r.integer(8, "message type")
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(r.out[at:], version1|uint32(uint8(typ)))
	if err := r.expect(',', "message"); err != nil {
		return err
	}
	seq, err := r.integer(32, "sequence id")
	if err != nil {
		return err
	}
	r.out = binary.BigEndian.AppendUint32(r.out, uint32(int32(seq)))
	if err := r.expect(',', "message"); err != nil {
		return err
	}
	if err := r.value(TypeStruct); err != nil {
		return err
	}
	return r.expect(']', "message")
}

func (r *jsonReader) value(t Type) error {
	switch t {
	case TypeBool:
		v, err := r.integer(64, "bool")
		if err != nil {
			return err
		}
		r.out = appendBool(r.out, v != 0)
	case TypeI8:
		v, err := r.integer(8, "i8")
		if err != nil {
			return err
		}
		r.out = append(r.out, byte(int8(v)))
	case TypeI16:
		v, err := r.integer(16, "i16")
		if err != nil {
			return err
		}
		r.out = binary.BigEndian.AppendUint16(r.out, uint16(int16(v)))
	case TypeI32:
		v, err := r.integer(32, "i32")
		if err != nil {
			return err
		}
		r.out = binary.BigEndian.AppendUint32(r.out, uint32(int32(v)))
	case TypeI64:
		v, err := r.integer(64, "i64")
		if err != nil {
			return err
		}
		r.out = binary.BigEndian.AppendUint64(r.out, uint64(v))
	case TypeDouble:
		f, err := r.double()
		if err != nil {
			return err
		}
		r.out = binary.BigEndian.AppendUint64(r.out, math.Float64bits(f))
	case TypeString:
		b, err := r.str("string")
		if err != nil {
			return err
		}
		r.out = appendRaw(r.out, b)
	case TypeUUID:
		b, err := r.str("uuid")
		if err != nil {
			return err
		}
		u, perr := ParseUUID(string(b))
		if perr != nil {
			return r.syntax("bad uuid")
		}
		r.out = append(r.out, u[:]...)
	case TypeStruct:
		return r.structBody()
	case TypeList, TypeSet:
		if err := r.expect('[', t.String()); err != nil {
			return err
		}
		et, err := r.typeName(t.String() + " element type")
		if err != nil {
			return err
		}
		if err := r.expect(',', t.String()); err != nil {
			return err
		}
		n, err := r.count(t.String(), 2)
		if err != nil {
			return err
		}
		r.out = append(r.out, byte(et))
		r.out = binary.BigEndian.AppendUint32(r.out, uint32(n))
		for range n {
			if err := r.expect(',', t.String()); err != nil {
				return err
			}
			if err := r.value(et); err != nil {
				return err
			}
		}
		r.d.depth--
		return r.expect(']', t.String())
	case TypeMap:
		if err := r.expect('[', "map"); err != nil {
			return err
		}
		kt, err := r.typeName("map key type")
		if err != nil {
			return err
		}
		if err := r.expect(',', "map"); err != nil {
			return err
		}
		vt, err := r.typeName("map value type")
		if err != nil {
			return err
		}
		if err := r.expect(',', "map"); err != nil {
			return err
		}
		n, err := r.count("map", 6)
		if err != nil {
			return err
		}
		if err := r.expect(',', "map"); err != nil {
			return err
		}
		if err := r.expect('{', "map"); err != nil {
			return err
		}
		r.out = append(r.out, byte(kt), byte(vt))
		r.out = binary.BigEndian.AppendUint32(r.out, uint32(n))
		for i := range n {
			if i > 0 {
				if err := r.expect(',', "map"); err != nil {
					return err
				}
			}
			if err := r.value(kt); err != nil {
				return err
			}
			if err := r.expect(':', "map"); err != nil {
				return err
			}
			if err := r.value(vt); err != nil {
				return err
			}
		}
		r.d.depth--
		if err := r.expect('}', "map"); err != nil {
			return err
		}
		return r.expect(']', "map")
	default:
		return protoErr(KindInvalidData, "cannot read a value of type "+t.String(), nil)
	}
	return nil
}

// count reads a container count, checks it against the limits and the
// bytes left (each element takes at least per bytes of JSON) and enters one
// level of nesting.
func (r *jsonReader) count(what string, per int) (int, error) {
	d := r.d
	v, err := r.integer(64, what+" size")
	if err != nil {
		return 0, err
	}
	switch {
	case v < 0:
		return 0, protoErr(KindNegativeSize, what+" size "+strconv.FormatInt(v, 10)+" is negative", nil)
	case v > int64(d.lim.MaxContainerLength):
		return 0, protoErr(KindSizeLimit, what+" of "+strconv.FormatInt(v, 10)+" elements exceeds the limit of "+itoa(d.lim.MaxContainerLength), nil)
	case int(v) > d.Remaining()/per:
		return 0, d.budgetErr(what+" of "+itoa(int(v))+" elements", int(v)*per)
	}
	return int(v), d.enter(what)
}

func (r *jsonReader) structBody() error {
	d := r.d
	if err := d.ReadStructBegin(); err != nil {
		return err
	}
	if err := r.expect('{', "struct"); err != nil {
		return err
	}
	c, err := r.peek("struct")
	if err != nil {
		return err
	}
	if c == '}' {
		d.pos++
	} else {
		for {
			id, err := r.integer(16, "field id")
			if err != nil {
				return err
			}
			if err := r.expect(':', "field"); err != nil {
				return err
			}
			if err := r.expect('{', "field"); err != nil {
				return err
			}
			t, err := r.typeName("field type")
			if err != nil {
				return err
			}
			if err := r.expect(':', "field"); err != nil {
				return err
			}
			r.out = append(r.out, byte(t), byte(uint16(id)>>8), byte(id))
			if err := r.value(t); err != nil {
				return err
			}
			if err := r.expect('}', "field"); err != nil {
				return err
			}
			c, err := r.peek("struct")
			if err != nil {
				return err
			}
			d.pos++
			if c == '}' {
				break
			}
			if c != ',' {
				return r.syntax("expected ',' or '}' in struct, found " + strconv.QuoteRune(rune(c)))
			}
		}
	}
	r.out = append(r.out, byte(TypeStop))
	d.ReadStructEnd()
	return nil
}

// ---- base64 for binary fields on the JSON path ----

// writeRaw writes a length-prefixed byte string whatever b64 says: the
// transcoders carry strings (and binaries already in base64) as they are.
func (e *Encoder) writeRaw(v []byte) {
	e.buf = binary.BigEndian.AppendUint32(e.buf, checkLen(len(v)))
	e.buf = append(e.buf, v...)
}

// writeBinaryB64 is WriteBinary for an Encoder feeding the JSON writer:
// the payload is the base64 text Apache's TJSONProtocol sends.
func (e *Encoder) writeBinaryB64(v []byte) {
	n := base64.StdEncoding.EncodedLen(len(v))
	e.buf = binary.BigEndian.AppendUint32(e.buf, checkLen(n))
	e.buf = base64.StdEncoding.AppendEncode(e.buf, v)
}

// readBinaryB64 is ReadBinary for a Decoder reading the JSON reader's
// output: the payload is base64, with or without padding.
func (d *Decoder) readBinaryB64() ([]byte, error) {
	b, err := d.readBytes("binary")
	if err != nil {
		return nil, err
	}
	for len(b) > 0 && b[len(b)-1] == '=' {
		b = b[:len(b)-1]
	}
	out := make([]byte, 0, base64.RawStdEncoding.DecodedLen(len(b)))
	out, err = base64.RawStdEncoding.AppendDecode(out, b)
	if err != nil {
		return nil, protoErr(KindInvalidData, "binary is not base64: "+err.Error(), nil)
	}
	return out, nil
}
