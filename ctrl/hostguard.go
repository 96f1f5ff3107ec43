package ctrl

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
)

// The Host check against DNS rebinding. A page on an attacker's name
// (evil.example) whose DNS then answers with this server's address is,
// for the browser, same-origin with whatever it reaches there: it may read
// every answer and open /ws with Origin and Host both evil.example. Such a
// request can only carry the attacker's name as its Host, so the server
// answers only to its own names: loopback ones (localhost, 127.0.0.0/8,
// ::1), IP addresses (no DNS is involved in reaching one) and
// -public-names. A server listening beyond loopback with no -public-names
// answers to every name, as before: it is reachable without rebinding.

// HostGuard refuses requests whose Host is not one of the server's names
// with 421 and a reason, logs them (sampled per address) and counts them.
// One guard may wrap several listeners' handlers (Wrap).
type HostGuard struct {
	log     logrus.FieldLogger
	sampler *logSampler
	proxies proxies
	refused atomic.Uint64
}

// NewHostGuard returns a guard that logs to log, with the client address
// that trusted (-trusted-proxies) forward.
func NewHostGuard(log logrus.FieldLogger, trusted []netip.Prefix) *HostGuard {
	return &HostGuard{log: log, proxies: proxies(trusted), sampler: newLogSampler(logsPerAddr, logPeriod)} // sampled like every line clients cause (clientlog.go)
}

// Refused is how many requests the guard has refused.
func (g *HostGuard) Refused() uint64 { return g.refused.Load() }

// Wrap returns next behind the Host check for a listener on listenAddr
// (host:port, as given to net.Listen) answering to names besides the
// loopback ones and IP addresses; names of "*" accept any.
func (g *HostGuard) Wrap(listenAddr string, names []string, next http.Handler) http.Handler {
	if slices.Contains(names, "*") || (len(names) == 0 && !IsLoopbackListen(listenAddr)) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if knownHost(r.Host, names) {
			next.ServeHTTP(w, r)
			return
		}
		g.refuse(w, r)
	})
}

// knownHost says whether the request's Host is one of the names: empty
// (an HTTP/1.0 client without one), a loopback name, an IP address, or
// one of names, whatever the port.
func knownHost(hostport string, names []string) bool {
	if hostport == "" {
		return true
	}
	a, ok := parseAuthority(hostport, "http")
	return ok && (isLoopbackName(a.host) || isIP(a.host) || slices.Contains(names, a.host))
}

// refuse answers a request for an unknown Host, and logs and counts it.
func (g *HostGuard) refuse(w http.ResponseWriter, r *http.Request) {
	g.refused.Add(1)
	if ok, suppressed := g.sampler.allow(g.proxies.clientIP(r), time.Now()); ok {
		fields := logrus.Fields{"remote": g.proxies.remote(r), "host": clip(r.Host), "path": clip(r.URL.Path), "status": http.StatusMisdirectedRequest}
		if suppressed > 0 {
			fields["suppressed"] = suppressed
		}
		g.log.WithFields(fields).Info("request refused: unknown host name")
	}
	http.Error(w, fmt.Sprintf(config.RefuseHost, clip(r.Host)), http.StatusMisdirectedRequest)
}

// IsLoopbackListen says whether a listen address (host:port, as given to
// net.Listen) accepts connections from this machine only: its host is
// localhost or a loopback address. An empty host (all interfaces) is not.
func IsLoopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return isLoopbackName(host)
}
