package chatserver

import (
	"net/http"
	"strings"
	"testing"

	"chatroom/model"
)

// Attacks on bans over real sockets: evasion by look-alike names and by
// reconnecting, and address bans used against those a moderator may not
// act on.

// dialModFrom is dialMod from the loopback address src, into rooms.
func dialModFrom(t *testing.T, src, addr, name, role string, rooms ...string) *roomClient {
	t.Helper()
	status, reason, ws := handshake(t, dialerFrom(src), modURL(t, addr, name, role, rooms...), nil)
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("%s from %s into %v: %d %q", name, src, rooms, status, reason)
	}
	c := &roomClient{t: t, name: name, ws: ws}
	for range max(1, len(rooms)) {
		c.until(model.TypeUserList)
	}
	return c
}

// A name banned from a room cannot come back as itself in another case,
// in fullwidth letters or as a look-alike, by handshake or by join; nor
// by reconnecting at once.
func TestAttackModerationBanEvasion(t *testing.T) {
	srv := startMod(t, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0")
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "bob", Content: "spam"})
	bob.closedWith(4001)
	for _, evader := range []string{"bob", "Bob", "BOB", "ｂｏｂ", "b\u043Eb", "b0b"} {
		code, text, _ := handshake(t, nil, modURL(t, srv.addr, evader, "", "den"), nil)
		if code != http.StatusForbidden || !strings.Contains(text, "banned in room den") {
			t.Errorf("%+q into den: %d %q, want 403 banned in room den", evader, code, text)
		}
	}
	// In the default room, then joining den: refused naming den.
	lobby := dialModFree(t, srv.addr, "Bob")
	lobby.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "den"})
	lobby.refusedWith("den", "you are banned in room den for ever: spam")
}

// An address ban is of the address a name is connected from, which
// others share (a NAT, an office, an IPv6 /64). A moderator's address ban
// of a plain user must not shut out the room's owner (or an admin)
// behind the same address: someone it may not act on by name.
func TestAttackModerationAddressBanOfTheOwner(t *testing.T) {
	srv := startMod(t, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0")
	const shared, elsewhere = "127.0.0.2", "127.0.0.3"
	alice := dialModFrom(t, shared, srv.addr, "alice", "", "den")
	mod := dialModFrom(t, elsewhere, srv.addr, "mod", "", "den")
	bob := dialModFrom(t, shared, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "mod", Role: model.RoleModerator})
	mod.untilEvent(model.TypeRole, "mod")
	mod.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "bob", Address: true, Content: "spam"})
	bob.closedWith(4001)
	// Another plain name from the shared address is refused...
	if code, text, _ := handshake(t, dialerFrom(shared), modURL(t, srv.addr, "bob2", "", "den"), nil); code != http.StatusForbidden {
		t.Errorf("another name from the banned address: %d %q, want 403", code, text)
	}
	// ...but the owner, and an admin, come back.
	alice.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "den"})
	mod.untilEvent(model.TypeLeave, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "den"})
	if m := alice.untilOneOf(model.TypeUserList, model.TypeError); m.Type == model.TypeError {
		t.Errorf("the owner rejoining its room: %q", m.Content)
	}
	alice.ws.Close()
	if code, text, _ := handshake(t, dialerFrom(shared), modURL(t, srv.addr, "boss", model.RoleAdmin, "den"), nil); code != http.StatusSwitchingProtocols {
		t.Errorf("an admin from the banned address: %d %q, want 101", code, text)
	}
}
