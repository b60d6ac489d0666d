package templates

import (
	"bytes"
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// Compact methods copied from the formatted binary ones.
//
// EncodeCompact and DecodeCompact come from the same emitters as Encode and
// Decode (codecNames), so their formatted text is the binary methods' text
// with the codec's names swapped: the method name, the runtime type it
// takes, the nested structs' method calls, the doc line and compact's
// WriteStructBegin. Building, rendering and formatting them through
// jennifer and go/format again was a third of the generator's time on a
// big IDL (50,000 lines: 5.0 s of CPU with them emitted, 2.9 s without),
// while copying the binary methods' formatted text costs a pass over it.
// With Names.CompactFromBinary set, Struct leaves the compact methods out
// and the generator adds them with DeriveCompact once the chunk is
// formatted; the bytes are the same either way, which generator's
// TestFastPathsOnIDL checks over every golden case and Apache's test IDL.
//
// A list<i64> was the one place where the two differed (compact wrote it
// with one WriteI64s call, binary with a WriteI64 per element), and a
// struct with one was emitted whole; binary has WriteI64s too now, so
// every struct's compact methods are copied.

// compactDeferred reports whether Struct leaves the compact methods of s
// for DeriveCompact.
func (n *Names) compactDeferred(s *parser.Struct) bool {
	return n.CompactFromBinary
}

// CompactDeferred returns the structs that the emitter of def (a
// *parser.Struct, or a *parser.Service for its argument and result
// structs) renders without their compact methods, in the order it renders
// them: the structs DeriveCompact must complete in def's formatted code.
func (n *Names) CompactDeferred(def any) []*parser.Struct {
	var structs []*parser.Struct
	add := func(s *parser.Struct) {
		if s != nil && n.compactDeferred(s) {
			structs = append(structs, s)
		}
	}
	switch def := def.(type) {
	case *parser.Struct:
		add(def)
	case *parser.Service:
		sn := n.services[def]
		for _, f := range def.Functions {
			add(sn.Methods[f].Args)
			add(sn.Methods[f].Result)
		}
	}
	return structs
}

// The formatted text the binary methods begin with (see Encode and
// Decode) and what their compact copies begin with instead.
const (
	encodeDoc        = "// Encode writes p in the Thrift binary protocol.\n"
	encodeCompactDoc = "// EncodeCompact writes p in the Thrift compact protocol.\n"
	decodeDoc        = "// Decode reads p from the Thrift binary protocol. Fields absent from the\n// input keep their current values.\n"
	decodeCompactDoc = "// DecodeCompact reads p from the Thrift compact protocol. Fields absent from the\n// input keep their current values.\n"
)

// DeriveCompact returns src — gofmt-formatted Go code holding the binary
// Encode and Decode methods of each struct in structs, in that order, as
// Struct emits them — with each struct's EncodeCompact and DecodeCompact
// inserted after its Decode: the bytes Struct and go/format would have
// produced with the compact methods emitted. An error means src is not
// code Struct emitted (a bug in the generator, never bad input).
func (n *Names) DeriveCompact(src []byte, structs []*parser.Struct) ([]byte, error) {
	type found struct {
		enc, dec methodSpan
		q        string // the runtime package's qualifier, "runtime" unless renamed
	}
	all := make([]found, len(structs))
	pos, size := 0, len(src)
	for i, s := range structs {
		name := n.Ident(s).Name
		var err error
		var q string
		if all[i].enc, q, err = findMethod(src, pos, encodeDoc, "func (p *"+name+") Encode(e *", ".Encoder) error {\n"); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		var qd string
		if all[i].dec, qd, err = findMethod(src, all[i].enc.end, decodeDoc, "func (p *"+name+") Decode(d *", ".Decoder) error {\n"); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if qd != q {
			return nil, fmt.Errorf("%s: Encode and Decode name the runtime package differently (%s, %s)", name, q, qd)
		}
		all[i].q = q
		pos = all[i].dec.end
		// Each copy is about as long as its original, plus the names.
		size += all[i].enc.end - all[i].enc.start + all[i].dec.end - all[i].dec.start + 128
	}
	out := make([]byte, 0, size)
	pos = 0
	for i, s := range structs {
		f := all[i]
		name := n.Ident(s).Name
		out = append(out, src[pos:f.dec.end]...)
		pos = f.dec.end

		out = append(out, '\n')
		out = append(out, encodeCompactDoc...)
		out = append(out, "func (p *"+name+") EncodeCompact(e *"+f.q+".CompactEncoder) error {\n\te.WriteStructBegin()\n"...)
		out = appendReplacing(out, src[f.enc.bodyStart:f.enc.end], ".Encode(e); err != nil {", ".EncodeCompact(e); err != nil {")

		out = append(out, '\n')
		out = append(out, decodeCompactDoc...)
		out = append(out, "func (p *"+name+") DecodeCompact(d *"+f.q+".CompactDecoder) error {\n"...)
		out = appendReplacing(out, src[f.dec.bodyStart:f.dec.end], ".Decode(d); err != nil {", ".DecodeCompact(d); err != nil {")
	}
	return append(out, src[pos:]...), nil
}

// methodSpan is where a formatted method is: the start of its doc, the
// start of its body, and the end of its closing "}\n".
type methodSpan struct{ start, bodyStart, end int }

// findMethod finds, at or after from, the top-level method whose first
// line is prefix + qualifier + suffix and which doc precedes.
func findMethod(src []byte, from int, doc, prefix, suffix string) (m methodSpan, qualifier string, err error) {
	for at := from; ; {
		i := bytes.Index(src[at:], []byte(prefix))
		if i < 0 {
			return m, "", fmt.Errorf("no %q…%q in the formatted code", prefix, suffix)
		}
		i += at
		at = i + len(prefix)
		if i > 0 && src[i-1] != '\n' {
			continue // not at the start of a line
		}
		line := src[at:]
		nl := bytes.IndexByte(line, '\n')
		if nl < 0 || !bytes.HasSuffix(line[:nl+1], []byte(suffix)) {
			continue
		}
		qualifier = string(line[:nl+1-len(suffix)])
		if !isIdent(qualifier) || !bytes.HasSuffix(src[:i], []byte(doc)) {
			continue
		}
		m.start = i - len(doc)
		m.bodyStart = at + nl + 1
		// The body's lines are indented: the first "}" at the start of a
		// line closes the method.
		close := bytes.Index(src[m.bodyStart-1:], []byte("\n}\n"))
		if close < 0 {
			return m, "", fmt.Errorf("%q…%q has no end", prefix, suffix)
		}
		m.end = m.bodyStart - 1 + close + len("\n}\n")
		return m, qualifier, nil
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// appendReplacing appends src to dst with every old replaced by new.
func appendReplacing(dst, src []byte, old, new string) []byte {
	for {
		i := bytes.Index(src, []byte(old))
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		dst = append(dst, new...)
		src = src[i+len(old):]
	}
}

// compactMethods emits the compact methods of s unless they are deferred.
func (n *Names) compactMethods(code *jen.Statement, s *parser.Struct) {
	if n.compactDeferred(s) {
		return
	}
	code.Line().Line().Add(n.EncodeCompact(s)).Line().Line().Add(n.DecodeCompact(s))
}
