package chatserver

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// /metrics has a listener of its own, -metrics-addr, apart from the chat
// port: what it shows (connections, open files and their limit, refusals)
// is a map for an attacker, so it is not served where users connect, and
// not at all unless asked for. It and pprof's listener (-debug-addr) are
// the operator's: each holds a few connections at most, however many are
// offered, so that a client that reaches one anyway cannot spend the
// process's open files there.

// maxPrivateConns is how many connections an operator's listener serves at
// once; more wait in the listen queue.
const maxPrivateConns = 16

// listenPrivate listens on addr for an operator's endpoint.
func listenPrivate(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return netutil.LimitListener(ln, maxPrivateConns), nil
}

// privateServer serves h on an operator's listener: short header reads,
// small headers, no write timeout (a CPU profile takes 30 s).
func privateServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 2 * time.Second,
		MaxHeaderBytes:    4 << 10,
		IdleTimeout:       30 * time.Second,
	}
}

// startMetrics serves /metrics on -metrics-addr, if set, and logs its URL
// with the port the listener got.
func (n *node) startMetrics() error {
	if n.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := listenPrivate(n.cfg.MetricsAddr)
	if err != nil {
		return failed{fmt.Sprintf("cannot serve metrics on %s", n.cfg.MetricsAddr), err}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.metrics.handler())
	n.scrapes = privateServer(n.guard(n.cfg.MetricsAddr, nil)(mux))
	go n.scrapes.Serve(ln)
	n.log.WithField("url", "http://"+ln.Addr().String()+"/metrics").Info("metrics listening")
	return nil
}
