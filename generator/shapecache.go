package generator

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"go/format"
	"sync"
	"sync/atomic"
)

// Formatting is most of the cost of generating a big IDL: gofmt parses and
// prints every byte, and generated code repeats the same few shapes
// (getters, codec loops, client and processor methods) with other names.
// go/printer's decisions (indentation, spacing, alignment padding, line
// breaks, comment placement) depend on the tokens' kinds, their positions
// and their widths, never on which letters an identifier or a literal
// holds. So each top-level declaration is formatted once per shape: its
// identifiers, plain number and string literals and the words of its
// comments are replaced by placeholders of the same length ("ColumnSchema_7"
// becomes "xxxxxxxxxxxxxx"), the result is the cache key, and gofmt's output
// for the key is a template whose placeholders are filled back with the
// declaration's own text, in order (gofmt never reorders or drops them).
// Whatever falls outside that argument is formatted by go/format itself:
// a comment gofmt could rewrite (lists, headings, code blocks, directives),
// block comments, non-ASCII code, numbers gofmt normalises, or a template
// that does not match its key token for token.

// shapeCache maps the SHA-256 of a declaration's key to gofmt's output for
// the key. It is shared by the workers of one Generate call.
type shapeCache struct {
	mu        sync.Mutex
	templates map[[sha256.Size]byte]*template
	size      int // bytes held in templates

	hits, misses, direct atomic.Int64 // for tests and benchmarks
}

// shapeCacheLimit bounds the templates kept: an IDL with few repeated
// shapes would otherwise hold a second copy of its output.
const shapeCacheLimit = 64 << 20

func newShapeCache() *shapeCache {
	return &shapeCache{templates: map[[sha256.Size]byte]*template{}}
}

// template is gofmt's output for a key and where its placeholders are,
// found once when it is made rather than at every declaration it formats.
type template struct {
	text  []byte
	holes []sub // the tokens that may be placeholders, in order
}

// newTemplate finds the tokens of text that may be placeholders: every
// identifier and comment, and number and string literals made of
// placeholder bytes only (other literals are the declaration's own, kept
// as they are). It reports false when text does not tokenize.
func newTemplate(text []byte) (*template, bool) {
	t := &template{text: text}
	for i := 0; i < len(text); {
		kind, end := nextToken(text, i)
		tok := text[i:end]
		switch kind {
		case tokBad:
			return nil, false
		case tokIdent, tokComment:
			t.holes = append(t.holes, sub{kind, i, end})
		case tokNumber:
			if allBytes(tok, '1') {
				t.holes = append(t.holes, sub{kind, i, end})
			}
		case tokString:
			if len(tok) >= 2 && allBytes(tok[1:len(tok)-1], 'x') {
				t.holes = append(t.holes, sub{kind, i, end})
			}
		}
		i = end
	}
	return t, true
}

// scratch is the reusable memory of one rendering worker.
type scratch struct {
	raw  bytes.Buffer // jennifer's output for a chunk
	out  bytes.Buffer // the chunk formatted
	key  []byte
	subs []sub
}

// Test hooks: noShapeCache formats every chunk with go/format alone;
// noCompactFromBinary emits every compact method through jennifer
// (templates/codec_compact.go); testHookPlan sees the plan of each
// Generate call when it is done.
var (
	noShapeCache        bool
	noCompactFromBinary bool
	testHookPlan        func(*plan)
)

// errNoTemplate: gofmt's output for a key did not tokenize.
var errNoTemplate = errors.New("formatted key does not tokenize")

// pkgClause is the package clause a declaration is formatted under; the
// package's name does not change how its declarations are printed.
const pkgClause = "package p\n\n"

// formatDecls formats src, the declarations of one rendered chunk (the
// text jennifer writes after the import block), exactly as go/format
// formats them after a package clause, and returns them without it.
func (c *shapeCache) formatDecls(sc *scratch, src []byte) ([]byte, error) {
	segs, ok := splitDecls(src)
	if !ok {
		c.direct.Add(1)
		return formatWhole(src)
	}
	out := &sc.out
	out.Reset()
	for i, seg := range segs {
		if i > 0 {
			// splitDecls only splits where gofmt leaves one blank line.
			out.WriteByte('\n')
		}
		if err := c.formatDecl(sc, seg); err != nil {
			return nil, err
		}
	}
	// The chunk is kept until its file is assembled: keep no spare room.
	return bytes.Clone(out.Bytes()), nil
}

// formatWhole is go/format on src as one piece.
func formatWhole(src []byte) ([]byte, error) {
	out, err := format.Source(append([]byte(pkgClause), src...))
	if err != nil {
		return nil, err
	}
	// gofmt ends a file of only a package clause after its name.
	return bytes.TrimPrefix(bytes.TrimPrefix(out, []byte(pkgClause)), []byte(pkgClause[:len(pkgClause)-1])), nil
}

// formatDecl appends the formatted declaration seg to out.
func (c *shapeCache) formatDecl(sc *scratch, seg []byte) error {
	out := &sc.out
	key, subs, ok := shapeKey(seg, sc.key[:0], sc.subs[:0])
	sc.key, sc.subs = key[:0], subs[:0]
	if !ok {
		c.direct.Add(1)
		b, err := formatWhole(seg)
		out.Write(b)
		return err
	}
	sum := sha256.Sum256(key)
	c.mu.Lock()
	tmpl, hit := c.templates[sum]
	c.mu.Unlock()
	if !hit {
		text, err := formatWhole(key)
		if err == nil {
			var ok bool
			if tmpl, ok = newTemplate(text); !ok {
				err = errNoTemplate
			}
		}
		if err != nil {
			// A key that does not parse comes from a declaration
			// that does not either; format (or report) the
			// declaration itself, whose error names its own text.
			c.direct.Add(1)
			b, err := formatWhole(seg)
			out.Write(b)
			return err
		}
	}
	mark := out.Len()
	if !fill(out, tmpl, key, seg, subs) {
		// The template does not line up with the declaration: format
		// the declaration itself and keep the template out of the cache.
		out.Truncate(mark)
		c.direct.Add(1)
		b, err := formatWhole(seg)
		out.Write(b)
		return err
	}
	if hit {
		c.hits.Add(1)
		return nil
	}
	c.misses.Add(1)
	c.mu.Lock()
	if _, dup := c.templates[sum]; !dup && c.size+len(tmpl.text) <= shapeCacheLimit {
		c.templates[sum] = tmpl
		c.size += len(tmpl.text)
	}
	c.mu.Unlock()
	return nil
}

// sub is one stretch of a declaration the key replaces by a placeholder.
type sub struct {
	kind       tokKind
	start, end int
}

// shapeKey returns the key of seg (same length, placeholders in place of
// names, literals and comment words, appended to key) and the replaced
// stretches (appended to subs), or false
// when seg holds something its shape alone does not decide.
func shapeKey(seg, key []byte, subs []sub) ([]byte, []sub, bool) {
	key = append(key, seg...)
	var comments []int // indexes into subs, for the heading check
	for i := 0; i < len(seg); {
		kind, end := nextToken(seg, i)
		switch kind {
		case tokBad:
			return nil, nil, false
		case tokIdent:
			fillBytes(key[i:end], 'x')
			subs = append(subs, sub{kind, i, end})
		case tokNumber:
			if plainNumber(seg[i:end]) {
				fillBytes(key[i:end], '1')
				subs = append(subs, sub{kind, i, end})
			} else if end < len(seg) && (seg[end] == '+' || seg[end] == '-') && isExponent(seg[end-1]) {
				return nil, nil, false // 1e+5 lexes in pieces
			}
		case tokString:
			if printableASCII(seg[i+1 : end-1]) {
				fillBytes(key[i+1:end-1], 'x')
				subs = append(subs, sub{kind, i, end})
			}
		case tokComment:
			if !plainComment(seg[i:end]) {
				return nil, nil, false
			}
			for j := i + 2; j < end; j++ {
				if isWordByte(seg[j]) {
					key[j] = 'x'
				}
			}
			comments = append(comments, len(subs))
			subs = append(subs, sub{kind, i, end})
		}
		i = end
	}
	// go/doc/comment turns a capitalised line standing alone between two
	// blank comment lines into a heading; leave that to gofmt.
	for n := 1; n+1 < len(comments); n++ {
		prev, cur, next := subs[comments[n-1]], subs[comments[n]], subs[comments[n+1]]
		if blankComment(seg[prev.start:prev.end]) && blankComment(seg[next.start:next.end]) &&
			!blankComment(seg[cur.start:cur.end]) {
			return nil, nil, false
		}
	}
	return key, subs, true
}

// fill writes tmpl to out with its placeholders replaced by the text of
// seg they stand for, and reports whether every placeholder of the
// template is, in order, the one the key holds for that stretch.
func fill(out *bytes.Buffer, tmpl *template, key, seg []byte, subs []sub) bool {
	if len(tmpl.holes) != len(subs) {
		return false
	}
	last := 0
	for n, h := range tmpl.holes {
		s := subs[n]
		if s.kind != h.kind {
			return false
		}
		tok, want, orig := tmpl.text[h.start:h.end], key[s.start:s.end], seg[s.start:s.end]
		if h.kind == tokComment {
			// gofmt drops a comment's trailing blanks.
			tok = bytes.TrimRight(tok, " \t")
			want = bytes.TrimRight(want, " \t")
			orig = bytes.TrimRight(orig, " \t")
		}
		if !bytes.Equal(tok, want) {
			return false
		}
		out.Write(tmpl.text[last:h.start])
		out.Write(orig)
		last = h.end
	}
	out.Write(tmpl.text[last:])
	return true
}

// splitDecls splits the declarations of a chunk into top-level
// declarations, each with its doc comment, each starting at the beginning
// of its first line so that every token keeps its column. It reports false
// when a split would change what gofmt prints between two declarations:
// only declarations gofmt separates by exactly one blank line are split,
// and a comment that is not a declaration's doc keeps the chunk whole.
func splitDecls(src []byte) ([][]byte, bool) {
	type decl struct {
		start int    // first byte of its first line
		tok   string // func, type, const, var
	}
	var decls []decl
	depth := 0
	lineStart := 0  // start of the current line
	atStart := true // nothing but blanks yet on the current line
	doc := -1       // start of the comment lines directly above, or -1
	lastEnd := -1   // end of the last token that is not a comment
	for i := 0; i < len(src); {
		kind, end := nextToken(src, i)
		text := src[i:end]
		switch {
		case kind == tokBad:
			return nil, false
		case kind == tokSpace:
			if n := bytes.Count(text, []byte("\n")); n > 0 {
				if n > 1 && doc >= 0 {
					return nil, false // a comment apart from what follows
				}
				lineStart = bytes.LastIndexByte(src[:end], '\n') + 1
				atStart = true
			}
			i = end
			continue
		case depth > 0:
			switch text[0] {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			}
		case kind == tokComment:
			if !atStart {
				return nil, false // a comment after code on its line
			}
			if doc < 0 {
				doc = lineStart
			}
		case kind == tokKeyword && atStart && isDeclKeyword(text):
			d := decl{start: lineStart, tok: string(text)}
			if doc >= 0 {
				d.start = doc
			}
			if len(decls) > 0 {
				prev := decls[len(decls)-1]
				gap := bytes.Count(src[lastEnd:d.start], []byte("\n"))
				if gap < 1 || !(doc >= 0 || d.tok != prev.tok || gap >= 2) {
					return nil, false
				}
			} else if len(bytes.TrimSpace(src[:d.start])) > 0 {
				return nil, false
			}
			decls = append(decls, d)
			doc = -1
		default:
			if len(decls) == 0 || doc >= 0 {
				return nil, false // code that is not a declaration
			}
			switch text[0] {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				return nil, false
			}
		}
		if kind != tokComment {
			lastEnd = end
		}
		atStart = false
		i = end
	}
	if len(decls) == 0 || depth != 0 || doc >= 0 {
		return nil, false
	}
	segs := make([][]byte, len(decls))
	for k, d := range decls {
		end := len(src)
		if k+1 < len(decls) {
			end = decls[k+1].start
		}
		// Blanks after the last token do not change what gofmt prints,
		// and dropping them lets two declarations share a template.
		segs[k] = bytes.TrimRight(src[d.start:end], " \t\r\n")
	}
	return segs, true
}

func isDeclKeyword(b []byte) bool {
	switch string(b) {
	case "func", "type", "const", "var":
		return true
	}
	return false
}

// tokKind is the lexical class of a stretch of Go source, as far as the
// shape cache needs it.
type tokKind uint8

const (
	tokSpace   tokKind = iota
	tokComment         // a // comment, without its newline
	tokBlock           // a /* */ comment
	tokIdent           // identifier
	tokKeyword         // keyword, kept as it is
	tokNumber          // a run of letters, digits, '_' and '.' starting with a digit
	tokString          // "..." or `...`
	tokRune            // '...'
	tokPunct           // one byte of punctuation
	tokBad             // anything else: non-ASCII code, an unterminated literal
)

// nextToken lexes the token starting at src[i] and returns its kind and
// end. It knows just enough Go for generated code: anything it cannot
// class is tokBad, which sends the declaration to go/format.
func nextToken(src []byte, i int) (tokKind, int) {
	c := src[i]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		j := i + 1
		for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\n' || src[j] == '\r') {
			j++
		}
		return tokSpace, j
	case c == '/' && i+1 < len(src) && src[i+1] == '/':
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return tokComment, len(src)
		}
		return tokComment, i + j
	case c == '/' && i+1 < len(src) && src[i+1] == '*':
		return tokBad, len(src)
	case isLetter(c):
		j := i + 1
		for j < len(src) && isWordByte(src[j]) {
			j++
		}
		if j < len(src) && src[j] >= 0x80 {
			return tokBad, len(src)
		}
		if isKeyword(src[i:j]) {
			return tokKeyword, j
		}
		return tokIdent, j
	case c >= '0' && c <= '9':
		j := i + 1
		for j < len(src) && (isWordByte(src[j]) || src[j] == '.') {
			j++
		}
		return tokNumber, j
	case c == '"':
		for j := i + 1; j < len(src); j++ {
			switch src[j] {
			case '\\':
				j++
			case '"':
				return tokString, j + 1
			case '\n':
				return tokBad, len(src)
			}
		}
		return tokBad, len(src)
	case c == '`':
		j := bytes.IndexByte(src[i+1:], '`')
		if j < 0 {
			return tokBad, len(src)
		}
		return tokString, i + 1 + j + 1
	case c == '\'':
		for j := i + 1; j < len(src); j++ {
			switch src[j] {
			case '\\':
				j++
			case '\'':
				return tokRune, j + 1
			case '\n':
				return tokBad, len(src)
			}
		}
		return tokBad, len(src)
	case c >= 0x80:
		return tokBad, len(src)
	}
	return tokPunct, i + 1
}

func isLetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isWordByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' }

func isExponent(c byte) bool { return c == 'e' || c == 'E' || c == 'p' || c == 'P' }

func isKeyword(b []byte) bool {
	switch string(b) {
	case "break", "case", "chan", "const", "continue", "default", "defer", "else",
		"fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
		"map", "package", "range", "return", "select", "struct", "switch", "type", "var":
		return true
	}
	return false
}

// plainNumber reports whether a number literal is decimal digits that
// gofmt prints as written and a placeholder of ones can stand for.
func plainNumber(b []byte) bool {
	if len(b) > 1 && b[0] == '0' {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// printableASCII reports whether b is printable ASCII without tabs: text
// gofmt copies as is and whose width is its length.
func printableASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// plainComment reports whether a // comment is one that gofmt prints as
// written, wherever it stands: "//" alone, or "// " and printable ASCII
// starting with a letter, without backquotes or doubled single quotes
// (which go/doc/comment could turn into typographic quotes). A line
// starting with anything else could be a list item, a code block, a link
// definition, a heading or a directive in a doc comment.
func plainComment(b []byte) bool {
	t := bytes.TrimRight(b[2:], " ")
	if len(t) == 0 {
		return true
	}
	if len(t) < 2 || t[0] != ' ' || !isLetter(t[1]) || t[1] == '_' {
		return false
	}
	return printableASCII(t) && bytes.IndexByte(t, '`') < 0 && !bytes.Contains(t, []byte("''"))
}

func blankComment(b []byte) bool { return len(bytes.TrimRight(b[2:], " ")) == 0 }

func fillBytes(b []byte, c byte) {
	for i := range b {
		b[i] = c
	}
}

func allBytes(b []byte, c byte) bool {
	for _, x := range b {
		if x != c {
			return false
		}
	}
	return true
}
