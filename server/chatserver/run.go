// Package chatserver is the chat server program that server/server.go
// starts: it wires the layers together (settings and logger from config,
// room and broker from service, the WebSocket endpoint from ctrl, the
// browser client from web) behind one HTTP server with its limits, TLS,
// /healthz, /readyz and /metrics, and handles signals and the graceful
// shutdown.
//
// run.go is the program's course, from the arguments to the exit code;
// start.go opens what it serves with (TLS, broker, room, listener), http.go
// the HTTP side (routes, limits, pprof), exposure.go the Host check and
// HSTS around the routes, metrics.go /metrics and metricsaddr.go its
// listener, cmdline.go pprof's command line without secrets, token.go
// the `server token` subcommand and backup.go `server backup`.
package chatserver

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/service"
	"chatroom/service/store"
)

// Run is the server program: given the arguments after the program's
// name, it serves until ctx ends or SIGINT/SIGTERM arrives, then shuts down
// gracefully and returns the exit code. ready, if set, is called with the
// listening address once connections are accepted.
func Run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer, ready func(addr string)) int {
	if len(args) > 0 && args[0] == "token" {
		return mintToken(args[1:], lookupEnv, os.Stdout, stderr)
	}
	if len(args) > 0 && args[0] == "backup" {
		return runBackup(ctx, args[1:], lookupEnv, os.Stdout, stderr)
	}
	cfg, code, ok := parse(args, lookupEnv, stderr)
	if !ok {
		return code
	}
	log, logFile, err := config.NewLogger(cfg.Log, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	defer logFile.Close()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	n := &node{cfg: cfg, log: log, stderr: stderr, metrics: newMetrics()}
	defer n.close()
	if err := n.loadTLS(); err != nil {
		return n.fail(err)
	}
	if err := n.openBroker(ctx); err != nil {
		return n.fail(err)
	}
	if err := n.openRoom(); err != nil {
		return n.fail(err)
	}
	if err := n.listen(); err != nil {
		return n.fail(err)
	}
	if err := n.startDebug(); err != nil {
		return n.fail(err)
	}
	if err := n.startMetrics(); err != nil {
		return n.fail(err)
	}
	n.serve(ready)
	trimCtx, stopTrim := context.WithCancel(ctx)
	defer stopTrim()
	go trimMemory(trimCtx, n.chat.Connections)
	if err := n.untilSignal(ctx); err != nil {
		return n.fail(err)
	}
	stop() // a second Ctrl-C kills the process at once
	if err := n.drain(); err != nil {
		return n.fail(err)
	}
	n.shutdown()
	return 0
}

// parse reads the settings from lookupEnv and args. When ok is false the program ends with code: 0 after -h,
// 2 for a setting that cannot work.
func parse(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (cfg config.Server, code int, ok bool) {
	cfg, err := config.ParseServer("server", args, lookupEnv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, tokenUsage, config.EnvName("auth-secret"))
		return cfg, 0, false
	}
	if err == nil {
		err = checkAdmins(cfg.Admins)
	}
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return cfg, 2, false
	}
	return cfg, 0, true
}

// tokenUsage ends -h: the subcommands, after the flags.
const tokenUsage = `
Subcommands:
  server token -sub NAME [-ttl 24h]
    	print an access token for the user NAME, signed with -auth-secret or $%s
    	(server token -h lists its flags)
  server backup -data-dir DIR -out FILE
    	copy the history database DIR/chatroom.db to the new file FILE, also while
    	a server runs on DIR (server backup -h says how to restore)
`

// node is one running chat server: what Run's steps open, serve with and
// close.
type node struct {
	cfg     config.Server
	log     logrus.FieldLogger
	stderr  io.Writer // the terminal, where a failure is said even with -log-stderr=false
	metrics *metrics

	tls      *tls.Config    // nil: plain ws:// and http://
	broker   service.Broker // in memory, or NATS
	store    *store.Store   // the history on disk (-data-dir), if any
	history  service.History
	chat     *ctrl.Server // the /ws endpoint
	api      *ctrl.API    // the server API under /api/ (off without -api-key)
	ln       net.Listener
	http     *http.Server
	debug    *http.Server // pprof on -debug-addr, or nil
	scrapes  *http.Server // /metrics on -metrics-addr, or nil
	served   chan error   // what http.Serve returned
	draining atomic.Bool  // a shutdown has begun: not ready

	hosts *ctrl.HostGuard // the Host check of every listener (exposure.go)
}

// failed is a step that could not be done, and why: logged as the message
// what with the field error.
type failed struct {
	what string
	err  error
}

func (f failed) Error() string { return f.what + ": " + f.err.Error() }
func (f failed) Unwrap() error { return f.err }

// fail logs why the server cannot go on and returns the exit code, 1.
// When the log does not go to the terminal, the reason goes there too.
func (n *node) fail(err error) int {
	var f failed
	if errors.As(err, &f) {
		n.log.WithField("error", f.err).Error(f.what)
	} else {
		n.log.WithField("error", err).Error("server failed")
	}
	if !n.cfg.Log.Stderr && n.stderr != nil {
		fmt.Fprintln(n.stderr, "server:", err)
	}
	return 1
}

// serve accepts connections from now on and announces it.
func (n *node) serve(ready func(addr string)) {
	n.served = make(chan error, 1)
	go func() { n.served <- n.http.Serve(n.ln) }()
	addr := n.ln.Addr().String()
	scheme := "ws"
	if n.tls != nil {
		scheme = "wss"
	}
	n.log.WithFields(logrus.Fields{
		"url":       scheme + "://" + addr + "/ws",
		"log_dir":   n.cfg.Log.Dir,
		"max_conns": n.chat.MaxConns(),
		"auth":      n.cfg.AuthSecret != "",
		"api":       n.cfg.APIKey != "",
		"pid":       os.Getpid(),
	}).Info("chat server listening")
	if ready != nil {
		ready(addr)
	}
}

// untilSignal waits for ctx to end (a signal, or the caller); an error if
// the HTTP server stopped by itself first.
func (n *node) untilSignal(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-n.served:
		return failed{"server stopped", err}
	}
}

// drain begins the shutdown: /readyz answers 503 from now on. With
// -shutdown-delay the node still serves that long, so that a load balancer
// moves new users elsewhere before the connections here are closed.
func (n *node) drain() error {
	n.draining.Store(true)
	if n.cfg.ShutdownDelay <= 0 {
		return nil
	}
	n.log.WithField("delay", n.cfg.ShutdownDelay.String()).Info("not ready; shutting down after the delay")
	t := time.NewTimer(n.cfg.ShutdownDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case err := <-n.served:
		return failed{"server stopped", err}
	}
}

// shutdown stops accepting, sends every client what is queued for it and
// a close 1001, and waits for the HTTP server, all within
// -shutdown-timeout.
func (n *node) shutdown() {
	n.log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
	defer cancel()
	start := time.Now()
	n.http.Shutdown(ctx) // stops accepting; WebSocket connections are not its
	if err := n.chat.Shutdown(ctx); err != nil {
		n.log.WithField("error", err).Warn("connections cut at the shutdown timeout")
	}
	<-n.served
	n.log.WithField("took", time.Since(start).Round(time.Millisecond).String()).Info("shut down")
}

// close releases what the steps opened: the pprof and metrics listeners,
// the broker, the store.
func (n *node) close() {
	if n.debug != nil {
		n.debug.Close()
	}
	if n.scrapes != nil {
		n.scrapes.Close()
	}
	if n.broker != nil {
		n.broker.Close() // with a store: once what was published is written
	}
	if n.store != nil {
		if err := n.store.Close(); err != nil {
			n.log.WithField("error", err).Error("closing the history database")
		}
	}
}
