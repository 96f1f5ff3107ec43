package ctrl

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// How a request's Host and a page's Origin name a server: an authority, a
// host and a port, compared after normalising (lower case, no trailing
// dot, the scheme's default port made explicit), so that
// http://Chat.example.com and chat.example.com:80 are the same and
// https://chat.example.com is not.

// authority is a host and its port, normalised.
type authority struct{ host, port string }

// defaultPort is the port a URL of scheme means when it names none.
func defaultPort(scheme string) string {
	if scheme == "https" || scheme == "wss" {
		return "443"
	}
	return "80"
}

// parseAuthority reads hostport (host, host:port, [v6] or [v6]:port) as
// an authority of a URL of scheme; false if it is none.
func parseAuthority(hostport, scheme string) (authority, bool) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port (or a malformed one, which the host check below refuses).
		host, port = hostport, defaultPort(scheme)
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		}
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || strings.ContainsAny(host, "[]/@?#% ") || (strings.Contains(host, ":") && !isIP(host)) {
		return authority{}, false
	}
	if port == "" {
		port = defaultPort(scheme)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return authority{}, false
	}
	return authority{host, strconv.FormatUint(n, 10)}, true
}

// isIP says whether host is an IP address (an IPv6 zone is not allowed).
func isIP(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == ""
}

// isLoopbackName says whether host names this machine whatever any DNS
// says: localhost or a loopback address (127.0.0.0/8, ::1).
func isLoopbackName(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
