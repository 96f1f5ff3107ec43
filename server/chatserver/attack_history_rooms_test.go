package chatserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chatroom/model"
)

// Attacks on the rooms' history: reading a room one is not in, has left,
// or may not join.

// readsNothingOf asks, as c, for room's history in every form (scroll
// back, the old form, search) and fails unless each is refused with an
// error naming the room.
func (c *roomClient) readsNothingOf(room, asked string) {
	c.t.Helper()
	reqs := []*model.ChatRoomRequest{
		{Type: model.TypeHistory, Room: asked, Limit: 200},
		{Type: model.TypeHistory, Room: asked, Before: 1 << 62, Limit: 10},
		{Type: model.TypeHistory, Room: asked},
		{Type: model.TypeSearch, Room: asked, Content: "secret"},
	}
	for _, req := range reqs {
		m, _ := c.roundTrip(req, req.Type)
		if m.Type == model.TypeTalk {
			c.t.Fatalf("%s asked %v of %q and was sent a talk: %v", c.name, req.Type, asked, m)
		}
		if m.Type != model.TypeError || len(m.Messages) > 0 || !strings.Contains(m.Content, "not in room") {
			c.t.Errorf("%s asked %v (limit %d) of %q: %v, want an error: not in room %s", c.name, req.Type, req.Limit, asked, m, room)
		}
	}
}

// A room's history, asked by someone not in it (never joined, parted,
// under another case or width of its name), is refused; a DM
// conversation's key, or a name with a space or a NUL, given as a room
// is not a room.
func TestAttackHistoryRoomsNotIn(t *testing.T) {
	r := start(t, "-log-stderr=false", "-userlist-burst", "50", "-userlist-burst-per-ip", "50")
	ann := dialRoomsFrom(t, bystanderAddr, r.addr, "ann", "secret")
	ann.say("secret", "the secret plan")
	ann.untilTalk("the secret plan")
	ann.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "bob", Content: "secret to bob"})
	mal := dialRoomsFrom(t, attackerAddr, r.addr, "mallory")
	for _, asked := range []string{"secret", "SECRET", "ｓｅｃｒｅｔ"} {
		mal.readsNothingOf("secret", asked)
	}
	mal.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "secret"})
	mal.until(model.TypeUserList)
	mal.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "secret"})
	if m := mal.until(model.TypeLeave); m.Room != "secret" {
		t.Fatalf("part: %v", m)
	}
	mal.readsNothingOf("secret", "secret")
	for _, asked := range []string{"@ann\nbob", "@bob\nann", "@", " secret ", "secret\x00"} {
		m, _ := mal.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, Room: asked, Limit: 10}, model.TypeHistory)
		if m.Type != model.TypeError || len(m.Messages) > 0 {
			t.Errorf("history of room %q: %v", asked, m)
		}
	}
}

// With -auth-secret, a token that allows only the lobby: the refused join
// of another room leaves no way to read it.
func TestAttackHistoryRoomsNotAllowed(t *testing.T) {
	const secret = "a-secret-for-tests-32-bytes-long"
	r := start(t, "-log-stderr=false", "-auth-secret", secret)
	ann := dialToken(t, bystanderAddr, r.addr, mint(t, secret, "ann", "lobby", "secret"), "secret")
	ann.say("secret", "the secret plan")
	ann.untilTalk("the secret plan")
	mal := dialToken(t, attackerAddr, r.addr, mint(t, secret, "mallory", "lobby"))
	mal.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "secret", Since: 1})
	if m := mal.refused(); m.Room != "secret" {
		t.Fatalf("a join the token does not allow: %v", m)
	}
	mal.readsNothingOf("secret", "secret")
	q := url.Values{"room": {"secret"}, "since": {"secret:1"}}
	h := http.Header{"Authorization": {"Bearer " + mint(t, secret, "mallory2", "lobby")}}
	if status, reason, _ := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws?"+q.Encode(), h); status == http.StatusSwitchingProtocols {
		t.Errorf("a handshake into a room the token does not allow, with since: %d %s", status, reason)
	}
}

// dialToken connects from src with the token tok to rooms (none: the
// lobby), and reads up to the last room's user list.
func dialToken(t *testing.T, src, addr, tok string, rooms ...string) *roomClient {
	t.Helper()
	q := url.Values{"room": rooms, "token": {tok}}
	ws, _, err := dialerFrom(src).Dial("ws://"+addr+"/ws?"+q.Encode(), nil)
	if err != nil {
		t.Fatalf("dial with a token to %v: %v", rooms, err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &roomClient{t: t, name: "token", ws: ws}
	for range max(1, len(rooms)) {
		c.until(model.TypeUserList)
	}
	return c
}
