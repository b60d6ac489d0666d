package templates

import (
	"path/filepath"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/thriftsec/thriftsec/parser"
)

// Doc renders a doc comment: the IDL's own doc when it has one, else the
// fallback sentence. Every line becomes a "//" line, so an IDL doc that
// contains "*/" cannot end the comment early.
//
//	// Point is a position on the plane.
//	//
//	// <IDL doc lines>
func Doc(fallback, idlDoc string) *jen.Statement {
	var lines []string
	if fallback != "" {
		lines = append(lines, fallback)
	}
	if d := strings.TrimSpace(idlDoc); d != "" {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, strings.Split(d, "\n")...)
	}
	s := jen.Null()
	for _, l := range lines {
		// IDL docs indent continuation lines freely; in a Go doc comment
		// an indented line would turn into a code block.
		l = strings.TrimSpace(l)
		if l == "" {
			s.Comment("//").Line()
			continue
		}
		s.Comment("// " + l).Line()
	}
	return s
}

// SourceName is how generated code names the .thrift file it came from:
// the path as the user gave it when it is relative, else the file name
// alone, so that output never depends on where a module cache or a
// checkout happens to live.
func SourceName(f *parser.File) string {
	if filepath.IsAbs(f.Path) {
		return filepath.Base(f.Path)
	}
	return filepath.ToSlash(f.Path)
}
