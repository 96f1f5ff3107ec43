// Package chatserver is the chat server program that server/server.go
// starts: it wires the layers together (settings and logger from config,
// room and broker from service, the WebSocket endpoint from ctrl, the
// browser client from web) behind one HTTP server with its limits, TLS,
// /healthz, /readyz and /metrics (metrics.go), and handles signals and the
// graceful shutdown. token.go is the `server token` subcommand.
package chatserver

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/service"
	"chatroom/web"
)

// Run is the server program: with the arguments after the program's name,
// it serves until ctx ends or SIGINT/SIGTERM arrives, then shuts down
// gracefully and returns the exit code. ready, if set, is called with the
// listening address once connections are accepted.
func Run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer, ready func(addr string)) int {
	if len(args) > 0 && args[0] == "token" {
		return mintToken(args[1:], lookupEnv, os.Stdout, stderr)
	}
	cfg, err := config.ParseServer("server", args, lookupEnv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 2
	}
	log, logFile, err := config.NewLogger(cfg.Log, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	defer logFile.Close()

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if cfg.MaxConns == 0 {
		cfg.MaxConns = defaultMaxConns()
	}
	scheme := "http"
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		// Loaded now, so a bad file stops the start with a clear message.
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			log.WithField("error", err).Error("cannot load the TLS certificate and key")
			return 1
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}

	metrics := newMetrics()
	broker, err := newBroker(ctx, cfg, log)
	if err != nil {
		log.WithField("error", err).Error("cannot start the broker")
		return 1
	}
	defer broker.Close()
	room, err := service.NewRoom(broker, ctrl.WebSocketFramer{}, service.RoomConfig{History: cfg.History, Presence: cfg.Presence, OnFanout: metrics.observeFanout}, log)
	if err != nil {
		log.WithField("error", err).Error("cannot create the room")
		return 1
	}
	chat := ctrl.NewServer(cfg, room, log)
	metrics.watch(chat, room)
	if nb, ok := broker.(*service.NatsBroker); ok {
		metrics.linked = nb.Connected
		nb.OnConnectionChange(func(up bool) {
			if up {
				room.Notice(config.NoticeBusUp)
			} else {
				room.Notice(config.NoticeBusDown)
			}
		})
	}

	var draining atomic.Bool // a shutdown has begun: not ready
	mux := http.NewServeMux()
	mux.Handle("/ws", chat)
	mux.Handle("/", web.Handler()) // the browser client
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if draining.Load() {
			text(w, http.StatusServiceUnavailable, config.RefuseShuttingDown)
			return
		}
		if nb, ok := broker.(*service.NatsBroker); ok && !nb.Connected() {
			text(w, http.StatusServiceUnavailable, "no connection to NATS")
			return
		}
		text(w, http.StatusOK, "ready")
	})
	mux.Handle("GET /metrics", metrics.handler())

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.WithField("error", err).Errorf("cannot listen on %s", cfg.Addr)
		return 1
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	srv := &http.Server{
		Handler: mux,
		// No slowloris: request headers must arrive within the handshake
		// timeout, and the whole request (these endpoints take no body)
		// soon after. A WebSocket connection sets its own deadlines once
		// upgraded.
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		ReadTimeout:       2 * cfg.HandshakeTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.HTTPIdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		TLSConfig:         tlsConfig,
		ErrorLog:          stdlog.New(logWriter{log}, "", 0),
		ConnState:         capPending(chat, cfg.MaxConns+config.FDReserve/2),
	}
	if cfg.DebugAddr != "" {
		dbg, err := startDebug(cfg.DebugAddr)
		if err != nil {
			log.WithField("error", err).Errorf("cannot serve pprof on %s", cfg.DebugAddr)
			return 1
		}
		defer dbg.Close()
		log.WithField("url", "http://"+cfg.DebugAddr+"/debug/pprof/").Info("pprof listening")
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	log.WithFields(logrus.Fields{
		"url":       strings.Replace(scheme, "http", "ws", 1) + "://" + addr + "/ws",
		"log_dir":   cfg.Log.Dir,
		"max_conns": cfg.MaxConns,
		"auth":      cfg.AuthSecret != "",
	}).Info("chat server listening")
	if ready != nil {
		ready(addr)
	}

	select {
	case <-ctx.Done():
	case err := <-served:
		log.WithField("error", err).Error("server stopped")
		return 1
	}
	stop() // a second Ctrl-C kills the process at once
	draining.Store(true)
	if cfg.ShutdownDelay > 0 {
		// Still serving, but /readyz says 503: a load balancer moves new
		// users elsewhere before the connections here are closed.
		log.WithField("delay", cfg.ShutdownDelay.String()).Info("not ready; shutting down after the delay")
		t := time.NewTimer(cfg.ShutdownDelay)
		select {
		case <-t.C:
		case err := <-served:
			log.WithField("error", err).Error("server stopped")
			return 1
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	start := time.Now()
	srv.Shutdown(sctx) // stops accepting; WebSocket connections are not its
	if err := chat.Shutdown(sctx); err != nil {
		log.WithField("error", err).Warn("connections cut at the shutdown timeout")
	}
	<-served
	log.WithField("took", time.Since(start).Round(time.Millisecond).String()).Info("shut down")
	return 0
}

// newBroker is the in-memory broker, or with -nats the NATS one: NATS
// unreachable at start is an error, so the server exits with it.
func newBroker(ctx context.Context, cfg config.Server, log logrus.FieldLogger) (service.Broker, error) {
	if cfg.NATS == "" {
		return service.NewMemoryBroker(), nil
	}
	node := cfg.Node
	if node == "" {
		host, _ := os.Hostname()
		node = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := service.NewNatsBroker(ctx, service.NatsConfig{URLs: cfg.NATS, Node: node, ClaimTTL: cfg.ClaimTTL, Replicas: cfg.Replicas}, log.WithField("node", node))
	if err != nil {
		return nil, err
	}
	log.WithFields(logrus.Fields{"nats": cfg.NATS, "node": node}).Info("serving the room with NATS")
	return b, nil
}

// capPending bounds the files that connections not yet upgraded hold (a
// TLS handshake, request headers on their way, plain HTTP requests): past
// limit, counting the chat's own connections, a new one is closed at once.
// It runs in the accept loop, so it cannot stop to answer. (A wrapping
// listener such as netutil.LimitListener would do the same but hide the
// TCP socket from the write pumps, which then lose writev.)
func capPending(chat *ctrl.Server, limit int) func(net.Conn, http.ConnState) {
	var pending atomic.Int64
	return func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			if pending.Add(1)+chat.Connections() > int64(limit) {
				c.Close() // net/http then reports StateClosed
			}
		case http.StateHijacked, http.StateClosed:
			pending.Add(-1)
		}
	}
}

// defaultMaxConns is the connection limit when -max-conns is 0: the
// process's open-file limit (which Go raises to the hard limit at start)
// less config.FDReserve, so the server refuses with 503 before accept fails.
func defaultMaxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 1 << 20
	}
	return max(int(lim.Cur)-config.FDReserve, int(lim.Cur)/2)
}

// text writes a short plain-text answer.
func text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// startDebug serves pprof on its own listener, apart from the chat traffic.
func startDebug(addr string) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

// logWriter sends net/http's own complaints to the logger.
type logWriter struct{ log logrus.FieldLogger }

func (w logWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if strings.Contains(msg, "TLS handshake error") {
		// Anyone can cause these (scanners, plain HTTP to the TLS port):
		// not worth a warning each.
		w.log.Debug(msg)
	} else {
		w.log.Warn(msg)
	}
	return len(p), nil
}
