package chatserver

import (
	"testing"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Kicks over real sockets: the room sees the kick event, the target is
// parted (or, from its home room, closed with 4001).

func TestModerationKickPartsTarget(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den") // opens den: its owner
	bob := dialMod(t, srv.addr, "bob", "", "lobby", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "bob", Content: "spam"})
	for _, c := range []*roomClient{alice, bob} {
		k := c.untilEvent(model.TypeKick, "bob")
		if k.Room != "den" || k.By != "alice" || k.Content != "spam" || k.Seq == 0 {
			t.Errorf("%s got kick %v", c.name, k)
		}
	}
	if l := bob.untilEvent(model.TypeLeave, "bob"); l.Room != "den" {
		t.Errorf("bob's leave is of %q", l.Room)
	}
	bob.say("den", "still here?")
	bob.refusedWith("den", "not in room den")
	bob.say("lobby", "hello lobby") // its home room is untouched
	bob.untilTalk("hello lobby")
}

func TestModerationKickHomeCloses4001(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "bob", Content: "bye"})
	if k := bob.untilEvent(model.TypeKick, "bob"); k.Content != "bye" {
		t.Errorf("kick says %q", k.Content)
	}
	bob.closedWith(4001)
	alice.untilEvent(model.TypeLeave, "bob")
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		n := scrape(t, nil, srv.metrics, `chatroom_closes_total{cause="kicked"}`)
		return poll.Check(n == 1, "closes counted as kicked: %v", n)
	})
}

func TestModerationKickRefusals(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	carol := dialMod(t, srv.addr, "carol", "", "den")
	alice.untilEvent(model.TypeJoin, "carol")
	// A plain user may not kick.
	bob.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "carol"})
	bob.refusedWith("den", "only a moderator, the owner or an admin of room den may kick")
	// A moderator may kick a plain user, not the owner.
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleModerator})
	if r := bob.untilEvent(model.TypeRole, "bob"); r.Role != model.RoleModerator || r.By != "alice" {
		t.Errorf("role event %v", r)
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "alice"})
	bob.refusedWith("den", "may not kick alice", "same as yours or higher")
	// An unknown user.
	bob.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "nobody"})
	bob.refusedWith("den", "user nobody is not in room den")
	// A bad name.
	bob.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: ""})
	bob.refusedWith("den", "the user acted on")
	bob.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "carol", Content: "go"})
	carol.untilEvent(model.TypeKick, "carol")
	carol.closedWith(4001)
	if n := scrape(t, nil, srv.metrics, `chatroom_room_refusals_total{rule="not_allowed"}`); n != 2 {
		t.Errorf("not_allowed refusals counted: %v, want 2", n)
	}
	if n := scrape(t, nil, srv.metrics, `chatroom_room_refusals_total{rule="no_such_user"}`); n != 1 {
		t.Errorf("no_such_user refusals counted: %v, want 1", n)
	}
}

func TestModerationNeedsTrustedNames(t *testing.T) {
	srv := start(t)
	alice := dialRooms(t, srv.addr, "alice", "den")
	bob := dialRooms(t, srv.addr, "bob", "den")
	_ = bob
	for _, m := range []*model.ChatRoomRequest{
		{Type: model.TypeKick, Room: "den", To: "bob"},
		{Type: model.TypeTopic, Room: "den", Topic: "x"},
		{Type: model.TypeAudit},
	} {
		alice.send(m)
		if e := alice.refused(); e.Content != "moderation needs names proven by tokens (-auth-secret); the operator moderates with the server API" {
			t.Errorf("%s: refused with %q", m.Type, e.Content)
		}
	}
}
