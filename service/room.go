package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
)

// RoomConfig is what a Room needs from the server's settings.
type RoomConfig struct {
	History  int  // talk messages replayed to a joining user
	Presence bool // broadcast join/leave to everyone, not just the joiner
	// OmitTalkContent logs talk lines with the user and seq but not the
	// message text, for deployments that must not keep it.
	OmitTalkContent bool
	// OnFanout, if set, is called after each broadcast with the number of
	// members it went to and how long queueing it to all of them took.
	// It runs under the room's lock: keep it short (a histogram's Observe).
	OnFanout func(members int, took time.Duration)
}

// RoomStats are counters since the room started.
type RoomStats struct {
	Users         int               // online in the whole room (all nodes)
	LocalMembers  int               // connected to this node
	Events        uint64            // talk, join and leave events delivered here
	Deliveries    uint64            // frames queued to members: the sum of FramesOut
	FramesOut     map[string]uint64 // frames queued to members, by message type
	SlowConsumers uint64            // members closed because their queue was full
	ClaimsLost    uint64            // members closed because their claim was lost
}

// Room is one chat room as seen from this node. Members join and leave, talk
// through the Broker, and receive every event in the Broker's order.
//
// A joining member receives, in order: its own join, the user list, the last
// History talks, then live events. Everything a member receives is queued
// under the room's lock, so every member sees the same order; nothing is
// written to a socket under it.
type Room struct {
	broker Broker
	framer Framer
	cfg    RoomConfig
	log    logrus.FieldLogger

	mu       sync.Mutex
	users    *userList         // online in the whole room
	local    map[string]*entry // this node's members, joined or joining
	active   []*entry          // members receiving events, in no order
	history  []*Frame          // ring of the last cfg.History talks
	histNext int               // index of the oldest talk once history is full
	stats    RoomStats
}

type entry struct {
	m       Member
	pos     int  // index in Room.active, or -1
	joined  bool // its join was delivered
	leaving bool // Leave is announcing its leave
}

// NewRoom creates a room fed by b, whose frames f builds.
func NewRoom(b Broker, f Framer, cfg RoomConfig, log logrus.FieldLogger) (*Room, error) {
	r := &Room{
		broker: b,
		framer: f,
		cfg:    cfg,
		log:    log,
		users:  newUserList(),
		local:  make(map[string]*entry),
	}
	r.stats.FramesOut = make(map[string]uint64)
	if err := b.Subscribe(Handlers{Event: r.deliver, ClaimLost: r.claimLost, Link: r.linkChanged}); err != nil {
		return nil, err
	}
	return r, nil
}

// linkChanged tells this node's members that its link to the other nodes
// is lost (up false) or back: meanwhile nothing they send goes through.
func (r *Room) linkChanged(up bool) {
	if up {
		r.Notice(config.NoticeBusUp)
	} else {
		r.Notice(config.NoticeBusDown)
	}
}

// claimLost ends the local session of name, whose claim the broker lost.
func (r *Room) claimLost(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.local[name]; e != nil && !e.leaving {
		r.endLost(e, false)
	}
}

// endLost ends e, a local member whose claim is lost: its node was cut off
// from NATS for longer than the claim TTL, so the other nodes announced its
// leave (or someone took its name). Rather than go on unlisted and deaf, it
// is forgotten here, told why and closed, and the client reconnects. With
// release, the broker still holds its claim, which is given back. The
// member's Leave then does nothing.
func (r *Room) endLost(e *entry, release bool) {
	name := e.m.Name()
	r.remove(name)
	r.stats.ClaimsLost++
	// Removed first, so a full queue does not make it a slow consumer: the
	// close then says why on its own.
	r.send(e, r.frame(&model.ChatRoomRequest{Type: model.TypeError, Content: config.NoticeClaimLost}))
	e.m.Close(DisconnectClaimLost)
	if release {
		// Not under the room's lock. Another session cannot claim the name
		// on this node before the release: the broker refuses a name it
		// holds.
		go r.broker.Release(name)
	}
	r.log.WithField("user", name).Warn("claim lost: session ended")
}

// Claim reserves name for a connection that is about to join.
func (r *Room) Claim(ctx context.Context, name string) error {
	return r.broker.Claim(ctx, name, nil)
}

// ClaimGuest reserves and returns a fresh guest name, for users who gave none.
func (r *Room) ClaimGuest(ctx context.Context) (string, error) {
	var b [4]byte
	for range 16 {
		rand.Read(b[:])
		name := "guest-" + hex.EncodeToString(b[:])
		err := r.broker.Claim(ctx, name, nil)
		if !errors.Is(err, ErrNameTaken) {
			return name, err
		}
	}
	return "", errors.New("could not find a free guest name")
}

// Release gives back a name that was claimed but never joined.
func (r *Room) Release(name string) { r.broker.Release(name) }

// Join adds m, whose name is claimed, to the room and announces it.
func (r *Room) Join(ctx context.Context, m Member) error {
	name := m.Name()
	r.mu.Lock()
	if _, dup := r.local[name]; dup {
		r.mu.Unlock()
		return fmt.Errorf("%q is already a member", name)
	}
	r.local[name] = &entry{m: m, pos: -1}
	r.mu.Unlock()
	err := r.broker.Publish(ctx, event(model.TypeJoin, name, ""))
	if err != nil {
		r.mu.Lock()
		r.removeMember(m)
		r.mu.Unlock()
	}
	return err
}

// Leave removes m from the room, announces it and releases its name. Call
// it exactly once for every member that joined. A member whose session the
// room ended (its claim was lost) is gone already: nothing is announced,
// which could remove a new session of the same name.
func (r *Room) Leave(ctx context.Context, m Member) {
	name := m.Name()
	r.mu.Lock()
	e := r.local[name]
	ours := e != nil && e.m == m
	if ours {
		e.leaving = true
	}
	r.mu.Unlock()
	if !ours {
		return
	}
	// The leave goes before the release: a node that sees the name's key go
	// finds the user gone already, and announces nothing.
	if err := r.broker.Publish(ctx, event(model.TypeLeave, name, "")); err != nil {
		// The others will not hear of it (until they find its claim gone);
		// at least stop delivering here.
		r.log.WithFields(logrus.Fields{"user": name, "error": err}).Warn("leave not published")
		r.mu.Lock()
		r.removeMember(m)
		r.users.remove(name)
		r.mu.Unlock()
	}
	r.broker.Release(name)
}

// Talk sends content from m to everyone in the room. The caller has checked
// the content; the sender's name and the time come from the server.
func (r *Room) Talk(ctx context.Context, m Member, content string) error {
	ev := event(model.TypeTalk, m.Name(), content)
	if err := r.broker.Publish(ctx, ev); err != nil {
		return err
	}
	fields := logrus.Fields{"user": ev.UserName, "seq": ev.Seq}
	if !r.cfg.OmitTalkContent {
		fields["content"] = ev.Content // within -max-content, checked by the caller
	}
	r.log.WithFields(fields).Info("talk")
	return nil
}

// UserList returns the reply to a "userlist" request: every online user,
// name -> name. The frame is built once per membership change and shared.
func (r *Room) UserList() *Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.userListLocked()
}

// SendUserList queues the user list to m alone. It is queued under the
// room's lock, so it cannot arrive after a join or leave it does not show.
func (r *Room) SendUserList(m Member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reply(m, r.userListLocked())
}

// Reply queues f to m alone, closing m as a slow consumer if its queue is
// full, as a broadcast would.
func (r *Room) Reply(m Member, f *Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reply(m, f)
}

func (r *Room) reply(m Member, f *Frame) {
	if e := r.local[m.Name()]; e != nil && e.m == m {
		r.send(e, f)
	} else if res := m.Send(f); res == QueueFull {
		m.Close(DisconnectSlowConsumer)
	} else if res == Queued {
		r.counted(f, 1)
	}
}

// Notice sends content, as an error message, to every member on this node:
// something about the service itself, such as its link to the other nodes.
func (r *Room) Notice(content string) {
	f := r.frame(&model.ChatRoomRequest{Type: model.TypeError, Content: content})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.broadcast(f)
}

// Stats returns the room's counters.
func (r *Room) Stats() RoomStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.FramesOut = maps.Clone(r.stats.FramesOut)
	for _, n := range s.FramesOut {
		s.Deliveries += n
	}
	s.Users = r.users.len()
	s.LocalMembers = len(r.local)
	return s
}

func event(typ, name, content string) *model.ChatRoomRequest {
	return &model.ChatRoomRequest{Type: typ, UserName: name, Content: content} // the Broker stamps seq and time
}

// deliver is the Broker's handler: every event of the room, in order.
func (r *Room) deliver(ev *model.ChatRoomRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Events++
	switch ev.Type {
	case model.TypeTalk:
		f := r.frame(ev)
		r.remember(f)
		r.broadcast(f)
	case model.TypeJoin:
		r.users.add(ev.UserName)
		e := r.local[ev.UserName]
		if e != nil && e.joined && !e.leaving {
			// Someone else joined with this member's name: its claim was
			// lost, and the name taken.
			r.endLost(e, true)
			e = nil
		}
		first := e != nil && !e.joined
		if first {
			e.joined = true
			e.pos = len(r.active)
			r.active = append(r.active, e)
		}
		switch {
		case r.cfg.Presence:
			r.broadcast(r.frame(ev))
		case e != nil:
			r.send(e, r.frame(ev))
		}
		if first && e.pos >= 0 {
			r.send(e, r.userListLocked())
			r.replay(e)
		}
	case model.TypeLeave:
		listed := r.users.has(ev.UserName)
		r.users.remove(ev.UserName)
		switch e := r.local[ev.UserName]; {
		case e == nil:
		case e.leaving:
			r.remove(ev.UserName)
		case e.joined:
			// Not this node's doing: the others found its claim gone.
			r.endLost(e, true)
		default:
			// Joining: this leave is an earlier session's, before the
			// join on its way.
		}
		// A leave for someone never listed here (several nodes, one of
		// which listed a name claimed by a handshake that never joined)
		// tells this node's users nothing.
		if r.cfg.Presence && listed {
			r.broadcast(r.frame(ev))
		}
	default:
		r.log.WithField("type", ev.Type).Warn("broker delivered an unknown event type")
	}
}

// broadcast queues f to every active member; members whose queue is full
// are closed as slow consumers.
func (r *Room) broadcast(f *Frame) {
	var start time.Time
	if r.cfg.OnFanout != nil { // no clock reads when nobody measures
		start = time.Now()
	}
	var slow []*entry
	queued := 0
	for _, e := range r.active {
		switch e.m.Send(f) {
		case Queued:
			queued++
		case QueueFull:
			slow = append(slow, e)
		}
	}
	r.counted(f, queued)
	for _, e := range slow {
		r.dropSlow(e)
	}
	if r.cfg.OnFanout != nil {
		r.cfg.OnFanout(len(r.active)+len(slow), time.Since(start))
	}
}

func (r *Room) send(e *entry, f *Frame) {
	switch e.m.Send(f) {
	case Queued:
		r.counted(f, 1)
	case QueueFull:
		r.dropSlow(e)
	}
}

// counted adds n deliveries of f to the counters.
func (r *Room) counted(f *Frame, n int) {
	r.stats.FramesOut[f.Type] += uint64(n)
}

// dropSlow closes a member whose queue is full. The member logs its own
// close, outside the room's lock.
func (r *Room) dropSlow(e *entry) {
	if e.pos < 0 {
		return
	}
	r.deactivate(e)
	r.stats.SlowConsumers++
	e.m.Close(DisconnectSlowConsumer)
}

func (r *Room) deactivate(e *entry) {
	if e.pos < 0 {
		return
	}
	last := r.active[len(r.active)-1]
	r.active[e.pos] = last
	last.pos = e.pos
	r.active[len(r.active)-1] = nil
	r.active = r.active[:len(r.active)-1]
	e.pos = -1
}

// remove forgets a local member, if name is one.
func (r *Room) remove(name string) {
	if e := r.local[name]; e != nil {
		r.deactivate(e)
		delete(r.local, name)
	}
}

// removeMember forgets m, if it is still the local member of its name.
func (r *Room) removeMember(m Member) {
	if e := r.local[m.Name()]; e != nil && e.m == m {
		r.remove(m.Name())
	}
}

func (r *Room) remember(f *Frame) {
	n := r.cfg.History
	switch {
	case n <= 0:
	case len(r.history) < n:
		r.history = append(r.history, f)
	default:
		r.history[r.histNext] = f
		r.histNext = (r.histNext + 1) % n
	}
}

func (r *Room) replay(e *entry) {
	for i := range r.history {
		if e.pos < 0 {
			return
		}
		r.send(e, r.history[(r.histNext+i)%len(r.history)])
	}
}

func (r *Room) userListLocked() *Frame {
	return r.users.frame(r.framer)
}

// frame encodes m and builds its frame.
func (r *Room) frame(m *model.ChatRoomRequest) *Frame { return NewFrame(r.framer, m) }
