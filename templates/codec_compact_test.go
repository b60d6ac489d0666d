package templates

import (
	"strings"
	"testing"

	"github.com/thriftsec/thriftsec/parser"
)

// TestDeriveCompactRefusesOtherCode: DeriveCompact copies only methods
// that are exactly what Struct emits and reports anything else (the
// generator turns that into a bug report, never output).
func TestDeriveCompactRefusesOtherCode(t *testing.T) {
	n := NewNames()
	s := &parser.Struct{Name: "P"}
	n.SetIdent(s, Ident{Name: "P"})
	good := encodeDoc + "func (p *P) Encode(e *runtime.Encoder) error {\n\tif err := p.Q.Encode(e); err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n\n" +
		decodeDoc + "func (p *P) Decode(d *runtime.Decoder) error {\n\tif err := s1.Decode(d); err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n"
	out, err := n.DeriveCompact([]byte(good), []*parser.Struct{s})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		encodeCompactDoc + "func (p *P) EncodeCompact(e *runtime.CompactEncoder) error {\n\te.WriteStructBegin()\n\tif err := p.Q.EncodeCompact(e); err != nil {",
		decodeCompactDoc + "func (p *P) DecodeCompact(d *runtime.CompactDecoder) error {\n\tif err := s1.DecodeCompact(d); err != nil {",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("copy lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(string(out), good) {
		t.Errorf("the binary methods changed:\n%s", out)
	}
	for name, src := range map[string]string{
		"no Decode":         strings.SplitAfter(good, "}\n\n")[0],
		"no doc":            strings.Replace(good, encodeDoc, "", 1),
		"indented":          strings.Replace(good, "func (p *P) Encode", "\tfunc (p *P) Encode", 1),
		"unclosed":          strings.TrimSuffix(good, "}\n"),
		"other qualifier":   strings.Replace(good, "d *runtime.Decoder", "d *rt.Decoder", 1),
		"not an identifier": strings.ReplaceAll(good, "*runtime.", "*run-time."),
	} {
		if out, err := n.DeriveCompact([]byte(src), []*parser.Struct{s}); err == nil {
			t.Errorf("%s: copied\n%s", name, out)
		}
	}
}
