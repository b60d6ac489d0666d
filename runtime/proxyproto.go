package runtime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// The PROXY protocol (HAProxy's, versions 1 and 2) lets a load balancer
// that passes TLS through in TCP mode tell the server who the client is:
// the balancer writes one header before the client's bytes. This file
// reads that header, bounded in size and (by the connection's first-wait
// deadline) in time. It is written here rather than imported because it
// is small, because the server must read it in the connection's own
// goroutine (never in the accept loop, where a slow peer would stall every
// other), and because the root module stays free of dependencies;
// FuzzProxyHeader checks that no input makes it panic or over-read.

// proxyV2Sig starts every version 2 header.
var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// Bounds on a header: version 1 is at most 107 bytes by its spec; version
// 2 may carry TLVs after the addresses, which are read and dropped, up to
// maxProxyV2Len.
const (
	maxProxyV1Len = 107
	maxProxyV2Len = 4 << 10
)

var errNotProxy = errors.New("thrift: connection from a trusted proxy did not start with a PROXY protocol header")

// looksLikeProxyHeader reports whether b, the first byte of a connection,
// can start a PROXY header. Neither a TLS record (0x16) nor a Thrift
// message (framed, strict or not, within any sane size) starts so.
func looksLikeProxyHeader(b byte) bool { return b == proxyV2Sig[0] || b == 'P' }

// readProxyHeader reads a PROXY header from r and returns the client's
// address, or an invalid netip.AddrPort for a header that names none (v2
// LOCAL, as a balancer's health check sends; v1 UNKNOWN; non-IP
// families), in which case the connection's own address stands.
func readProxyHeader(r io.Reader) (netip.AddrPort, error) {
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil {
		return netip.AddrPort{}, err
	}
	switch first[0] {
	case proxyV2Sig[0]:
		return readProxyV2(r)
	case 'P':
		return readProxyV1(r)
	}
	return netip.AddrPort{}, errNotProxy
}

func readProxyV2(r io.Reader) (netip.AddrPort, error) {
	var h [16]byte
	h[0] = proxyV2Sig[0]
	if _, err := io.ReadFull(r, h[1:]); err != nil {
		return netip.AddrPort{}, proxyErr("version 2 header cut short", err)
	}
	if !bytes.Equal(h[:12], proxyV2Sig) {
		return netip.AddrPort{}, errNotProxy
	}
	if h[12]>>4 != 2 {
		return netip.AddrPort{}, proxyErr("version "+strconv.Itoa(int(h[12]>>4))+" is not 2", nil)
	}
	cmd, family, n := h[12]&0xf, h[13]>>4, int(binary.BigEndian.Uint16(h[14:]))
	if n > maxProxyV2Len {
		return netip.AddrPort{}, proxyErr("version 2 header of "+strconv.Itoa(n)+" bytes exceeds "+strconv.Itoa(maxProxyV2Len), nil)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return netip.AddrPort{}, proxyErr("version 2 addresses cut short", err)
	}
	switch cmd {
	case 0: // LOCAL: the balancer's own connection
		return netip.AddrPort{}, nil
	case 1: // PROXY
	default:
		return netip.AddrPort{}, proxyErr("unknown version 2 command "+strconv.Itoa(int(cmd)), nil)
	}
	switch family {
	case 1: // AF_INET: src, dst, src port, dst port
		if n < 12 {
			return netip.AddrPort{}, proxyErr("version 2 IPv4 addresses cut short", nil)
		}
		ip := netip.AddrFrom4([4]byte(body[0:4]))
		return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(body[8:10])), nil
	case 2: // AF_INET6
		if n < 36 {
			return netip.AddrPort{}, proxyErr("version 2 IPv6 addresses cut short", nil)
		}
		ip := netip.AddrFrom16([16]byte(body[0:16])).Unmap()
		return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(body[32:34])), nil
	}
	return netip.AddrPort{}, nil // AF_UNSPEC or AF_UNIX: no IP to report
}

// readProxyV1 reads "PROXY TCP4 src dst sport dport\r\n" (the 'P' read).
func readProxyV1(r io.Reader) (netip.AddrPort, error) {
	line := make([]byte, 1, maxProxyV1Len)
	line[0] = 'P'
	var b [1]byte
	for {
		if len(line) == maxProxyV1Len {
			return netip.AddrPort{}, proxyErr("version 1 header longer than 107 bytes", nil)
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return netip.AddrPort{}, proxyErr("version 1 header cut short", err)
		}
		line = append(line, b[0])
		if b[0] == '\n' {
			break
		}
	}
	s, ok := strings.CutSuffix(string(line), "\r\n")
	if !ok {
		return netip.AddrPort{}, proxyErr("version 1 header does not end in CRLF", nil)
	}
	f := strings.Split(s, " ")
	if f[0] != "PROXY" || len(f) < 2 {
		return netip.AddrPort{}, errNotProxy
	}
	if f[1] == "UNKNOWN" {
		return netip.AddrPort{}, nil
	}
	if len(f) != 6 || (f[1] != "TCP4" && f[1] != "TCP6") {
		return netip.AddrPort{}, proxyErr("malformed version 1 header", nil)
	}
	ip, err := netip.ParseAddr(f[2])
	if err != nil || ip.Is4() != (f[1] == "TCP4") {
		return netip.AddrPort{}, proxyErr("bad source address in version 1 header", nil)
	}
	port, err := strconv.ParseUint(f[4], 10, 16)
	if err != nil {
		return netip.AddrPort{}, proxyErr("bad source port in version 1 header", nil)
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
}

func proxyErr(msg string, cause error) error {
	if errors.Is(cause, io.EOF) {
		cause = io.ErrUnexpectedEOF
	}
	if cause != nil {
		return errors.New("thrift: PROXY protocol: " + msg + ": " + cause.Error())
	}
	return errors.New("thrift: PROXY protocol: " + msg)
}

// trusted reports whether addr is one of the proxies in list.
func trusted(list []netip.Prefix, addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || len(list) == 0 {
		return false
	}
	ip, ok := netip.AddrFromSlice(tcp.IP)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	for _, p := range list {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// prefixConn replays bytes already read from a connection before the rest.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// proxiedAddr is the client's address as a PROXY header gave it.
func proxiedAddr(ap netip.AddrPort) net.Addr { return net.TCPAddrFromAddrPort(ap) }
