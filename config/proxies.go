package config

import (
	"flag"
	"fmt"
	"net/netip"
	"strings"
)

// -trusted-proxies: the peers whose X-Forwarded-For and X-Real-IP headers
// the server believes. Every other peer's are ignored, since any client
// can send them.

// registerProxyFlags binds -trusted-proxies to fs.
func (c *Server) registerProxyFlags(fs *flag.FlagSet) {
	fs.Func("trusted-proxies", "comma-separated addresses and CIDRs (10.0.0.0/8, 192.0.2.7) of proxies in front of the server: a connection from one of them counts as from the client address its X-Forwarded-For or X-Real-IP names (per-address limits, bans, logs), and is not itself charged against -max-conns-per-ip when accepted; any other peer's such headers are ignored", func(v string) error {
		p, err := ParseTrustedProxies(v)
		if err != nil {
			return err
		}
		c.TrustedProxies = p
		return nil
	})
}

// ParseTrustedProxies reads a -trusted-proxies list: comma-separated
// addresses (a /32 or /128) and CIDRs. Empty entries are skipped; an
// IPv4-mapped IPv6 prefix is taken as the IPv4 one it maps.
func ParseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, entry := range strings.Split(v, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		p, err := parseProxy(entry)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// parseProxy reads one -trusted-proxies entry.
func parseProxy(entry string) (netip.Prefix, error) {
	bad := fmt.Errorf("%q is not an IP address or CIDR: use addresses and networks like 192.0.2.7, 10.0.0.0/8 or fd00::/8, comma-separated", entry)
	if !strings.Contains(entry, "/") {
		ip, err := netip.ParseAddr(entry)
		if err != nil || ip.Zone() != "" {
			return netip.Prefix{}, bad
		}
		ip = ip.Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), nil
	}
	p, err := netip.ParsePrefix(entry)
	if err != nil {
		return netip.Prefix{}, bad
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped network needs at least /96", entry)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}
