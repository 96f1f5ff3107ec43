package chatserver

import (
	"net/http"
	"strings"
	"testing"

	"chatroom/model"
	"chatroom/service"
	"chatroom/service/store"
)

// A ban is kept in -data-dir's store (service/store): it survives a
// restart of the server on the same directory, as do the rooms' topics.
func TestModerationBanSurvivesRestart(t *testing.T) {
	if _, kept := any((*store.Store)(nil)).(service.ModerationStore); !kept {
		t.Skip("service/store keeps no moderation yet (branch m-store): bans are in memory, lost at exit")
	}
	dir := t.TempDir()
	first := startMod(t, "-data-dir", dir)
	admin := dialMod(t, first.addr, "admin", "admin", "den")
	admin.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob", Content: "for good"})
	admin.untilEvent(model.TypeBan, "bob")
	admin.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "kept"})
	admin.until(model.TypeTopic)
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
}
