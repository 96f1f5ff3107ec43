package chatserver

import (
	"strings"
	"testing"

	"chatroom/model"
)

// Mutes and slow mode over real sockets: a muted user reads but its talks
// are refused, naming the room and until when; in slow mode a user talks
// once per period (moderators exempt), and is told how long to wait.

func TestModerationMute(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "bob", Duration: 3600, Content: "calm down"})
	if m := bob.untilEvent(model.TypeMute, "bob"); m.Until == 0 || m.Duration != 3600 || m.Content != "calm down" || m.By != "alice" {
		t.Errorf("mute event %v", m)
	}
	bob.say("den", "can I talk?")
	bob.refusedWith("den", "you are muted in room den until ")
	alice.say("den", "bob still reads")
	bob.untilTalk("bob still reads")
	bob.send(&model.ChatRoomRequest{Type: model.TypeUnmute, Room: "den", To: "alice"})
	bob.refusedWith("den", "may unmute")
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnmute, Room: "den", To: "bob"})
	bob.untilEvent(model.TypeUnmute, "bob")
	bob.say("den", "free again")
	alice.untilTalk("free again")
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnmute, Room: "den", To: "bob"})
	alice.refusedWith("den", "bob has no mute in room den")
}

func TestModerationSlowMode(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeSlow, Room: "den", Duration: 600})
	if s := bob.until(model.TypeSlow); s.Duration != 600 || s.By != "alice" {
		t.Errorf("slow event %v", s)
	}
	bob.say("den", "one")
	alice.untilTalk("one")
	bob.say("den", "two")
	e := bob.refusedWith("den", "slow mode", "wait ")
	if !strings.Contains(e.Content, "10m0s") {
		t.Errorf("slow mode refusal %q does not say the period", e.Content)
	}
	// The owner is exempt.
	alice.say("den", "a")
	alice.say("den", "b")
	bob.untilTalk("b")
	// A joiner is told; slow mode off, bob talks again.
	carol := dialMod(t, srv.addr, "carol", "", "den")
	if s := carol.until(model.TypeSlow); s.Duration != 600 || s.Seq != 0 {
		t.Errorf("joiner's slow frame %v", s)
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeSlow, Room: "den", Duration: 1})
	bob.refusedWith("den", "may set slow mode there")
	alice.send(&model.ChatRoomRequest{Type: model.TypeSlow, Room: "den", Duration: 0})
	bob.until(model.TypeSlow)
	bob.say("den", "three")
	alice.untilTalk("three")
}
