package generator

import (
	"bytes"
	"go/token"
	"strings"
	"unicode"
	"unicode/utf8"
)

// commonInitialisms are the words Apache Thrift's Go generator writes in
// capitals when they make up a whole underscore-separated word: "user_id"
// becomes UserID, "api_url" APIURL, "userId" stays UserId.
var commonInitialisms = map[string]bool{
	"API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true,
	"IP": true, "JSON": true, "LHS": true, "QPS": true, "RAM": true, "RHS": true,
	"RPC": true, "SLA": true, "SMTP": true, "SSH": true, "TCP": true,
	"TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "UUID": true,
	"URI": true, "URL": true, "UTF8": true, "VM": true, "XML": true,
	"XSRF": true, "XSS": true,
}

// GoName is the exported Go name Apache Thrift 0.17's Go generator gives a
// struct, field, enum, typedef, constant, service or method (its
// "publicize"), so code moving from Apache's output keeps its names:
//
//   - the first letter is upper-cased;
//   - an underscore followed by a lower-case letter is dropped and the
//     letter upper-cased; any other underscore stays ("TYPE_ORDER" and
//     "IEEE_754_TOTAL_ORDER" are kept as written, "user_ID" is User_ID);
//   - the first word, and each word that follows a dropped underscore, is
//     written in capitals when it is a common initialism ("user_id" →
//     UserID, "http_url" → HTTPURL, "Id" → ID);
//   - a name starting with "New" gets "_" appended (New... is the
//     constructor pattern), and one ending in "Args" or "Result" too
//     (those are the generated argument and result structs).
//
// Where Apache's name would not be an exported identifier, thriftsec
// differs on purpose: leading underscores are dropped ("_private" →
// Private; Apache writes _private, which other packages cannot use) and a
// name that would not start with a letter gets an "X" in front.
func GoName(name string) string {
	return goName(name, false)
}

// argsResultName is the Go name Apache gives the argument or result struct
// of a method: GoName of the service, then the name of "method_args" or
// "method_result" without the Args/Result rule.
func argsResultName(service, structName string) string {
	return GoName(service) + goName(structName, true)
}

func goName(name string, argsOrResult bool) string {
	name = strings.TrimLeft(name, "_")
	if name == "" || !isASCIILetter(name[0]) {
		return "X" + name
	}
	b := []byte(name)
	b[0] = upper(b[0])
	b = fixInitialism(b, 0)
	for i := 1; i < len(b)-1; i++ {
		if b[i] != '_' {
			continue
		}
		if isLower(b[i+1]) {
			b = append(b[:i], append([]byte{upper(b[i+1])}, b[i+2:]...)...)
		}
		b = fixInitialism(b, i)
	}
	s := string(b)
	n := len(s)
	if strings.HasPrefix(s, "New") {
		s += "_"
	}
	if !argsOrResult && (strings.HasSuffix(s[:n], "Args") || strings.HasSuffix(s[:n], "Result")) {
		s += "_"
	}
	return s
}

// fixInitialism writes the word starting at i (up to the next underscore)
// in capitals when it is a common initialism.
func fixInitialism(b []byte, i int) []byte {
	end := len(b)
	if j := bytes.IndexByte(b[i:], '_'); j >= 0 {
		end = i + j
	}
	if word := strings.ToUpper(string(b[i:end])); commonInitialisms[word] {
		copy(b[i:end], word)
	}
	return b
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isLower(c byte) bool       { return 'a' <= c && c <= 'z' }

func upper(c byte) byte {
	if isLower(c) {
		return c - 'a' + 'A'
	}
	return c
}

// ParamName is the Go name of a function argument: as written in the IDL,
// as Apache's Go generator keeps it, except that a Go keyword (or
// "error"), compared case-insensitively, becomes its lower-case form plus
// "_a1", as Apache writes it ("type" → type_a1). thriftsec differs where
// Apache's code would not compile or would break the generated body:
// "package" gets "_a1" too (Apache keeps it), and a name the generated code
// itself uses (ctx, err, the imported packages' names, Go's predeclared
// identifiers) gets "_" appended.
func ParamName(name string) string {
	if low := strings.ToLower(name); token.IsKeyword(low) || low == "error" {
		return low + "_a1"
	}
	if reservedLocals[name] || predeclared[name] {
		return name + "_"
	}
	return name
}

// predeclared are Go's predeclared identifiers and the names of the
// packages generated code imports: a parameter must not shadow them.
var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true,
	"complex128": true, "float32": true, "float64": true, "int": true, "int8": true,
	"int16": true, "int32": true, "int64": true, "rune": true, "string": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"uintptr": true, "true": true, "false": true, "iota": true, "nil": true,
	"append": true, "cap": true, "clear": true, "close": true, "complex": true,
	"copy": true, "delete": true, "imag": true, "len": true, "make": true,
	"max": true, "min": true, "new": true, "panic": true, "print": true,
	"println": true, "real": true, "recover": true,
	"context": true, "errors": true, "fmt": true, "strconv": true, "runtime": true,
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
