package chatserver

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// The audit trail over real sockets, reserved names at the handshake, and
// a client of the specification's protocol, untouched by moderation.

func TestModerationAudit(t *testing.T) {
	srv := startMod(t, "-log-stderr")
	admin := dialMod(t, srv.addr, "admin", "admin", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	admin.untilEvent(model.TypeJoin, "bob")
	admin.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "rules"})
	admin.until(model.TypeTopic)
	admin.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "bob", Duration: 60, Content: "shouting"})
	admin.untilEvent(model.TypeMute, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeAudit})
	bob.refusedWith("", "only a server admin may read the audit trail")
	admin.send(&model.ChatRoomRequest{Type: model.TypeAudit, Limit: 1})
	page := admin.until(model.TypeAudit)
	if len(page.Messages) != 1 || !page.More {
		t.Fatalf("audit page of 1: %v", page)
	}
	if m := page.Messages[0]; m.Type != model.TypeMute || m.UserName != "bob" || m.By != "admin" || m.Content != "shouting" || m.Duration != 60 || m.Room != "den" || m.Seq == 0 {
		t.Errorf("newest entry %v", m)
	}
	admin.send(&model.ChatRoomRequest{Type: model.TypeAudit, Before: page.Messages[0].Seq})
	older := admin.until(model.TypeAudit)
	if len(older.Messages) != 1 || older.More || older.Messages[0].Type != model.TypeTopic || older.Messages[0].Topic != "rules" {
		t.Errorf("older page %v", older)
	}
	for _, want := range []string{`msg=moderation action=mute actor=admin`, `reason=shouting`, `room=den`, `target=bob`} {
		if !strings.Contains(srv.stderr.String(), want) {
			t.Errorf("the log has no %q", want)
		}
	}
}

func TestModerationReservedName(t *testing.T) {
	srv := start(t)
	for _, name := range []string{"server", "SERVER", "ѕerver"} { // the last with a Cyrillic ѕ
		code, text, _ := handshake(t, nil, "ws://"+srv.addr+"/ws", http.Header{"Username": {name}})
		if code != http.StatusBadRequest || !strings.Contains(text, "reserved for the operator's messages") {
			t.Errorf("%q: %d %q", name, code, text)
		}
	}
	auth := startMod(t)
	if code, text, _ := handshake(t, nil, modURL(t, auth.addr, "server", ""), nil); code != http.StatusBadRequest || !strings.Contains(text, "reserved") {
		t.Errorf("a token for server: %d %q", code, text)
	}
}

// A client of the specification (text frames, no username header) in the
// default room gets what it always got, whatever moderation requests
// others send: its join, the user list, others' joins, talks.
func TestModerationSpecClientUnaffected(t *testing.T) {
	srv := start(t)
	spec, _, err := websocket.DefaultDialer.Dial("ws://"+srv.addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { spec.Close() })
	me := until(t, spec, model.TypeJoin).UserName
	alice := dialRooms(t, srv.addr, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeKick, To: me})
	alice.refused()
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Topic: "nope"})
	alice.refused()
	if err := spec.WriteMessage(websocket.TextMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "hi"})); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		m, err := read(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Type)
		if m.Type == model.TypeTalk {
			break
		}
	}
	if want := []string{model.TypeUserList, model.TypeJoin, model.TypeTalk}; !slices.Equal(got, want) {
		t.Errorf("the spec client got %v, want %v", got, want)
	}
}
