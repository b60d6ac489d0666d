package runtime

import (
	"io"
	"strconv"
	"sync"
)

// Protocol is how Thrift values are encoded on the wire: Binary (the zero
// value), Compact or JSON, as Apache's TBinaryProtocol, TCompactProtocol
// and TJSONProtocol write them. Both ends must use the same one
// (Server.Protocol, WithProtocol on the client).
//
// # How generated code speaks several protocols
//
// Generated Encode and Decode methods call the concrete binary *Encoder and
// *Decoder: no interface call per field, which is where the binary codec's
// lead over Apache's comes from. Compact has generated methods of its own,
// EncodeCompact and DecodeCompact on the concrete *CompactEncoder and
// *CompactDecoder (compact_codec.go), emitted by the same templates with
// another parameter type. JSON reuses the binary methods through
// transcoding at the message boundary: all three protocols are
// self-describing (every field, element and key carries its type), so a
// whole message converts from one to another without the IDL.
//
//   - Writing JSON: the message is encoded in binary into a scratch buffer,
//     then one tight loop rewrites that buffer as JSON.
//   - Reading JSON: one loop reads the message, enforcing every Limit
//     (MaxMessageSize on the bytes of the wire, strings, container counts
//     against the bytes left, depth, number lengths) and appends it in
//     binary to a scratch buffer, which the generated Decode reads as usual
//     (and checks again).
//   - Compact through Codec (Protocol.Marshal/Unmarshal) uses the generated
//     compact methods when the struct has them (CompactStruct) and
//     transcodes otherwise (code generated before they existed, hand-written
//     Structs). The connection side (Server.Protocol, WithProtocol, THeader)
//     still transcodes compact at the message boundary.
//
// The one thing that is not self-describing is JSON's "str", which is both
// string and binary: on the JSON path the scratch Encoder writes binary
// fields as their base64 text and the scratch Decoder undoes it (the b64
// flag, one branch in WriteBinary and ReadBinary).
//
// The alternatives, and what was measured (a 2-core machine shared with
// other jobs; run `make bench`, and `cd interop && go test -run '^$' -bench
// AltCompact .`; figures vary ±20% and more between runs, ratios less):
//
//   - Transcoding compact too (what this package did first): one generated
//     codec, but a compact message is read twice, once by the transcoder and
//     once by the binary Decode. Against Apache's Go library on the same
//     values compact decode was only 0.9–1.6× (target 2×) and encode 1.7–2.7×
//     (target 3×). BenchmarkAltCompact on the small struct, one run:
//     encode 47–54 ns transcoding, 20–23 ns generated, 8.5 ns for a
//     hand-written best case without limits; decode 123–145 ns
//     transcoding, 81–92 ns generated.
//   - Per-protocol generated methods for compact (chosen): in `make bench`
//     (4 runs of 200 ms, ratio = Apache ns ÷ ours) compact encode 6.7×
//     small, 2.1–3.2× medium (its 100 i64 varints are half its time),
//     7.4× the 1,000-item list, 6.4× the span batch; compact decode 1.8×
//     small (both sides spend most of it allocating the struct and its
//     string), 2.3× medium, 3.0× list, 2.2× spans. The price is code size:
//     for the 146 test types of interop/ (go tool nm -size of the interop
//     test binary) Encode+Decode are 587 KB of machine code, and
//     EncodeCompact+DecodeCompact add 661 KB, golden files and every
//     user's generated code growing to match. Binary is untouched (its
//     methods and Encoder/Decoder are the same; interleaved benchstat runs
//     against the previous commit show no significant change). Later,
//     CompactEncoder.WriteI64s (one loop for a list<i64>) and string
//     chunks shared across a reused Codec's messages brought compact
//     encode of the medium struct to 3.7–4.0× and compact decode of the
//     small one to 2.1× in the quieter runs (README, "Compact: one loop
//     for i64 lists").
//   - JSON stays transcoded: it is 4–16× Apache's already, much slower per
//     byte than either binary form, and rarely on a hot path, so it does
//     not earn another 600 KB of generated code.
//   - A protocol switch inside Encoder and Decoder (a mode tested in every
//     Write/Read method): one generated codec, but the branch lands on
//     every binary call and the hot methods (WriteI32, ...) exceed Go's
//     inlining budget, so the binary path pays on every field; rejected
//     without a prototype, since adding one branch to WriteBinary already
//     cost it its inlining.
//
// The price of transcoding JSON is a scratch buffer per connection
// (dropped after large messages) and the second pass.
type Protocol int

const (
	// Binary is TBinaryProtocol with strict headers, the default of every
	// Apache library.
	Binary Protocol = iota
	// Compact is TCompactProtocol: varints and packed field headers,
	// usually 30–50% smaller than binary.
	Compact
	// JSON is TJSONProtocol (not TSimpleJSONProtocol): full type
	// information, readable, the slowest and largest.
	JSON
)

// String returns "binary", "compact" or "json", the names Apache's test
// suite uses.
func (p Protocol) String() string {
	switch p {
	case Binary:
		return "binary"
	case Compact:
		return "compact"
	case JSON:
		return "json"
	}
	return "Protocol(" + strconv.Itoa(int(p)) + ")"
}

// ParseProtocol returns the Protocol that String names.
func ParseProtocol(s string) (Protocol, error) {
	for p := Binary; p <= JSON; p++ {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, protoErr(KindNotImplemented, "unknown protocol "+strconv.Quote(s)+" (want binary, compact or json)", nil)
}

func (p Protocol) valid() bool { return p >= Binary && p <= JSON }

// ---- whole messages and structs ----

// transcodeFromBinary appends the message (or, when !message, the struct)
// in src, which is binary, to dst in protocol p.
func transcodeFromBinary(p Protocol, dst, src []byte, message bool) ([]byte, error) {
	switch p {
	case Compact:
		w := compactWriter{binReader: binReader{src: src}, out: dst}
		var err error
		if message {
			err = w.message()
		} else {
			err = w.value(TypeStruct)
		}
		return w.out, err
	case JSON:
		w := jsonWriter{binReader: binReader{src: src}, out: dst}
		var err error
		if message {
			err = w.message()
		} else {
			err = w.value(TypeStruct, false)
		}
		return w.out, err
	}
	return append(dst, src...), nil
}

// transcodeToBinary reads one message (or struct) in protocol p from src,
// with src's limits and budget, and appends it in binary to out.
func transcodeToBinary(p Protocol, src *Decoder, out *Encoder, scratch *[]byte, message bool) error {
	switch p {
	case Compact:
		c := compactReader{d: src, out: out.buf}
		var err error
		if message {
			err = c.message()
		} else {
			err = c.value(TypeStruct)
		}
		out.buf = c.out
		return err
	case JSON:
		r := jsonReader{d: src, out: out.buf, scratch: *scratch}
		var err error
		if message {
			err = r.message()
		} else {
			err = r.value(TypeStruct)
		}
		out.buf = r.out
		if cap(r.scratch) <= maxKeptWriteBuf {
			*scratch = r.scratch[:0]
		}
		return err
	}
	return protoErr(KindNotImplemented, "transcoding from "+p.String(), nil)
}

// Codec encodes and decodes bare structs (no message header) in one
// protocol, reusing its buffers: after warm-up, Marshal allocates nothing
// and Unmarshal only what the decoded value holds. A Codec is not safe for
// concurrent use. For Binary it calls Encode and Decode directly, for
// Compact EncodeCompact and DecodeCompact when the struct has them
// (CompactStruct); otherwise it transcodes.
type Codec struct {
	p       Protocol
	cenc    CompactEncoder  // compact, for CompactStruct values
	cdec    *CompactDecoder // compact, for CompactStruct values
	lim     Limits
	bin     Encoder // binary scratch (the message in binary)
	out     []byte
	src     Decoder // reads the wire bytes (compact, JSON)
	dec     Decoder // reads the binary scratch
	scratch []byte
}

// NewCodec returns a Codec for p that decodes with the limits lim.
func NewCodec(p Protocol, lim Limits) *Codec {
	c := &Codec{p: p, lim: lim.withDefaults()}
	c.bin.b64 = p == JSON
	c.src.lim = c.lim
	c.dec.lim = c.lim
	c.dec.lim.MaxMessageSize = maxLimit // src already bounded the wire bytes
	c.dec.b64 = p == JSON
	return c
}

// Protocol returns the protocol of c.
func (c *Codec) Protocol() Protocol { return c.p }

// Marshal encodes s and returns the bytes, which alias c's buffer: they are
// valid until the next call on c.
func (c *Codec) Marshal(s Struct) ([]byte, error) {
	if cs, ok := s.(CompactStruct); ok && c.p == Compact {
		c.cenc.Reset()
		err := cs.EncodeCompact(&c.cenc)
		return c.cenc.buf, err
	}
	c.bin.Reset()
	if err := s.Encode(&c.bin); err != nil {
		return nil, err
	}
	if c.p == Binary {
		return c.bin.Bytes(), nil
	}
	out, err := transcodeFromBinary(c.p, c.out[:0], c.bin.buf, false)
	c.out = out
	return out, err
}

// Unmarshal decodes b, which must hold exactly one struct, into s. Bytes
// after the struct are an error, as for Unmarshal.
func (c *Codec) Unmarshal(b []byte, s Struct) error {
	if cs, ok := s.(CompactStruct); ok && c.p == Compact {
		if c.cdec == nil {
			c.cdec = NewCompactDecoder(nil, c.lim)
		} else {
			c.cdec.warm = true
		}
		cd := c.cdec
		cd.Reset(b)
		err := cs.DecodeCompact(cd)
		if err == nil && cd.d.pos != len(b) {
			err = protoErr(KindInvalidData, itoa(len(b)-cd.d.pos)+" bytes follow the struct", nil)
		}
		return err
	}
	d := &c.dec
	if c.p == Binary {
		d.lim = c.lim
		d.Reset(b)
	} else {
		c.src.Reset(b)
		c.bin.Reset()
		if err := transcodeToBinary(c.p, &c.src, &c.bin, &c.scratch, false); err != nil {
			return err
		}
		if c.src.pos != len(b) {
			return protoErr(KindInvalidData, itoa(len(b)-c.src.pos)+" bytes follow the struct", nil)
		}
		d.Reset(c.bin.buf)
	}
	err := s.Decode(d)
	if err == nil && d.pos != len(d.data) {
		err = protoErr(KindInvalidData, itoa(len(d.data)-d.pos)+" bytes follow the struct", nil)
	}
	return err
}

var codecPools [JSON + 1]sync.Pool

// Marshal encodes s in protocol p into a fresh buffer of exactly its size.
func (p Protocol) Marshal(s Struct) ([]byte, error) {
	if !p.valid() {
		return nil, protoErr(KindNotImplemented, "unknown "+p.String(), nil)
	}
	c, _ := codecPools[p].Get().(*Codec)
	if c == nil {
		c = NewCodec(p, Limits{})
	}
	b, err := c.Marshal(s)
	if err == nil {
		b = append(make([]byte, 0, len(b)), b...)
	}
	c.release()
	codecPools[p].Put(c)
	return b, err
}

// Unmarshal decodes b, which must hold exactly one struct in protocol p,
// into s with DefaultLimits.
func (p Protocol) Unmarshal(b []byte, s Struct) error {
	return p.UnmarshalWithLimits(b, s, Limits{})
}

// UnmarshalWithLimits is Unmarshal with the given limits.
func (p Protocol) UnmarshalWithLimits(b []byte, s Struct, lim Limits) error {
	if !p.valid() {
		return protoErr(KindNotImplemented, "unknown "+p.String(), nil)
	}
	c := NewCodec(p, lim)
	return c.Unmarshal(b, s)
}

// release drops buffers that grew large and references to callers' bytes.
func (c *Codec) release() {
	if cap(c.bin.buf) > maxKeptWriteBuf {
		c.bin.buf = nil
	}
	if cap(c.out) > maxKeptWriteBuf {
		c.out = nil
	}
	if cap(c.cenc.buf) > maxKeptWriteBuf {
		c.cenc.buf = nil
	}
	if c.cdec != nil {
		c.cdec.d.data, c.cdec.d.buf = nil, nil
	}
	c.src.data, c.src.buf = nil, nil
	c.dec.data, c.dec.buf = nil, nil
}

// TranscodeToBinary converts one struct (message false) or message
// (message true) in protocol p from b to binary, appending to dst, with the
// limits lim. It reads a Parquet footer (compact) as binary, for example.
func TranscodeToBinary(p Protocol, dst, b []byte, message bool, lim Limits) ([]byte, error) {
	if p == Binary {
		return append(dst, b...), nil
	}
	if !p.valid() {
		return dst, protoErr(KindNotImplemented, "unknown "+p.String(), nil)
	}
	src := NewDecoder(b, lim)
	e := Encoder{buf: dst}
	var scratch []byte
	if err := transcodeToBinary(p, src, &e, &scratch, message); err != nil {
		return e.buf, err
	}
	if src.pos != len(b) {
		return e.buf, protoErr(KindInvalidData, itoa(len(b)-src.pos)+" bytes follow the value", nil)
	}
	return e.buf, nil
}

// TranscodeFromBinary converts one binary struct or message in b to
// protocol p, appending to dst. Binary values are written as strings: for
// JSON, whose "str" is text or base64 depending on the IDL, use Codec or
// Protocol.Marshal instead.
func TranscodeFromBinary(p Protocol, dst, b []byte, message bool) ([]byte, error) {
	if !p.valid() {
		return dst, protoErr(KindNotImplemented, "unknown "+p.String(), nil)
	}
	return transcodeFromBinary(p, dst, b, message)
}

// ---- the connection side (wire) ----

// protoWire is the part of a wire that a non-binary protocol needs.
type protoWire struct {
	p       Protocol
	src     *Decoder // reads the peer's bytes: a stream (buffered) or frames
	bin     []byte   // the last message read, transcoded to binary
	out     []byte   // the next message to write, in p (framed: with header)
	scratch []byte
}

// beginStream starts a new message in stream mode (see ReadMessageBegin):
// it returns io.EOF when the stream ends cleanly before a byte of it.
func (d *Decoder) beginStream() error {
	d.depth = 0
	if cap(d.data) > maxKeptStreamBuf && len(d.data)-d.pos <= minStreamBuf {
		nb := make([]byte, len(d.data)-d.pos, minStreamBuf)
		copy(nb, d.data[d.pos:])
		d.data, d.pos = nb, 0
	}
	d.beginMessage()
	if d.pos == len(d.buf) {
		return d.fill(1)
	}
	return nil
}

// readProto reads the next message in w's protocol and leaves w.dec at its
// start, in binary.
func (w *wire) readProto() error {
	pw := w.pw
	if w.transport == Framed {
		f, err := w.readFrame()
		if err != nil {
			return err
		}
		pw.src.Reset(f)
	} else if err := pw.src.beginStream(); err != nil {
		return err
	}
	err := pw.toBinary(w)
	if w.transport == Buffered && err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// toBinary transcodes the message pw.src holds into binary and points
// w.dec at it.
func (pw *protoWire) toBinary(w *wire) error {
	e := Encoder{buf: pw.bin[:0]}
	err := transcodeToBinary(pw.p, pw.src, &e, &pw.scratch, true)
	if cap(e.buf) <= maxKeptWriteBuf {
		pw.bin = e.buf[:0]
	} else {
		pw.bin = nil
	}
	if err != nil {
		// The body failed after the header: the server can still
		// answer PROTOCOL_ERROR (see bodyerror.go).
		return withMessageHeader(e.buf, err)
	}
	w.dec.Reset(e.buf)
	w.transcoded = len(e.buf)
	return nil
}

// finishProto rewrites the binary message in w.enc in w's protocol.
func (w *wire) finishProto() error {
	pw := w.pw
	if err := w.enc.Err(); err != nil {
		return err
	}
	if cap(pw.out) > maxKeptWriteBuf {
		pw.out = nil
	}
	out := pw.out[:0]
	if w.transport == Framed {
		out = append(out, 0, 0, 0, 0)
	}
	out, err := transcodeFromBinary(pw.p, out, w.enc.buf, true)
	pw.out = out
	if err != nil {
		return err
	}
	if w.transport == Framed {
		n := checkLen(len(out) - 4)
		out[0], out[1], out[2], out[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		out = out[4:]
	}
	if len(out) > w.lim.MaxMessageSize {
		return protoErr(KindSizeLimit, "encoded message of "+itoa(len(out))+" bytes exceeds the limit of "+itoa(w.lim.MaxMessageSize)+" bytes", nil)
	}
	return nil
}

// newProtoWire sets w up for protocol p over the reader r.
func (w *wire) setProtocol(p Protocol, r io.Reader) {
	if p == Binary {
		return
	}
	pw := &protoWire{p: p}
	if w.transport == Framed {
		pw.src = NewDecoder(nil, w.lim)
	} else {
		pw.src = NewStreamDecoder(r, w.lim)
	}
	w.pw = pw
	// The binary form of a message can be larger than its wire form (a
	// compact varint is one byte, its binary i64 eight); the wire form
	// was bounded by MaxMessageSize already.
	lim := w.lim
	lim.MaxMessageSize = maxLimit
	w.dec = NewDecoder(nil, lim)
	// Likewise the binary scratch a message is encoded into before it is
	// transcoded: finishProto checks the wire form against the limit.
	w.enc.SetMaxSize(4 * min(w.lim.MaxMessageSize, maxLimit/4))
	w.dec.b64 = p == JSON
	w.enc.b64 = p == JSON
}

// WithProtocol sets the encoding: Binary (the default), Compact or JSON;
// it must match the server's (Server.Protocol).
func WithProtocol(p Protocol) ClientOption {
	return func(o *clientOptions) { o.protocol = p }
}
