package chatserver

import (
	"io"
	"net/http"
	"net/http/pprof"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/web"
)

// httpServer is the HTTP server of routes, with the limits that keep slow
// and idle clients from holding it.
func (n *node) httpServer() *http.Server {
	return &http.Server{
		Handler: n.routes(),
		// No slowloris: request headers must arrive within the handshake
		// timeout, and the whole request (only the server API takes a
		// body, of at most 64 KiB) soon after. A WebSocket connection sets its own deadlines once
		// upgraded.
		ReadHeaderTimeout: n.cfg.HandshakeTimeout,
		ReadTimeout:       2 * n.cfg.HandshakeTimeout,
		WriteTimeout:      n.cfg.WriteTimeout,
		IdleTimeout:       n.cfg.HTTPIdleTimeout,
		MaxHeaderBytes:    n.cfg.MaxHeaderBytes,
		TLSConfig:         n.tls,
		ErrorLog:          n.chat.ErrorLog(), // sampled per address: clients cause most of it
	}
}

// routes are the chat endpoint, the browser client, health and readiness,
// the server API (/api/, answered 404 in words without -api-key), behind the Host check and, under TLS, with HSTS (exposure.go). /metrics
// is not among them: it has a listener of its own (-metrics-addr).
func (n *node) routes() http.Handler {
	broker, draining := n.broker, &n.draining
	mux := http.NewServeMux()
	mux.Handle("/ws", n.chat)
	mux.Handle("/", web.Handler()) // the browser client
	mux.Handle(ctrl.APIPrefix, n.api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if draining.Load() {
			text(w, http.StatusServiceUnavailable, config.RefuseShuttingDown)
			return
		}
		if !broker.Connected() {
			text(w, http.StatusServiceUnavailable, "no connection to NATS")
			return
		}
		text(w, http.StatusOK, "ready")
	})
	return n.exposed(mux)
}

// text writes a short plain-text answer.
func text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// servePprof serves pprof on its own listener, apart from the chat traffic,
// through guard (the Host check). Its command line hides secrets.
func servePprof(addr string, guard func(http.Handler) http.Handler) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", redactedCmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := listenPrivate(addr)
	if err != nil {
		return nil, err
	}
	srv := privateServer(guard(mux))
	go srv.Serve(ln)
	return srv, nil
}
