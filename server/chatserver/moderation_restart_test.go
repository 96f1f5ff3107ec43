package chatserver

import (
	"net/http"
	"strings"
	"testing"

	"chatroom/model"
)

// A ban is kept in -data-dir's store (service/store): it survives a
// restart of the server on the same directory, as do the rooms' topics.
func TestModerationBanSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first := startMod(t, "-data-dir", dir)
	admin := dialMod(t, first.addr, "admin", "admin", "den")
	admin.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob", Content: "for good"})
	admin.untilEvent(model.TypeBan, "bob")
	admin.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "kept"})
	admin.until(model.TypeTopic)
	admin.say("den", "secret")
	talk, _ := admin.untilTalk("secret")
	admin.say("den", "after")
	admin.untilTalk("after")
	admin.send(&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: talk.Seq})
	admin.untilEvent(model.TypeDelete, "admin")
	admin.ws.Close()
	first.cancel()
	first.wait(t)

	again := startMod(t, "-data-dir", dir)
	code, text, _ := handshake(t, nil, modURL(t, again.addr, "bob", ""), nil)
	if code != http.StatusForbidden || !strings.Contains(text, "for good") {
		t.Errorf("bob after a restart: %d %q", code, text)
	}
	carol := dialMod(t, again.addr, "carol", "", "den")
	if m := carol.until(model.TypeTopic); m.Topic != "kept" {
		t.Errorf("den's topic after a restart: %v", m)
	}
	// The joiner's last talks show the tombstone in the talk's place.
	m := carol.untilAny(model.TypeDelete, model.TypeTalk)
	if m.Type != model.TypeDelete || m.Seq != talk.Seq || m.UserName != "admin" || m.Content != "" {
		t.Errorf("the first of den's last talks after a restart: %v", m)
	}
	if m, _ := carol.untilTalk("after"); m.Seq <= talk.Seq {
		t.Errorf("then %v", m)
	}
}
