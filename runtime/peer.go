package runtime

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
)

// Peer describes the other end of a server connection, as established
// before the first call on it: its address and, over TLS, what the
// handshake proved.
//
// Only verified identities are filled in: Certificate, SPIFFEID, DNSNames
// and URIs come from the leaf of a chain the server verified against its
// client CAs (ClientAuth VerifyClientCertIfGiven or
// RequireAndVerifyClientCert). A certificate the client merely presented is
// visible in TLS.PeerCertificates but not here, so a handler that checks
// Peer.SPIFFEID cannot be fooled by a self-signed certificate.
type Peer struct {
	// Addr is the remote network address.
	Addr net.Addr
	// TLS is the state of the TLS connection; nil for plaintext.
	TLS *tls.ConnectionState
	// Certificate is the verified client certificate, or nil.
	Certificate *x509.Certificate
	// SPIFFEID is the first spiffe:// URI SAN of Certificate, or "".
	SPIFFEID string
	// DNSNames are the DNS SANs of Certificate.
	DNSNames []string
	// URIs are the URI SANs of Certificate.
	URIs []*url.URL
	// Unix is, for a connection over a Unix domain socket on Linux, the
	// client process's pid, uid and gid as the kernel recorded them at
	// connect (SO_PEERCRED): an identity the client cannot forge, for
	// authorizing local callers. Nil otherwise.
	Unix *UnixCred
}

// newPeer builds the peer of a connection; state is nil for plaintext.
func newPeer(addr net.Addr, state *tls.ConnectionState) *Peer {
	p := &Peer{Addr: addr, TLS: state}
	if state == nil || len(state.VerifiedChains) == 0 || len(state.VerifiedChains[0]) == 0 {
		return p
	}
	leaf := state.VerifiedChains[0][0]
	p.Certificate = leaf
	p.DNSNames = leaf.DNSNames
	p.URIs = leaf.URIs
	for _, u := range leaf.URIs {
		if u.Scheme == "spiffe" {
			p.SPIFFEID = u.String()
			break
		}
	}
	return p
}

// peerKey is the context key of the *Peer.
type peerKey struct{}

// withPeer returns ctx carrying p.
func withPeer(ctx context.Context, p *Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerFromContext returns the peer of the connection a call arrived on. The
// server puts it in the context of every handler and interceptor; it is
// absent elsewhere (for example on the client side).
func PeerFromContext(ctx context.Context) (*Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(*Peer)
	return p, ok && p != nil
}

// dialAddr is the address a client dialled, as a net.Addr for the Peer in
// client-side CallInfo.
type dialAddr string

// Network is "unix" for a "unix:" address, else "tcp".
func (a dialAddr) Network() string {
	if _, ok := unixPath(string(a)); ok {
		return "unix"
	}
	return "tcp"
}

// String returns the address as given to Dial.
func (a dialAddr) String() string { return string(a) }
