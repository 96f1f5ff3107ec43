package ctrl

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Who a request comes from behind a proxy (-trusted-proxies). A request
// whose TCP peer is a trusted proxy comes from the client its
// X-Forwarded-For names, or, without one, its X-Real-IP; a request from
// any other peer comes from that peer, whatever headers it sends (any
// client can write them).
//
// X-Forwarded-For is read from the right, where each proxy appends the
// address it was connected from: every address there that is itself a
// trusted proxy is passed over, and the first that is not is the client.
// Entries are trusted only as far as the proxies that wrote them are:
// walking stops at the first entry that is not an address (garbage,
// "unknown", an obfuscated name), and the client is then the last trusted hop
// read, the one that passed the garbage on (the peer itself when the
// rightmost entry is garbage). Addresses to the left of the client are
// never read: the client wrote them. When every entry is a trusted proxy
// the leftmost is the client. X-Real-IP holds one address; when it is not
// one, the client is the peer.

// maxForwardedHops bounds how many X-Forwarded-For entries are read (the
// header is bounded by -max-header-bytes anyway): a chain of proxies this
// long is not a real one, and its client is the last hop read.
const maxForwardedHops = 32

// proxies are the trusted proxies' networks; empty trusts none.
type proxies []netip.Prefix

// trusts says whether ip is one of the trusted proxies.
func (p proxies) trusts(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, n := range p {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// trustsPeer says whether a connection's remote address is a trusted proxy.
func (p proxies) trustsPeer(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && len(p) > 0 && p.trusts(tcp.AddrPort().Addr())
}

// client is the address r comes from (unmapped, not yet cut to a /64),
// and whether a trusted proxy's header named it. The zero Addr when the
// peer is not ip:port and so cannot be trusted either.
func (p proxies) client(r *http.Request) (ip netip.Addr, forwarded bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	peer := ap.Addr().Unmap().WithZone("")
	if len(p) == 0 || !p.trusts(peer) {
		return peer, false
	}
	if xff := r.Header.Values("X-Forwarded-For"); hasEntries(xff) {
		ip = p.walk(xff, peer)
	} else if real, ok := parseHop(r.Header.Get("X-Real-IP")); ok {
		ip = real
	} else {
		ip = peer
	}
	return ip, ip != peer
}

// clientIP is Server.clientIP under these proxies.
func (p proxies) clientIP(r *http.Request) netip.Addr {
	ip, _ := p.client(r)
	return addrKey(ip)
}

// remote is Server.remote under these proxies.
func (p proxies) remote(r *http.Request) string {
	if ip, forwarded := p.client(r); forwarded {
		return ip.String() + " via " + r.RemoteAddr
	}
	return r.RemoteAddr
}

// hasEntries says whether the X-Forwarded-For lines say anything at all:
// a header that is there but blank counts as absent.
func hasEntries(lines []string) bool {
	for _, l := range lines {
		if strings.Trim(l, " \t,") != "" {
			return true
		}
	}
	return false
}

// walk reads X-Forwarded-For from the right (its last line first) and
// returns the client, as the package comment says; last is the trusted
// hop before the header's rightmost entry: the peer. Empty entries
// ("a, , b") are skipped, as RFC 9110 5.6.1 asks of lists.
func (p proxies) walk(lines []string, last netip.Addr) netip.Addr {
	hops := 0
	for i := len(lines) - 1; i >= 0; i-- {
		entries := strings.Split(lines[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			entry := strings.TrimSpace(entries[j])
			if entry == "" {
				continue
			}
			hops++
			ip, ok := parseHop(entry)
			switch {
			case !ok || hops > maxForwardedHops:
				return last
			case !p.trusts(ip):
				return ip
			}
			last = ip
		}
	}
	return last
}

// parseHop reads one forwarded address: an IPv4 or IPv6 address, with
// or without a port (1.2.3.4:5678, [2001:db8::1]:5678) or brackets, with
// spaces around. A zone is dropped, an IPv4-mapped address unmapped.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}
