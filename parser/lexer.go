package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokInt
	tokDouble
	tokString
	tokPunct // one of { } ( ) [ ] < > , ; : = * &
)

func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "end of file"
	case tokIdent:
		return "identifier"
	case tokInt:
		return "integer"
	case tokDouble:
		return "double"
	case tokString:
		return "string literal"
	}
	return "punctuation"
}

// token is one lexical token. raw is the source text (for literals,
// including the quotes), so that numbers and strings are decoded by us and
// not by thriftgo, whose decoding of both is lossy.
type token struct {
	kind tokKind
	raw  string
	line int
	col  int
	off  int
	// doc is the cleaned text of the /** */ comment that immediately
	// precedes the token (only comments and white space between), if any.
	doc string
	// blankBefore reports a blank line between the doc comment and the
	// token; Apache then treats the comment as the file's doc, not the
	// token's.
	blankBefore bool
}

// lexError is a problem found while splitting the source into tokens.
type lexError struct {
	line, col int
	msg       string
}

// lex splits src into tokens. It follows the lexical rules of Apache
// Thrift 0.17 (thriftl.ll): comments //, # and /* */, identifiers that may
// contain dots, decimal and 0x integers, doubles with optional exponent, and
// string literals in single or double quotes that may not span lines.
//
// A UTF-8 byte-order mark at the start is skipped, as Apache does. Bytes
// in a doc comment that Go source cannot hold (invalid UTF-8, NUL, a
// byte-order mark) are replaced with U+FFFD, with a warning at the first
// of them: the comment becomes Go doc and must stay valid Go.
func lex(src string) (toks []token, warns []*lexError, lerr *lexError) {
	// Room for a token per four bytes up front: a big IDL's token list
	// otherwise grows by copying itself over and over (append grows large
	// slices by a quarter), which was half of the lexer's time.
	toks = make([]token, 0, len(src)/4+16)
	line, col := 1, 1
	i := 0
	if strings.HasPrefix(src, "\ufeff") {
		i = len("\ufeff")
	}
	doc := ""
	docEndLine := 0
	advance := func(n int) {
		for k := 0; k < n && i < len(src); k++ {
			if src[i] == '\n' {
				line++
				col = 1
			} else {
				col++
			}
			i++
		}
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
			advance(1)
			continue
		case c == '#' || (c == '/' && i+1 < len(src) && src[i+1] == '/'):
			for i < len(src) && src[i] != '\n' {
				advance(1)
			}
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			sl, sc := line, col
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return toks, warns, &lexError{sl, sc, "unterminated comment"}
			}
			text := src[i : i+2+end+2]
			advance(len(text))
			if strings.HasPrefix(text, "/**") && len(text) > 4 {
				if clean, w := sanitizeDoc(text, sl, sc); w != nil {
					text = clean
					warns = append(warns, w)
				}
				doc = cleanDoc(text)
				docEndLine = line
			}
			continue
		}
		t := token{line: line, col: col, off: i}
		if doc != "" {
			t.doc = doc
			t.blankBefore = blankLineBetween(src, docEndLine, line)
			doc = ""
		}
		switch {
		case isLetter(c):
			j := i + 1
			for j < len(src) {
				if isLetter(src[j]) || isDigit(src[j]) {
					j++
				} else if src[j] == '.' && j+1 < len(src) && (isLetter(src[j+1]) || isDigit(src[j+1])) {
					j += 2
				} else {
					break
				}
			}
			t.kind, t.raw = tokIdent, src[i:j]
			if t.raw == "true" || t.raw == "false" {
				// Apache's lexer reads these as the integers 1 and 0.
				t.kind = tokInt
			}
		case isDigit(c) || ((c == '+' || c == '-' || c == '.') && i+1 < len(src) && (isDigit(src[i+1]) || src[i+1] == '.')):
			kind, n := scanNumber(src[i:])
			if n == 0 {
				return toks, warns, &lexError{line, col, fmt.Sprintf("unexpected %q", string(c))}
			}
			t.kind, t.raw = kind, src[i:i+n]
		case c == '"' || c == '\'':
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\n' {
					return toks, warns, &lexError{line, col, "newline in string literal"}
				}
				if src[j] == '\\' {
					j++
					if j < len(src) && src[j] == '\n' {
						return toks, warns, &lexError{line, col, "newline in string literal"}
					}
				}
			}
			if j >= len(src) {
				return toks, warns, &lexError{line, col, "unterminated string literal"}
			}
			t.kind, t.raw = tokString, src[i:j+1]
		case strings.IndexByte("{}()[]<>,;:=*&", c) >= 0:
			t.kind, t.raw = tokPunct, src[i:i+1]
		default:
			r := []rune(src[i:])[0]
			return toks, warns, &lexError{line, col, fmt.Sprintf("unexpected character %q", r)}
		}
		toks = append(toks, t)
		advance(len(t.raw))
	}
	toks = append(toks, token{kind: tokEOF, line: line, col: col, off: i})
	return toks, warns, nil
}

// scanNumber returns the kind and length of the number at the start of s:
// [+-]? ( 0x[0-9a-fA-F]+ | [0-9]+ | [0-9]*\.[0-9]+ ([eE][+-]?[0-9]+)? | [0-9]+[eE][+-]?[0-9]+ ).
func scanNumber(s string) (tokKind, int) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if strings.HasPrefix(s[i:], "0x") || strings.HasPrefix(s[i:], "0X") {
		j := i + 2
		for j < len(s) && isHex(s[j]) {
			j++
		}
		if j == i+2 {
			return tokInt, 0
		}
		return tokInt, j
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	kind := tokInt
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j > i+1 {
			i, kind = j, tokDouble
		}
	}
	if i == start {
		return tokInt, 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > j {
			i, kind = k, tokDouble
		}
	}
	return kind, i
}

func isLetter(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// blankLineBetween reports whether lines from..to (exclusive) of src
// contain an empty line.
func blankLineBetween(src string, from, to int) bool {
	if to-from < 2 {
		return false
	}
	lines := strings.Split(src, "\n")
	for l := from; l < to-1 && l < len(lines); l++ {
		if strings.TrimSpace(lines[l]) == "" {
			return true
		}
	}
	return false
}

// cleanDoc turns a /** ... */ comment into its text: the delimiters, the
// leading "*" of each line and the common indentation removed, leading and
// trailing blank lines dropped, line breaks kept.
func cleanDoc(c string) string {
	c = strings.TrimSuffix(strings.TrimPrefix(c, "/**"), "*/")
	lines := strings.Split(strings.ReplaceAll(c, "\r\n", "\n"), "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if strings.HasPrefix(t, "*") {
			l = t[1:]
		} else if i > 0 {
			l = t
		}
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		} else {
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.Join(lines, "\n")
}

// sanitizeDoc replaces what Go source cannot hold in a comment (invalid
// UTF-8, NUL, U+FEFF) with U+FFFD. It returns nil when text is fine, else
// the cleaned text and a warning at the first bad byte; line and col are
// text's position.
func sanitizeDoc(text string, line, col int) (string, *lexError) {
	var b strings.Builder
	var w *lexError
	for k := 0; k < len(text); {
		r, size := utf8.DecodeRuneInString(text[k:])
		bad := (r == utf8.RuneError && size == 1) || r == 0 || r == '\ufeff'
		if bad && w == nil {
			what := fmt.Sprintf("byte 0x%02x is not UTF-8", text[k])
			switch r {
			case 0:
				what = "NUL byte"
			case '\ufeff':
				what = "byte-order mark"
			}
			w = &lexError{line, col, fmt.Sprintf("doc comment: %s; replaced with U+FFFD in generated code", what)}
			b.WriteString(text[:k])
		}
		if w != nil {
			if bad {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteString(text[k : k+size])
			}
		}
		if text[k] == '\n' {
			line, col = line+1, 1
		} else {
			col += size
		}
		k += size
	}
	if w == nil {
		return text, nil
	}
	return b.String(), w
}
