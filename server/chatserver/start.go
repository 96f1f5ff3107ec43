package chatserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/model"
	"chatroom/service"
	"chatroom/service/store"
)

// loadTLS loads -tls-cert and -tls-key now, so that a bad file stops the
// start with a clear message.
func (n *node) loadTLS() error {
	if n.cfg.TLSCert == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(n.cfg.TLSCert, n.cfg.TLSKey)
	if err != nil {
		return failed{"cannot load the TLS certificate and key", err}
	}
	n.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return nil
}

// openBroker opens the broker the room goes through (see newBroker), and
// where history is kept: with NATS, its stream; else the database in
// -data-dir, which the broker writes through; else nowhere.
func (n *node) openBroker(ctx context.Context) error {
	if n.cfg.NATS == "" && n.cfg.Store.DataDir != "" {
		return n.openStore()
	}
	broker, err := newBroker(ctx, n.cfg, n.log)
	if err != nil {
		return failed{"cannot start the broker", err}
	}
	n.broker = broker
	if n.cfg.NATS == "" {
		n.log.WithField("history", n.cfg.History).Warn(`-data-dir is "": no database; each room's last talks are kept in memory only, lost at exit, and scroll back and search are refused`)
	}
	if h, ok := broker.(service.History); ok {
		n.history = h
	}
	return nil
}

// openStore opens the history database in -data-dir, and the memory broker
// that writes every event through it before delivering it.
func (n *node) openStore() error {
	c := n.cfg.Store
	st, err := store.Open(c.DataDir, store.Options{Keep: c.Keep, MaxAge: c.MaxAge, TrimEvery: time.Minute,
		OnTrim: func(deleted int, err error) {
			switch {
			case err != nil:
				n.log.WithField("error", err).Error("history retention failed")
			case deleted > 0:
				n.log.WithField("deleted", deleted).Info("history retention: old talks deleted")
			}
		}})
	if err != nil {
		return failed{"cannot open the history in -data-dir " + c.DataDir, err}
	}
	n.store, n.history = st, st
	n.broker = service.NewJournaledBroker(st, n.cfg.History)
	n.log.WithFields(logrus.Fields{"data_dir": c.DataDir, "last_seq": st.LastSeq()}).Info("history kept on disk")
	return nil
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
	// The default room's events are those that name no room; a bad
	// -default-room is refused when the rooms open.
	defaultRoom, _ := model.NormalizeRoom(cfg.Rooms.DefaultRoom)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := service.NewNatsBroker(ctx, service.NatsConfig{URLs: cfg.NATS, Node: node, ClaimTTL: cfg.ClaimTTL, Replicas: cfg.Replicas, DefaultRoom: defaultRoom,
		Keep: int64(cfg.Store.Keep), MaxAge: cfg.Store.MaxAge}, log.WithField("node", node))
	if err != nil {
		return nil, err
	}
	log.WithFields(logrus.Fields{"nats": cfg.NATS, "node": node}).Info("serving the room with NATS")
	return b, nil
}

// openRoom makes the room on the broker and its chat endpoint, and puts
// both on /metrics.
func (n *node) openRoom() error {
	room, err := model.NormalizeRoom(n.cfg.Rooms.DefaultRoom)
	if err != nil {
		return failed{"-default-room " + n.cfg.Rooms.DefaultRoom, err}
	}
	n.cfg.Rooms.DefaultRoom = room
	settings := service.Settings(n.cfg)
	settings.OnFanout = n.metrics.observeFanout
	settings.Store = n.history
	settings.Moderation = n.moderationStore()
	hub, err := service.NewHub(n.broker, ctrl.WebSocketFramer{}, settings, n.log)
	if err != nil {
		return failed{"cannot open the rooms", err}
	}
	n.chat = ctrl.NewServer(n.cfg, hub, n.log)
	n.metrics.watch(n.chat, hub)
	n.api = ctrl.NewAPI(n.chat)
	n.metrics.reg.MustRegister(newAPIMetrics(n.api))
	n.metrics.linked = n.broker.Connected
	return nil
}

// moderationStore is where bans, mutes, rooms' settings and the audit
// trail are kept: the history database in -data-dir, or NATS; else
// memory, lost at exit.
func (n *node) moderationStore() service.ModerationStore {
	if n.store != nil {
		return n.store
	}
	if nb, ok := n.broker.(*service.NatsBroker); ok {
		return nb.Moderation() // not the broker itself: its Rooms is the Broker's
	}
	n.log.Warn("moderation is kept in memory: bans, mutes, rooms' owners, moderators and topics and the audit trail are lost at exit")
	return service.NewMemoryModeration()
}

// listen opens the listening socket (with TLS, if loaded) and the HTTP
// server that will serve it.
func (n *node) listen() error {
	ln, err := net.Listen("tcp", n.cfg.Addr)
	if err != nil {
		return failed{fmt.Sprintf("cannot listen on %s", n.cfg.Addr), err}
	}
	ln = n.chat.Listener(ln, n.tls != nil) // per-address limits from accept
	if n.tls != nil {
		ln = tls.NewListener(ln, n.tls)
	}
	n.ln = ln
	n.hosts = ctrl.NewHostGuard(n.log, n.cfg.TrustedProxies)
	n.metrics.countHosts(n.hosts)
	n.http = n.httpServer()
	return nil
}

// startDebug serves pprof on -debug-addr, if set.
func (n *node) startDebug() error {
	if n.cfg.DebugAddr == "" {
		return nil
	}
	dbg, err := servePprof(n.cfg.DebugAddr, n.guard(n.cfg.DebugAddr, nil))
	if err != nil {
		return failed{fmt.Sprintf("cannot serve pprof on %s", n.cfg.DebugAddr), err}
	}
	n.debug = dbg
	n.log.WithField("url", "http://"+n.cfg.DebugAddr+"/debug/pprof/").Info("pprof listening")
	return nil
}
