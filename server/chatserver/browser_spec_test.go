package chatserver

import (
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// A client written to the original specification (text frames, no
// username, no room: it knows nothing of rooms) and a browser page chat in
// the default room, each seeing the other's talk.
func TestBrowserChatsWithSpecClient(t *testing.T) {
	b := browser(t)
	r := start(t)
	spec, _, err := websocket.DefaultDialer.Dial("ws://"+r.addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer spec.Close()
	guest := until(t, spec, model.TypeJoin).UserName
	alice := page(t, b, "http://"+r.addr+"/?username=alice", "en-US,en")
	waitJS(t, alice, "alice to connect", `document.body.dataset.state === "connected"`)
	waitJS(t, alice, "the spec client in alice's list", userShown(guest))
	if err := spec.WriteMessage(websocket.TextMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "来自规范客户端"})); err != nil {
		t.Fatal(err)
	}
	waitJS(t, alice, "the spec client's talk", messageShown("来自规范客户端"))
	typeAndEnter(t, alice, "hello, spec")
	if m, _ := talkAfter(t, spec, "hello, spec"); m.UserName != "alice" {
		t.Fatalf("the spec client got %v", m)
	}
}
