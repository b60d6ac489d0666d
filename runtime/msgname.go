package runtime

import "encoding/binary"

// A connection's messages nearly always name the same few methods, so a
// Decoder keeps the last few names it read from message headers and hands
// out the kept string when the bytes match, rather than allocating the
// name again for every call (on the server for each request, on the client
// for each reply). Only short names are kept, so a Decoder never pins more
// than namesKept × maxKeptName bytes whatever its peer sends.
const (
	namesKept   = 4
	maxKeptName = 64
)

// nameCache is the Decoder's kept message names, replaced round-robin.
type nameCache struct {
	names [namesKept]string
	next  uint8
}

// readMessageName reads a message header's name like ReadString, reusing
// a kept string when the name is one of the last few read.
func (d *Decoder) readMessageName() (string, error) {
	if p := d.pos; p >= 0 && p+4 <= len(d.buf) {
		n := int(int32(binary.BigEndian.Uint32(d.buf[p:])))
		p += 4
		if n >= 0 && n <= maxKeptName && n <= len(d.buf)-p && n <= d.lim.MaxStringLength {
			b := d.buf[p : p+n]
			d.pos = p + n
			for _, s := range d.names.names {
				if s == string(b) { // compared without a conversion
					return s, nil
				}
			}
			s := string(b)
			d.names.names[d.names.next%namesKept] = s
			d.names.next++
			return s, nil
		}
	}
	return d.ReadString()
}
