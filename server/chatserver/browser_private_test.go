package chatserver

import (
	"testing"

	"github.com/chromedp/chromedp"

	"chatroom/model"
)

// A page alone in a private room comes back to it private after the
// server restarts: the room is joined again, and not listed.
func TestBrowserRejoinsPrivateRoomsPrivate(t *testing.T) {
	b := browser(t)
	r := start(t)
	p := page(t, b, "http://"+r.addr+"/?username=alice&lang=en", "")
	waitJS(t, p, "alice in the lobby", `document.body.dataset.state === "connected" && `+listed("room", "lobby"))
	if err := chromedp.Do(p, chromedp.SendKeys("#room-name", "hideout"), chromedp.Click("#room-private"), chromedp.Click("#join-room")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "hideout joined", titled("# hideout"))

	r.cancel()
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	waitJS(t, p, "the page to see the restart", `document.body.dataset.state === "reconnecting"`)
	r2 := start(t, "-addr", r.addr)
	waitJS(t, p, "the reconnect", `document.body.dataset.state === "connected"`)
	bob := brDial(t, r2.addr, "bob")
	until(t, bob, model.TypeUserList)
	brSend(t, bob, &model.ChatRoomRequest{Type: model.TypeJoin, Room: "hideout"})
	if m := until(t, bob, model.TypeUserList); m.Room != "hideout" || m.UserList["alice"] == "" || !m.Private {
		t.Fatalf("hideout after the restart: %+v, want alice in it, unlisted", m)
	}
	brSend(t, bob, &model.ChatRoomRequest{Type: model.TypeRooms})
	for _, ri := range until(t, bob, model.TypeRooms).Rooms {
		if ri.Name == "hideout" {
			t.Fatal("the private room is listed after the page came back to it")
		}
	}
}
