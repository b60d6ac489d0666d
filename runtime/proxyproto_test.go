package runtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// proxyV2 builds a version 2 PROXY header for src → dst.
func proxyV2(src, dst netip.AddrPort, tlvs []byte) []byte {
	b := append([]byte(nil), proxyV2Sig...)
	var addrs []byte
	fam := byte(0x11)
	if src.Addr().Is6() {
		fam = 0x21
		a, d := src.Addr().As16(), dst.Addr().As16()
		addrs = append(append(addrs, a[:]...), d[:]...)
	} else {
		a, d := src.Addr().As4(), dst.Addr().As4()
		addrs = append(append(addrs, a[:]...), d[:]...)
	}
	addrs = binary.BigEndian.AppendUint16(addrs, src.Port())
	addrs = binary.BigEndian.AppendUint16(addrs, dst.Port())
	addrs = append(addrs, tlvs...)
	b = append(b, 0x21, fam)
	b = binary.BigEndian.AppendUint16(b, uint16(len(addrs)))
	return append(b, addrs...)
}

func TestReadProxyHeader(t *testing.T) {
	src4, dst4 := netip.MustParseAddrPort("203.0.113.9:40000"), netip.MustParseAddrPort("10.0.0.1:9090")
	src6, dst6 := netip.MustParseAddrPort("[2001:db8::7]:5000"), netip.MustParseAddrPort("[2001:db8::1]:9090")
	local := append(append([]byte(nil), proxyV2Sig...), 0x20, 0x00, 0, 0)
	for _, tc := range []struct {
		name    string
		in      []byte
		want    netip.AddrPort // invalid: none
		wantErr string
	}{
		{"v2 IPv4", proxyV2(src4, dst4, nil), src4, ""},
		{"v2 IPv6 with TLVs", proxyV2(src6, dst6, []byte{0x04, 0, 1, 'x'}), src6, ""},
		{"v2 LOCAL", local, netip.AddrPort{}, ""},
		{"v1 TCP4", []byte("PROXY TCP4 203.0.113.9 10.0.0.1 40000 9090\r\n"), src4, ""},
		{"v1 TCP6", []byte("PROXY TCP6 2001:db8::7 2001:db8::1 5000 9090\r\n"), src6, ""},
		{"v1 UNKNOWN", []byte("PROXY UNKNOWN\r\n"), netip.AddrPort{}, ""},
		{"v1 too long", []byte("PROXY TCP4 " + strings.Repeat("1", 200)), netip.AddrPort{}, "longer than 107"},
		{"v1 family mismatch", []byte("PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n"), netip.AddrPort{}, "bad source address"},
		{"v2 cut short", proxyV2(src4, dst4, nil)[:20], netip.AddrPort{}, "cut short"},
		{"v2 oversized", append(append(append([]byte(nil), proxyV2Sig...), 0x21, 0x11), 0xff, 0xff), netip.AddrPort{}, "exceeds"},
		{"v2 bad version", append(append(append([]byte(nil), proxyV2Sig...), 0x31, 0x11), 0, 0), netip.AddrPort{}, "is not 2"},
		{"TLS instead", []byte{0x16, 3, 1, 0, 5}, netip.AddrPort{}, "did not start with a PROXY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bytes.NewReader(append(tc.in, "REST"...))
			got, err := readProxyHeader(r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			if r.Len() != 4 {
				t.Fatalf("read %d bytes past the header", 4-r.Len())
			}
		})
	}
}

// FuzzProxyHeader: no input makes the header reader panic, read more than
// a header's bound, or report an invalid address without an error.
func FuzzProxyHeader(f *testing.F) {
	f.Add(proxyV2(netip.MustParseAddrPort("203.0.113.9:1"), netip.MustParseAddrPort("10.0.0.1:2"), nil))
	f.Add([]byte("PROXY TCP4 203.0.113.9 10.0.0.1 40000 9090\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		_, _ = readProxyHeader(r)
		if read := len(in) - r.Len(); read > 16+maxProxyV2Len {
			t.Fatalf("read %d bytes", read)
		}
	})
}

// TestTrustedProxy serves with 127.0.0.1 as a trusted proxy: the address
// in its PROXY header reaches handlers; a connection without a header is
// refused. A server that trusts no loopback proxy refuses a header.
func TestTrustedProxy(t *testing.T) {
	seen := make(chan string, 4)
	capture := func(ctx context.Context, info *CallInfo, args Struct, next ServerHandler) (Struct, error) {
		seen <- info.Peer.Addr.String()
		return next(ctx, args)
	}
	ts := startServer(t, secTLS, Framed, func(s *Server) {
		s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		s.Interceptors = []ServerInterceptor{capture}
	})
	client := netip.MustParseAddrPort("203.0.113.9:40000")
	dialVia := func(addr string, header []byte) (*Client, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		return Dial(ctx, addr, WithTLS(getPKI(t).clientTLS), WithLogger(testLogger()), WithDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err == nil && header != nil {
				_, err = c.Write(header)
			}
			return c, err
		}))
	}
	c, err := dialVia(ts.addr, proxyV2(client, netip.MustParseAddrPort("127.0.0.1:1"), nil))
	if err != nil {
		t.Fatal(err)
	}
	add(t, c, 1, 2)
	c.Close()
	if got := <-seen; got != client.String() {
		t.Fatalf("handler saw %s, want %s", got, client)
	}
	if _, err := dialVia(ts.addr, nil); err == nil {
		t.Fatal("a trusted proxy's connection without a header was served")
	}

	var logBuf lockedBuffer
	other := startServer(t, secTLS, Framed, func(s *Server) {
		s.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
		s.Logger = newTextLogger(&logBuf)
	})
	if _, err := dialVia(other.addr, proxyV2(client, netip.MustParseAddrPort("127.0.0.1:1"), nil)); err == nil {
		t.Fatal("a PROXY header from an untrusted source was accepted")
	}
	waitFor(t, "the refusal to be logged", func() bool { return strings.Contains(logBuf.String(), "not in TrustedProxies") })
	c, err = dialVia(other.addr, nil)
	if err != nil {
		t.Fatalf("a plain client of a server with TrustedProxies: %v", err)
	}
	add(t, c, 3, 4)
	c.Close()
}
