package chatserver

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// Attacks that try to get around a mute, a ban or a room's owner, over
// real sockets.

// A muted user's talk with no room (its home room) or with the room
// written otherwise is refused; a ban of a user online in another room
// only keeps it out of the banned room (its connection stays).
func TestAttackModerationMuteAndBanReach(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	carol := dialMod(t, srv.addr, "carol", "")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "bob", Duration: 60})
	bob.untilEvent(model.TypeMute, "bob")
	for _, room := range []string{"", "den", " den"} {
		bob.say(room, "still talking")
		if e := bob.refused(); e.Room != "den" && room != " den" {
			t.Errorf("talk in %q while muted: %q in room %q", room, e.Content, e.Room)
		}
	}
	// carol is online in the default room only: a ban from den keeps her
	// out of den, and leaves her connection.
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "carol", Duration: 60})
	alice.untilEvent(model.TypeBan, "carol")
	carol.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "den"})
	carol.refusedWith("den", "you are banned in room den")
	carol.say("", "still here")
	carol.untilTalk("still here")
}

// The owner of a room stays its owner when the room empties: whoever opens
// it again is not its owner.
func TestAttackModerationRoomReopened(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	alice.ws.Close()
	bob := dialModFree(t, srv.addr, "bob", "den")
	carol := dialMod(t, srv.addr, "carol", "", "den")
	bob.untilEvent(model.TypeJoin, "carol")
	bob.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "carol"})
	bob.refusedWith("den", "only a moderator, the owner or an admin of room den may kick there")
	carol.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "mine"})
	carol.refusedWith("den", "may set the topic there")
}

// One moderator sends a flood of bans of names that are nowhere, as fast
// as it can: the connection's rate limit is charged for each, so the
// store and the audit trail grow by the rate (-msg-rate) at most. The
// numbers are printed (a measurement, not a test of speed).
func TestAttackModerationBanFlood(t *testing.T) {
	srv := startMod(t, "-api-key", testAPIKey)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	const n = 2000
	began := time.Now()
	sent := 0
	for i := range n {
		if alice.ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: fmt.Sprintf("ghost%d", i), Content: "flood"})) != nil {
			break // closed as a flooding connection
		}
		sent++
	}
	taken, limited, other := 0, 0, 0
	for {
		m, err := readWithin(t, alice.ws, waitTime)
		if err != nil {
			t.Logf("the flooder's connection: %v", err)
			break
		}
		switch {
		case m.Type == model.TypeBan:
			taken++
		case m.Type == model.TypeError && m.Content == "rate limited":
			limited++
		case m.Type == model.TypeError:
			other++
			t.Logf("refusal: %q", m.Content)
		}
	}
	elapsed := time.Since(began)
	api := newAPIClient(t, srv)
	bans := api.want(200, "GET", "/api/bans?room=den", nil)
	t.Logf("%d of %d bans sent in %v: %d taken, %d rate limited, %d other; /api/bans lists %d", sent, n, elapsed, taken, limited, other, len(bans["bans"].([]any)))
	if budget := 20 + int(elapsed.Seconds()*10) + 10; len(bans["bans"].([]any)) > budget {
		t.Errorf("%d bans taken in %v: more than the rate limit lets through (%d)", taken, elapsed, budget)
	}
}

// A room that looks like the default room ("l0bby", Cyrillic "lоbby"),
// opened while no one is in the default room (else the handshake refuses
// the look-alike), gets no owner: its opener may not set a topic that
// passes for the operator's, nor moderate it.
func TestAttackModerationDefaultRoomLookAlike(t *testing.T) {
	for _, fake := range []string{"l0bby", "l\u043Ebby", "1obby"} {
		srv := startMod(t)
		m := dialMod(t, srv.addr, "mallory", "", fake)
		m.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: fake, Topic: "the official lobby"})
		m.refusedWith(fake, "may set the topic there")
	}
}
