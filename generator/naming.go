package generator

import (
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"
)

// commonInitialisms are the words written in capitals in Go identifiers, as
// golint lists them and as Apache Thrift's Go generator applies them: a
// field "user_id" becomes UserID and "api_url" becomes APIURL.
var commonInitialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true,
	"IP": true, "JSON": true, "LHS": true, "QPS": true, "RAM": true, "RHS": true,
	"RPC": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "TCP": true,
	"TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "UUID": true,
	"URI": true, "URL": true, "UTF8": true, "VM": true, "XML": true, "XMPP": true,
	"XSRF": true, "XSS": true,
}

// CamelCase turns an IDL name into an exported Go name: underscore-separated
// parts are capitalized and joined, and a part that is a common initialism
// is written in capitals ("user_id" → "UserID", "userId" → "UserId",
// "_private" → "Private"). A name that would start with a digit, or is
// empty, gets an "X" in front.
func CamelCase(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part == "" {
			continue
		}
		if up := strings.ToUpper(part); commonInitialisms[up] {
			b.WriteString(up)
			continue
		}
		r, size := utf8.DecodeRuneInString(part)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(part[size:])
	}
	s := b.String()
	if s == "" || !unicode.IsLetter(firstRune(s)) {
		s = "X" + s
	}
	return s
}

// Exported keeps an IDL name as written but makes it exported
// ("MAX_ITEMS" stays, "maxItems" → "MaxItems"), the way Apache names
// constants.
func Exported(name string) string {
	name = strings.TrimLeft(name, "_")
	if name == "" || !unicode.IsLetter(firstRune(name)) {
		return "X" + name
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[size:]
}

// LowerCamel turns an IDL name into an unexported Go name for parameters
// and locals ("user_id" → "userID", "ID" → "id"); Go keywords and the names
// generated code itself uses get a "_" appended.
func LowerCamel(name string) string {
	s := CamelCase(name)
	// Lower the leading run of capitals, but keep the capital that starts
	// the next word: "HTTPServer" → "httpServer", "UserID" → "userID".
	runes := []rune(s)
	i := 0
	for i < len(runes) && unicode.IsUpper(runes[i]) {
		i++
	}
	switch {
	case i == len(runes):
		s = strings.ToLower(s)
	case i > 1:
		s = strings.ToLower(string(runes[:i-1])) + string(runes[i-1:])
	default:
		s = string(unicode.ToLower(runes[0])) + string(runes[1:])
	}
	if token.IsKeyword(s) || reservedLocals[s] {
		s += "_"
	}
	return s
}

// reservedLocals are identifiers generated method bodies use; parameters
// must not shadow them.
var reservedLocals = map[string]bool{
	"ctx": true, "p": true, "c": true, "e": true, "d": true, "err": true,
	"args": true, "result": true, "h": true, "r": true, "in": true,
}

// PackageName turns the last part of a Go namespace or a file name into a
// package name: lower case, letters, digits and underscores only, not a
// keyword.
func PackageName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	name := strings.TrimLeft(b.String(), "_")
	if name == "" || !unicode.IsLetter(firstRune(name)) {
		name = "x" + name
	}
	if token.IsKeyword(name) {
		name += "_"
	}
	return name
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// scope hands out unique names: a name already taken gets "_" appended
// until it is free. The rule is part of the generated API, so it never
// changes: the first definition in source order keeps its name.
type scope map[string]bool

func (s scope) claim(name string) string {
	for s[name] {
		name += "_"
	}
	s[name] = true
	return name
}
