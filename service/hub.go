package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
)

// HubConfig is what a Hub needs from the server's settings.
type HubConfig struct {
	// DefaultRoom is where a connection that names no room starts; it
	// always exists. Default "lobby".
	DefaultRoom string
	History     int // talks replayed to a joining user, per room and per conversation
	// Presence sends joins and leaves to the room's members; false: every
	// room is large (room_presence.go).
	Presence bool
	// PresenceLimit is the members past which a room is large (0: never).
	PresenceLimit int
	// PresenceWindow is the window coalesced presence is sent in. Default
	// config.DefaultPresenceWindow.
	PresenceWindow time.Duration
	// MaxRoomsPerConn bounds the rooms one connection is in (0: no bound).
	MaxRoomsPerConn int
	// MaxRooms bounds the rooms someone is in, server-wide (0: no bound).
	MaxRooms int
	// MaxRoomsPerIP bounds the rooms open here that one client address
	// opened (0: no bound).
	MaxRoomsPerIP int
	// RoomsPage is a rooms list's page when the client asks for none;
	// a client may ask for up to MaxRoomsPage.
	RoomsPage int
	// MaxRoomName is the longest room name, in characters (0: the
	// protocol's, model.MaxRoomRunes).
	MaxRoomName int
	// Store is where the rooms' and conversations' talks are read back
	// from for scroll back, catch up and search: the Journal the broker
	// writes through, or the NATS broker's stream. Nil: only the rooms'
	// last History talks are kept, in memory.
	Store History
	// TrustedNames: a name is proven by a token (-auth-secret), so a user
	// reads back its direct messages of earlier sessions. Otherwise anyone
	// may take a name once it is free, and reads back only the direct
	// messages of its own session.
	TrustedNames bool
	// CatchUp is the most talks a catch-up replays; past it, a member is
	// told of the gap and sent the latest CatchUp. Default 1000.
	CatchUp int
	// OmitTalkContent logs talk lines with the user and seq but not the
	// message text, for deployments that must not keep it.
	OmitTalkContent bool
	// Moderation keeps bans, mutes, rooms' settings and the audit trail
	// (moderation_store.go). Nil: a MemoryModeration, lost at exit.
	Moderation ModerationStore
	// Admins are the names that are server admins (-admins), besides
	// those whose token says so; only with TrustedNames.
	Admins []string
	// OnFanout, if set, is called after each broadcast with the number of
	// members it went to and how long queueing it to all of them took.
	// It runs under a room's lock: keep it short (a histogram's Observe).
	OnFanout func(members int, took time.Duration)
}

// DefaultCatchUp is HubConfig.CatchUp's default.
const DefaultCatchUp = 1000

// MaxRoomsPage is the largest page of a rooms list.
const MaxRoomsPage = config.MaxRoomsPage

// Hub is the chat service as seen from this node: its rooms, its users'
// direct messages, and the users connected here. Members connect, join
// and part rooms, talk in them and to each other through the Broker, and
// receive every event of their rooms in the Broker's order. A message to a
// room costs work for that room's members only.
type Hub struct {
	broker Broker
	framer Framer
	cfg    HubConfig
	log    logrus.FieldLogger
	counts counters
	dms    *dmHistory // direct messages' last talks, when there is no cfg.Store
	mod    *modState  // moderation's state (moderation_state.go)
	// seen is the highest seq delivered to this hub (hub_seen.go).
	seen atomic.Uint64
	// catchUpReads holds a token per catch-up reading the History
	// (catchup_read.go).
	catchUpReads chan struct{}

	mu     sync.RWMutex
	rooms  map[string]*room      // the rooms this node follows
	users  map[string]*localUser // the users connected here
	opened map[netip.Addr]int    // rooms open here, by the address that opened them
}

// localUser is one connection's user and the rooms it is in.
type localUser struct {
	m       Member
	rooms   []RoomRef  // joined or joining; the first is its home room
	home    string     // the room a message with none is about
	allowed []string   // the rooms it may join; nil: any
	addr    netip.Addr // the client's address, which the rooms it opens count against
	admin   bool       // a server admin (moderation_roles.go)
	// coalesce: it asked for coalesced presence (room_presence.go), in
	// every room it joins.
	coalesce bool
	// connected is when it connected (Unix ms), and connectedSeq the
	// highest seq delivered here by then: without trusted names, the
	// direct messages it may read back are those since, and after it.
	connected    int64
	connectedSeq uint64
}

// NewHub creates the hub fed by b, whose frames f builds, and follows the
// default room.
func NewHub(b Broker, f Framer, cfg HubConfig, log logrus.FieldLogger) (*Hub, error) {
	if cfg.DefaultRoom == "" {
		cfg.DefaultRoom = config.DefaultRoom
	}
	if cfg.PresenceWindow <= 0 {
		cfg.PresenceWindow = config.DefaultPresenceWindow
	}
	if cfg.CatchUp <= 0 {
		cfg.CatchUp = DefaultCatchUp
	}
	if cfg.RoomsPage <= 0 || cfg.RoomsPage > MaxRoomsPage {
		cfg.RoomsPage = min(max(cfg.RoomsPage, config.DefaultRoomsPage), MaxRoomsPage)
	}
	h := &Hub{broker: b, framer: f, cfg: cfg, log: log, catchUpReads: make(chan struct{}, maxCatchUpReads),
		dms: newDMHistory(cfg.History), rooms: make(map[string]*room), users: make(map[string]*localUser), opened: make(map[netip.Addr]int)}
	h.counts.init()
	if cfg.Moderation == nil {
		h.cfg.Moderation = NewMemoryModeration()
	}
	h.mod = newModState(h.cfg.Moderation)
	if err := b.Subscribe(Handlers{Event: h.deliver, ClaimLost: h.claimLost, Link: h.linkChanged}); err != nil {
		return nil, err
	}
	lobby := newRoom(h, cfg.DefaultRoom, false)
	h.rooms[lobby.name] = lobby
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.follow(ctx, lobby); err != nil {
		return nil, err
	}
	// After the default room's past, whose moderation events the store's
	// state supersedes; the watch of the store's changes first, so that
	// none made during the load is missed. From then on what the hub
	// holds is current: the only node makes every change itself, and
	// with several, the store (NATS's) tells every node each change.
	if err := h.watchModeration(ctx); err != nil {
		return nil, fmt.Errorf("moderation: %w", err)
	}
	if err := h.loadModeration(); err != nil {
		return nil, fmt.Errorf("moderation: %w", err)
	}
	return h, nil
}

// DefaultRoom is the room of connections that name none.
func (h *Hub) DefaultRoom() string { return h.cfg.DefaultRoom }

// deliver is the Broker's handler: every event of the rooms this node
// follows, in order per room, and every direct message.
func (h *Hub) deliver(ev *model.ChatRoomRequest) {
	h.see(ev.Seq)
	if ev.To != "" {
		h.deliverDirect(ev)
		return
	}
	if ev.Room == "" {
		ev.Room = h.cfg.DefaultRoom
	}
	h.mu.RLock()
	r := h.rooms[ev.Room]
	h.mu.RUnlock()
	if r == nil {
		return // not followed (any more)
	}
	if name := r.deliver(ev); name != "" {
		// The broker still holds the claim (a node that lost it says so
		// through ClaimLost): it is given back.
		h.endLost(name, true)
	}
	if ev.Type == model.TypeLeave {
		h.dropIfEmpty(r)
	}
}

// linkChanged tells this node's users that its link to the other nodes is
// lost (up false) or back: meanwhile nothing they send goes through.
func (h *Hub) linkChanged(up bool) {
	if up {
		h.Notice(config.NoticeBusUp)
	} else {
		h.Notice(config.NoticeBusDown)
	}
}

// Claim reserves name for a connection that is about to connect in rooms.
// An opts' Admin (a token's role claim) is told to every node, and holds
// only with trusted names.
func (h *Hub) Claim(ctx context.Context, name string, rooms []string, opts ...ClaimOptions) error {
	o := claimOpts(opts)
	o.Admin = o.Admin && h.cfg.TrustedNames
	return h.broker.Claim(ctx, name, h.refs(rooms), o)
}

// ClaimGuest reserves and returns a fresh guest name, for users who gave none.
func (h *Hub) ClaimGuest(ctx context.Context, rooms []string) (string, error) {
	refs := h.refs(rooms)
	var b [4]byte
	for range 16 {
		rand.Read(b[:])
		name := "guest-" + hex.EncodeToString(b[:])
		err := h.broker.Claim(ctx, name, refs)
		if !errors.Is(err, ErrNameTaken) {
			return name, err
		}
	}
	return "", errors.New("could not find a free guest name")
}

// Release gives back a name that was claimed but never connected.
func (h *Hub) Release(name string) { h.broker.Release(name) }

// refs are rooms as the directory keeps them: private as they are now.
func (h *Hub) refs(rooms []string) []RoomRef {
	refs := make([]RoomRef, len(rooms))
	for i, name := range rooms {
		refs[i] = RoomRef{Name: name, Private: h.isPrivate(name)}
	}
	return refs
}

// Reply queues f to m alone, closing m as a slow consumer if its queue is
// full, as a broadcast would.
func (h *Hub) Reply(m Member, f *Frame) {
	switch m.Send(f) {
	case Queued:
		h.counts.out(f, 1)
	case QueueFull:
		h.counts.slow.Add(1)
		m.Close(DisconnectSlowConsumer)
	}
}

// Refuse answers m's request with the refusal's error message.
func (h *Hub) Refuse(m Member, r *Refusal) {
	h.counts.refused(r.Reason)
	h.Reply(m, h.frame(&model.ChatRoomRequest{Type: model.TypeError, Content: r.Text, Room: r.Room, To: r.To}))
}

// Notice sends content, as an error message, to every user on this node:
// something about the service itself, such as its link to the other nodes.
func (h *Hub) Notice(content string) {
	f := h.frame(&model.ChatRoomRequest{Type: model.TypeError, Content: content})
	h.mu.RLock()
	members := make([]Member, 0, len(h.users))
	for _, u := range h.users {
		members = append(members, u.m)
	}
	h.mu.RUnlock()
	for _, m := range members {
		h.Reply(m, f)
	}
}

func event(typ, name, room, content string) *model.ChatRoomRequest {
	return &model.ChatRoomRequest{Type: typ, UserName: name, Room: room, Content: content} // the Broker stamps seq and time
}

// frame encodes m and builds its frame.
func (h *Hub) frame(m *model.ChatRoomRequest) *Frame { return NewFrame(h.framer, m) }

// Settings returns the HubConfig of the server's settings c (OnFanout and
// Store unset: the caller opens the store and sets it).
func Settings(c config.Server) HubConfig {
	return HubConfig{DefaultRoom: c.Rooms.DefaultRoom, History: c.History, Presence: c.Presence,
		PresenceLimit: c.PresenceLimit, PresenceWindow: c.PresenceWindow,
		MaxRoomsPerConn: c.Rooms.MaxRoomsPerConn, MaxRooms: c.Rooms.MaxRooms, MaxRoomsPerIP: c.Rooms.MaxRoomsPerIP, RoomsPage: c.Rooms.RoomsPage, MaxRoomName: c.Rooms.MaxRoomName,
		OmitTalkContent: !c.Log.Talk, CatchUp: c.Store.CatchUp, TrustedNames: c.AuthSecret != "", Admins: c.Admins}
}
