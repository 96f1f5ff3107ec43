// Package natstest starts a real NATS server with JetStream for tests: the
// chat's NATS broker (service) and the cluster tests of the server use it.
package natstest

import (
	"net"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// Server is a real NATS server with JetStream on a loopback port, its store
// in a temporary folder. A test can stop it and start it again on the same
// port and store, as an operator restarting NATS would.
type Server struct {
	t    testing.TB
	opts natsserver.Options
	url  string
	ns   *natsserver.Server // nil while stopped
}

// Start runs a NATS server until the test ends and returns its URL.
func Start(t testing.TB) string { return StartServer(t).URL() }

// StartServer runs a NATS server until the test ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, opts: natsserver.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}}
	s.Restart()
	s.opts.Port = s.ns.Addr().(*net.TCPAddr).Port // the same port after a restart
	s.url = s.ns.ClientURL()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's client URL; it stays the same across restarts.
func (s *Server) URL() string { return s.url }

// Stop shuts the server down and waits until it is gone. Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	if s.ns == nil {
		return
	}
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.ns = nil
}

// Restart starts a stopped server again, with the streams it had stored.
func (s *Server) Restart() {
	s.t.Helper()
	if s.ns != nil {
		s.t.Fatal("natstest: Restart of a running server")
	}
	opts := s.opts // the server keeps and changes its options
	ns, err := natsserver.NewServer(&opts)
	if err != nil {
		s.t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		s.t.Fatal("NATS did not start")
	}
	s.ns = ns
}
