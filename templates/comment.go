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
		lines = append(lines, wrapLines(fallback)...)
	}
	if d := strings.Trim(idlDoc, "\n"); strings.TrimSpace(d) != "" {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		for _, l := range strings.Split(d, "\n") {
			// A prose line longer than the generated docs is wrapped
			// like them; an indented line (code, a continuation the
			// author aligned) or a list item keeps its line as written.
			if len(l) > commentWidth && !preformatted(l) {
				lines = append(lines, wrapLines(l)...)
				continue
			}
			lines = append(lines, l)
		}
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

// preformatted reports whether an IDL doc line (common indentation already
// removed by the parser) is indented or starts a list item ("- ", "* ",
// "+ ", "1. ", "1) "): lines whose breaks carry meaning.
func preformatted(l string) bool {
	if l == "" || l[0] == ' ' || l[0] == '\t' {
		return true
	}
	if len(l) > 1 && strings.ContainsRune("-*+", rune(l[0])) && l[1] == ' ' {
		return true
	}
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(l) && (l[i] == '.' || l[i] == ')') && l[i+1] == ' '
}

// commentWidth is the longest comment text line generated code writes
// (after "// "), as gofmt'd hand-written Go wraps its docs.
const commentWidth = 77

// wrapLines breaks text into lines of at most commentWidth characters at
// spaces (a longer word stays whole on its own line).
func wrapLines(text string) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= commentWidth:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// WrapComment is wrap for callers outside this package.
func WrapComment(text string) string { return wrap(text) }

// wrap prepares a generated sentence for jen.Comment: as is when it fits
// on one line, else wrapped into several "//" lines (jennifer writes a
// comment that starts with "//" as given).
func wrap(text string) string {
	lines := wrapLines(text)
	if len(lines) <= 1 {
		return text
	}
	return "// " + strings.Join(lines, "\n// ")
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
