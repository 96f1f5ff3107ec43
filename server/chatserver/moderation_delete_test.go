package chatserver

import (
	"testing"

	"chatroom/model"
)

// Deletes over real sockets: the room's members are told to drop the
// talk, and a history request shows its tombstone instead.

func TestModerationDelete(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	bob.say("den", "oops, my password")
	talk, _ := alice.untilTalk("oops, my password")
	bob.untilTalk("oops, my password")
	bob.send(&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: talk.Seq})
	bob.refusedWith("den", "only a moderator, the owner or an admin of room den may delete messages there")
	alice.send(&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: talk.Seq, Content: "leak"})
	for _, c := range []*roomClient{alice, bob} {
		d := c.untilEvent(model.TypeDelete, "bob")
		if d.TargetSeq != talk.Seq || d.By != "alice" || d.Room != "den" || d.Content != "" {
			t.Errorf("%s: delete event %v", c.name, d)
		}
	}
	// The history shows the tombstone, not the talk.
	carol := dialMod(t, srv.addr, "carol", "", "den")
	carol.send(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "den"})
	tomb := false
	for range 1000 {
		m := carol.untilAny(model.TypeHistory, model.TypeDelete, model.TypeTalk)
		if m.Type == model.TypeHistory {
			break
		}
		if m.Type == model.TypeTalk && m.Seq == talk.Seq {
			t.Errorf("history still has the talk %v", m)
		}
		if m.Type == model.TypeDelete && m.Seq == talk.Seq && m.UserName == "bob" && m.By == "alice" && m.Content == "" {
			tomb = true
		}
	}
	if !tomb {
		t.Error("the history has no tombstone of the talk")
	}
	// Kept on disk (-data-dir): scroll back shows the tombstone, search
	// finds nothing.
	carol.send(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "den", Limit: 50})
	page := carol.until(model.TypeHistory)
	tomb = false
	for _, m := range page.Messages {
		if m.Seq == talk.Seq {
			tomb = m.Type == model.TypeDelete && m.UserName == "bob" && m.By == "alice" && m.Content == ""
		}
	}
	if !tomb {
		t.Errorf("scroll back has no tombstone: %v", page.Messages)
	}
	carol.send(&model.ChatRoomRequest{Type: model.TypeSearch, Room: "den", Content: "password"})
	if found := carol.until(model.TypeSearch); len(found.Messages) != 0 {
		t.Errorf("search finds %v", found.Messages)
	}
	// Deleted already, or never said.
	alice.send(&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: talk.Seq})
	alice.refusedWith("den", "room den keeps no message")
	alice.send(&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den"})
	alice.refusedWith("den", "target_seq")
}

// untilAny reads until a message of one of types and returns it.
func (c *roomClient) untilAny(types ...string) *model.ChatRoomRequest {
	c.t.Helper()
	for range 10000 {
		m, err := read(c.t, c.ws)
		if err != nil {
			c.t.Fatalf("%s waits for %v: %v", c.name, types, err)
		}
		for _, typ := range types {
			if m.Type == typ {
				return m
			}
		}
	}
	c.t.Fatalf("%s: none of %v in 10000 messages", c.name, types)
	return nil
}
