// Package ctrl is the chat service's control layer.
//
// The server side turns WebSocket connections into users of the hub's
// rooms. A handshake is admitted (handshake.go: origin, token, name, the
// rooms to start in; presence.go: whether it coalesces presence;
// limits.go: how many connections; addrs.go: per
// address, counted from accept by listener.go; proxies.go: the client's
// address behind a trusted proxy) or refused in words
// (refusal.go), upgraded (upgrade.go) and started (this file). Each
// connection (conn.go) then has a read pump (readpump.go: frames in,
// checks, rate limits; rooms.go: talks, direct messages, join, part, the
// rooms list and histories; budget.go: its buckets, made at its first
// frame; addrrate.go: the address's share) and a write pump that runs only
// while there is something to write (writepump.go: the queue, the write
// window, batching), writing the hub's prebuilt frames (framer.go) with one
// writev (writev.go). stats.go counts it all. framemeter.go charges the
// frames gorilla handles alone (pings, pongs, fragments), and
// userlistlimit.go gives the lists (users, rooms, histories) a limit of
// their own.
//
// api.go serves the operator's HTTP API under /api/ beside the chat
// endpoint: apiauth.go checks its key, apijson.go reads and writes its
// JSON, apirooms.go, apimoderation.go and apibans.go are its handlers.
// moderation.go hands a connection's moderation requests to the hub.
//
// clientcontroller.go does the same job for the desktop client: input
// checks and protocol-to-view mapping; clientrooms.go its rooms and direct
// conversations, roomsflag.go its -room flag; clientmoderation.go its
// commands (/kick, /ban, ...), clientmodevents.go what it shows of
// moderation.
package ctrl

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// Server serves the chat endpoint (/ws): every accepted connection becomes
// a user of hub, in the rooms its handshake names. It is an http.Handler.
type Server struct {
	cfg      config.Server
	hub      *service.Hub
	log      logrus.FieldLogger
	upgrader websocket.Upgrader
	refuser  websocket.Upgrader // upgrades a refused handshake to say why in band
	inBand   chan struct{}      // one token per refusal in band under way
	pong     *service.Frame     // the answer to every ping, built once
	secret   []byte             // the auth secret; nil: no tokens
	noWritev sync.Once          // checkWritev has warned
	stats    stats
	logs     clientLogs // samplers of the lines clients cause (clientlog.go)
	addrs    *addrTable // per-address counts and buckets
	proxies  proxies    // -trusted-proxies: whose forwarded addresses count (proxies.go)

	mu      sync.Mutex
	conns   map[*conn]struct{}
	slots   slots // connections counted against the limits, handshakes included
	closing bool
	wg      sync.WaitGroup
}

// NewServer returns the WebSocket endpoint for hub. cfg.MaxConns 0 is
// DefaultMaxConns.
func NewServer(cfg config.Server, hub *service.Hub, log logrus.FieldLogger) *Server {
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns()
	}
	addrs := newAddrTable(cfg)
	s := &Server{
		cfg: cfg, hub: hub, log: log,
		conns:   make(map[*conn]struct{}),
		addrs:   addrs,
		proxies: proxies(cfg.TrustedProxies),
		slots:   newSlots(cfg.MaxConns, addrs),
		stats:   newStats(),
		logs:    newClientLogs(),
		inBand:  make(chan struct{}, maxRefusalsInBand),
		pong:    service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypePong}),
	}
	if cfg.AuthSecret != "" {
		s.secret = []byte(cfg.AuthSecret)
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.WriteTimeout,
		// The read buffer is the hijacker's (upgrade.go); gorilla's write
		// buffer is only for messages it frames itself, which this server
		// never asks for: an empty pool means no connection keeps one.
		WriteBufferPool: &sync.Pool{},
		// A browser offers only refusals in band: it must get that back.
		Subprotocols: []string{model.SubprotocolBatch, model.SubprotocolRefusals},
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			http.Error(w, reason.Error(), status)
		},
		CheckOrigin: func(*http.Request) bool { return true }, // admit checked it
	}
	s.refuser = s.upgrader
	s.refuser.Subprotocols = []string{model.SubprotocolRefusals}
	return s
}

// MaxConns is the connection limit in force (-max-conns, or its default).
func (s *Server) MaxConns() int { return s.cfg.MaxConns }

// ServeHTTP admits the handshake (or refuses it in words, logged and
// counted), upgrades it, and serves the connection until it closes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := s.clientIP(r)
	in, refused := s.admit(r, ip)
	if refused != nil {
		s.refuse(w, r, refused)
		if refused.slot {
			s.slots.free(ip)
		}
		return
	}
	c := s.upgrade(w, r, in, ip)
	if c == nil {
		s.hub.Release(in.name)
		s.slots.free(ip)
		return
	}
	if !s.track(c) {
		s.hub.Release(in.name)
		s.slots.free(ip)
		s.stats.refused(refuseShuttingDown) // upgraded as the shutdown began
		c.writeClose(service.DisconnectShutdown.Code(), service.DisconnectShutdown.Reason())
		c.ws.Close()
		return
	}
	s.start(c, in)
}

// start joins c to its rooms and serves it, until it ends, on goroutines
// of its own: their stacks start small and stay small while the
// connection is idle (idlewait.go), and net/http's (grown by parsing the
// request and joining) ends.
func (s *Server) start(c *conn, in admission) {
	c.begun = time.Now()
	joined := c.open(in)
	go c.serve(joined)
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// track adds an upgraded connection, unless the server is shutting down;
// the connection's slot is then its own, freed by untrack.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.stats.handshakes[hsAccepted].Add(1)
	s.stats.connections.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.slots.free(c.ip)
	s.stats.connections.Add(-1)
	s.wg.Done()
}

// Shutdown refuses new connections, closes every open one with 1001 after
// its queued frames, and waits for them to finish. When ctx ends first, the
// remaining sockets are cut and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	open := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		c.Close(service.DisconnectShutdown)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	for _, c := range open {
		c.sock.Conn.Close()
	}
	<-done
	return ctx.Err()
}
