package chatserver

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"chatroom/ctrl"
)

// What wraps every route of the chat port: the Host check against DNS
// rebinding (ctrl.HostGuard, counted in /metrics) and, under TLS, HSTS.

// exposed is h behind the Host check for -addr and -public-names, with
// the HSTS header on every answer when serving TLS.
func (n *node) exposed(h http.Handler) http.Handler {
	h = n.hosts.Wrap(n.cfg.Addr, n.cfg.PublicNames, h)
	if n.tls == nil || n.cfg.HSTSMaxAge <= 0 {
		return h
	}
	hsts := "max-age=" + strconv.FormatInt(int64(n.cfg.HSTSMaxAge.Seconds()), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hsts)
		h.ServeHTTP(w, r)
	})
}

// guard is the Host check for a private listener on addr (pprof, metrics):
// on loopback, loopback names only, against DNS rebinding; elsewhere any
// name, for scrapers that use the machine's. The chat's -public-names are
// not this listener's names, so names is nil.
func (n *node) guard(addr string, names []string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler { return n.hosts.Wrap(addr, names, h) }
}

// countHosts puts the guard's refusals on /metrics.
func (m *metrics) countHosts(g *ctrl.HostGuard) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "chatroom_host_refused_total",
		Help: "Requests refused with 421 because their Host is not one of the server's names (DNS rebinding; see -public-names).",
	}, func() float64 { return float64(g.Refused()) }))
}
