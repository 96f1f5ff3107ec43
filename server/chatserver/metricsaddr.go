package chatserver

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// /metrics has a listener of its own, -metrics-addr, apart from the chat
// port: what it shows (connections, open files and their limit, refusals)
// is a map for an attacker, so it is not served where users connect, and
// not at all unless asked for.

// startMetrics serves /metrics on -metrics-addr, if set, and logs its URL
// with the port the listener got.
func (n *node) startMetrics() error {
	if n.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", n.cfg.MetricsAddr)
	if err != nil {
		return failed{fmt.Sprintf("cannot serve metrics on %s", n.cfg.MetricsAddr), err}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.metrics.handler())
	n.scrapes = &http.Server{
		Handler:           n.guard(n.cfg.MetricsAddr, nil)(mux),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      n.cfg.WriteTimeout,
		IdleTimeout:       n.cfg.HTTPIdleTimeout,
	}
	go n.scrapes.Serve(ln)
	n.log.WithField("url", "http://"+ln.Addr().String()+"/metrics").Info("metrics listening")
	return nil
}
