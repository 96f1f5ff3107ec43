package chatserver

import (
	"net/http"
	"strings"
	"testing"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Moderation across two nodes on one NATS, which keeps moderation's state
// for both (service.NatsBroker's Moderation): what is done on one node is
// enforced on the other.
func TestModerationAcrossNodes(t *testing.T) {
	a, b := twoNodes(t, "-auth-secret", modSecret, "-log-stderr")
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(a.stderr.String(), b.stderr.String())
		}
	})
	alice := dialMod(t, a.addr, "alice", "", "den") // den's owner
	root := dialMod(t, a.addr, "root", "admin", "lobby", "den")
	bob := dialMod(t, b.addr, "bob", "", "lobby", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "shared"})
	bob.until(model.TypeTopic)
	// A mute on node a keeps bob, on node b, quiet.
	alice.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "bob"})
	bob.untilEvent(model.TypeMute, "bob")
	bob.say("den", "hello?")
	bob.refusedWith("den", "you are muted in room den for ever")
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnmute, Room: "den", To: "bob"})
	bob.untilEvent(model.TypeUnmute, "bob")
	// A talk said on node b, deleted on node a.
	bob.say("den", "delete me")
	talk, _ := alice.untilTalk("delete me")
	alice.send(&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: talk.Seq})
	if d := bob.untilEvent(model.TypeDelete, "bob"); d.TargetSeq != talk.Seq {
		t.Errorf("bob's delete event %v", d)
	}
	// A kick on node a parts bob on node b.
	alice.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "bob"})
	bob.untilEvent(model.TypeKick, "bob")
	bob.untilEvent(model.TypeLeave, "bob")
	// A joiner on node b gets den's topic.
	carol := dialMod(t, b.addr, "carol", "", "den")
	if m := carol.until(model.TypeTopic); m.Topic != "shared" {
		t.Errorf("carol's topic %v", m)
	}
	// A server ban on node a closes bob on node b; both refuse him.
	root.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob", Content: "enough"})
	bob.closedWith(4003)
	for _, n := range []*running{a, b} {
		poll.CheckFor(t, waitTime, pollEvery, func() error {
			code, text, ws := handshake(t, nil, modURL(t, n.addr, "bob", ""), nil)
			if ws != nil {
				ws.Close()
			}
			return poll.Check(code == http.StatusForbidden && strings.Contains(text, "enough"), "bob's handshake: %d %q", code, text)
		})
	}
}
