// Command server runs the chat room: a WebSocket endpoint at ws://ADDR/ws
// speaking the protobuf protocol of model/chat_message.proto.
//
//	go run ./server                 # ws://127.0.0.1:9000/ws, logs in ./log
//	go run ./server -h              # every flag; each is also CHATROOM_<FLAG>
//
// This file only wires the layers together: settings and logger (config),
// room and broker (service), the WebSocket endpoint (ctrl), the HTTP mux,
// signals and graceful shutdown.
package main

import (
	"context"
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
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/service"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.LookupEnv, os.Stderr, nil))
}

// run serves until ctx ends or SIGINT/SIGTERM arrives, then shuts down
// gracefully and returns the exit code. ready, if set, is called with the
// listening address once connections are accepted.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stderr io.Writer, ready func(addr string)) int {
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

	broker := service.NewMemoryBroker()
	defer broker.Close()
	room, err := service.NewRoom(broker, service.RoomConfig{History: cfg.History, Presence: cfg.Presence}, log)
	if err != nil {
		log.WithField("error", err).Error("cannot create the room")
		return 1
	}
	chat := ctrl.NewServer(cfg, room, log)

	mux := http.NewServeMux()
	mux.Handle("/ws", chat)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.WithField("error", err).Errorf("cannot listen on %s", cfg.Addr)
		return 1
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: cfg.WriteTimeout, // a handshake must not dribble in
		IdleTimeout:       cfg.PongTimeout,
		ErrorLog:          stdlog.New(logWriter{log}, "", 0),
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
	log.WithFields(logrus.Fields{"url": "ws://" + addr + "/ws", "log_dir": cfg.Log.Dir}).Info("chat server listening")
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
	w.log.Warn(strings.TrimSpace(string(p)))
	return len(p), nil
}
