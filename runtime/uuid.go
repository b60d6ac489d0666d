package runtime

import "errors"

// UUID is a Thrift uuid (Thrift 0.19+): 16 bytes in the big-endian order of
// RFC 9562, written to the wire as they are.
type UUID [16]byte

const hexDigits = "0123456789abcdef"

// String returns the canonical form, 8-4-4-4-12 lower-case hex digits.
func (u UUID) String() string {
	var b [36]byte
	u.appendTo(b[:0])
	return string(b[:])
}

func (u UUID) appendTo(b []byte) []byte {
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// errUUID is returned for text that is not a UUID; it does not quote the
// input, which may be long or hostile.
var errUUID = errors.New("thrift: invalid UUID: want 8-4-4-4-12 hex digits")

// ParseUUID parses the canonical 36-character form, in upper or lower case,
// also accepted inside braces ("{...}") or after "urn:uuid:", the two other
// spellings in common use.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	switch {
	case len(s) == 38 && s[0] == '{' && s[37] == '}':
		s = s[1:37]
	case len(s) == 45 && equalFold(s[:9], "urn:uuid:"):
		s = s[9:]
	}
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return UUID{}, errUUID
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i-- // step over the dash: the next pair starts one later
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return UUID{}, errUUID
		}
		u[j] = hi<<4 | lo
		j++
	}
	return u, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func equalFold(a, b string) bool {
	for i := range len(a) {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// MarshalText returns the canonical form, so UUIDs read naturally in JSON
// and other text encodings.
func (u UUID) MarshalText() ([]byte, error) {
	return u.appendTo(make([]byte, 0, 36)), nil
}

// UnmarshalText parses any form ParseUUID accepts.
func (u *UUID) UnmarshalText(b []byte) error {
	v, err := ParseUUID(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}
