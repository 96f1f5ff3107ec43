// Package chattest starts a real chat server on a loopback socket, for the
// tests of packages that talk to one (the client session, the desktop
// client). Logs go nowhere.
package chattest

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/service"
)

// Server is a running chat server.
type Server struct {
	Addr string // host:port
	URL  string // ws://host:port/ws
	Chat *ctrl.Server
	Hub  *service.Hub
	stop func()
}

// Start serves cfg's chat room on addr ("" for any free loopback port) until
// Stop or the end of the test. It keeps no history but its rooms' last
// talks (cfg.History), in memory, as a server with -data-dir "" does.
func Start(t testing.TB, cfg config.Server, addr string) *Server {
	t.Helper()
	return serve(t, cfg, addr, service.NewMemoryBroker(), nil, func() {})
}

// serve serves cfg's chat room through broker, reading history back from
// store (nil: none), on addr; closeStore runs after the server and the
// broker have stopped.
func serve(t testing.TB, cfg config.Server, addr string, broker *service.MemoryBroker, store service.History, closeStore func()) *Server {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	settings := service.Settings(cfg)
	settings.Store = store
	hub, err := service.NewHub(broker, ctrl.WebSocketFramer{}, settings, log)
	if err != nil {
		closeStore()
		t.Fatal(err)
	}
	chat := ctrl.NewServer(cfg, hub, log)
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		closeStore()
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", chat)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: cfg.WriteTimeout}
	go hs.Serve(ln)
	var once sync.Once
	s := &Server{Addr: ln.Addr().String(), Chat: chat, Hub: hub}
	s.URL = "ws://" + s.Addr + "/ws"
	s.stop = func() {
		once.Do(func() {
			hs.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			chat.Shutdown(ctx)
			broker.Close()
			closeStore()
		})
	}
	t.Cleanup(s.stop)
	return s
}

// Stop closes every connection with 1001, as a server shutting down does,
// and stops listening. It may be called more than once.
func (s *Server) Stop() { s.stop() }
