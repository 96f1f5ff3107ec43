package chatserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Bans over real sockets: from a room (the target is parted, its joins
// and handshakes naming the room refused), from the server (the target is
// closed with 4003, its handshakes refused with 403, in band 4403), by
// address, for a while, and lifted.

func TestModerationRoomBan(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "lobby", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "bob", Content: "troll"})
	if b := bob.untilEvent(model.TypeBan, "bob"); b.Room != "den" || b.By != "alice" || b.Content != "troll" || b.Until != 0 || b.Server {
		t.Errorf("ban event %v", b)
	}
	bob.untilEvent(model.TypeLeave, "bob")
	if e := bob.join("den"); e == nil || !strings.Contains(e.Content, "you are banned in room den for ever: troll") || e.Room != "den" {
		t.Errorf("a banned join answered %v", e)
	}
	if code, text, _ := handshake(t, nil, modURL(t, srv.addr, "bob2", "", "den"), nil); code != http.StatusSwitchingProtocols {
		t.Errorf("another name is refused: %d %s", code, text)
	}
	bob.ws.Close()
	alice.untilEvent(model.TypeLeave, "bob")
	code, text, _ := handshake(t, nil, modURL(t, srv.addr, "bob", "", "den"), nil)
	if code != http.StatusForbidden || !strings.Contains(text, "you are banned in room den") {
		t.Errorf("a banned handshake got %d %q", code, text)
	}
	// Unbanned, bob comes back; the unban is told to alice alone.
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnban, Room: "den", To: "bob"})
	if u := alice.untilEvent(model.TypeUnban, "bob"); u.Room != "den" || u.By != "alice" {
		t.Errorf("unban %v", u)
	}
	dialMod(t, srv.addr, "bob", "", "den")
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnban, Room: "den", To: "bob"})
	alice.refusedWith("den", "bob has no ban in room den")
}

func TestModerationServerBan(t *testing.T) {
	srv := startMod(t, "-admins", "root")
	root := dialMod(t, srv.addr, "root", "") // an admin by -admins
	bob := dialMod(t, srv.addr, "bob", "", "den")
	mod := dialMod(t, srv.addr, "mod", "")
	// Only admins ban from the server.
	mod.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob"})
	mod.refusedWith("", "only a server admin may ban on the whole server")
	root.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob", Content: "abuse"})
	if e := bob.refused(); !strings.Contains(e.Content, "you are banned from this server: abuse") {
		t.Errorf("bob is told %q", e.Content)
	}
	bob.closedWith(4003)
	code, text, _ := handshake(t, nil, modURL(t, srv.addr, "bob", "", "lobby"), nil)
	if code != http.StatusForbidden || !strings.Contains(text, "you are banned on this server for ever: abuse") {
		t.Errorf("a banned handshake got %d %q", code, text)
	}
	// In band: an error frame with the reason, then close 4403.
	d := &websocket.Dialer{Subprotocols: []string{model.SubprotocolRefusals}, HandshakeTimeout: waitTime}
	ws, _, err := d.Dial(modURL(t, srv.addr, "bob", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	in := &roomClient{t: t, name: "bob", ws: ws}
	if e := in.refused(); !strings.Contains(e.Content, "banned") {
		t.Errorf("in band: %q", e.Content)
	}
	in.closedWith(model.CloseCodeRefused + http.StatusForbidden)
	// An admin may not be banned by an admin; the ban is lifted.
	root.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "root"})
	root.refusedWith("", "same as yours or higher")
	root.send(&model.ChatRoomRequest{Type: model.TypeUnban, Server: true, To: "bob"})
	root.untilEvent(model.TypeUnban, "bob")
	dialMod(t, srv.addr, "bob", "")
}

func TestModerationBanExpires(t *testing.T) {
	srv := startMod(t)
	admin := dialMod(t, srv.addr, "admin", "admin") // an admin by its token
	dialMod(t, srv.addr, "bob", "", "den")
	admin.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob", Duration: 1, Content: "cool off"})
	b := admin.untilEvent(model.TypeBan, "bob")
	if !b.Server || b.Until == 0 || b.Duration != 1 {
		t.Errorf("ban event %v", b)
	}
	if code, text, _ := handshake(t, nil, modURL(t, srv.addr, "bob", ""), nil); code != http.StatusForbidden || !strings.Contains(text, "until") {
		t.Errorf("during the ban: %d %q", code, text)
	}
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		code, text, ws := handshake(t, nil, modURL(t, srv.addr, "bob", ""), nil)
		if ws != nil {
			ws.Close()
		}
		return poll.Check(code == http.StatusSwitchingProtocols, "bob's handshake after its ban: %d %s", code, text)
	})
}

func TestModerationAddressBan(t *testing.T) {
	srv := startMod(t)
	admin := dialMod(t, srv.addr, "admin", "admin")
	bob := dialMod(t, srv.addr, "bob", "")
	admin.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob", Address: true})
	bob.closedWith(4003)
	// Another name from bob's address (127.0.0.1, the admin's too) is
	// refused, told that its address is banned (it was never banned by
	// name); from another loopback address, admitted.
	if code, text, _ := handshake(t, nil, modURL(t, srv.addr, "carol", ""), nil); code != http.StatusForbidden || !strings.Contains(text, "your address is banned on this server") {
		t.Errorf("carol from the banned address: %d %q", code, text)
	}
	if code, text, _ := handshake(t, dialerFrom("127.0.0.2"), modURL(t, srv.addr, "carol", ""), nil); code != http.StatusSwitchingProtocols {
		t.Errorf("carol from another address: %d %q", code, text)
	}
}

func TestModerationBanRefusals(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "alice"})
	bob.refusedWith("den", "only a moderator, the owner or an admin of room den may ban")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "bob", Duration: model.MaxModerationDuration + 1})
	alice.refusedWith("den", "the duration must be")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "bob", Content: strings.Repeat("é", model.MaxReasonBytes)})
	alice.refusedWith("den", "the reason is longer than 300 bytes")
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnban, Room: "den", To: "nobody"})
	alice.refusedWith("den", "nobody has no ban in room den")
	// An admin by its token is an admin however its name is written.
	dialMod(t, srv.addr, "boss", "admin", "den")
	alice.untilEvent(model.TypeJoin, "boss")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "BOSS"})
	alice.refusedWith("den", "may not ban BOSS", "same as yours or higher")
}
