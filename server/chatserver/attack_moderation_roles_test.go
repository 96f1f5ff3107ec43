package chatserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/model"
)

// Attacks on moderation's roles, over real sockets: names that look like
// an admin's or an owner's, forged role claims, requests for the whole
// server from a room's owner, and the default room.

// A look-alike of an admin (Cyrillic "о" in "bоss", digit zero in "b0ss")
// or of a room's owner is not that admin or owner: it gets no rights, and
// it is not protected as one either (its room's owner kicks it).
func TestAttackModerationLookAlikeRoles(t *testing.T) {
	srv := startMod(t, "-admins", "boss")
	alice := dialMod(t, srv.addr, "alice", "", "den")
	for _, fake := range []string{"b\u043Ess", "b0ss"} {
		f := dialModFree(t, srv.addr, fake, "den") // the other look-alike may be leaving
		f.send(&model.ChatRoomRequest{Type: model.TypeAudit})
		f.refusedWith("", "only a server admin may read the audit trail")
		f.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "alice"})
		f.refusedWith("den", "only a moderator, the owner or an admin of room den may kick there")
		alice.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: fake, Content: "impostor"})
		if k := f.untilEvent(model.TypeKick, fake); k.By != "alice" {
			t.Errorf("kick of %q: %v", fake, k)
		}
		f.closedWith(4001)
	}
	// The owner's look-alike, with the owner gone, is not the owner.
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.ws.Close()
	bob.untilEvent(model.TypeLeave, "alice")
	fake := dialMod(t, srv.addr, "a1ice", "", "den")
	fake.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "bob"})
	fake.refusedWith("den", "only a moderator, the owner or an admin of room den may kick there")
	fake.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleModerator})
	fake.refusedWith("den", "only the owner or an admin of room den may name moderators there")
}

// The same admin in another case or in fullwidth letters is the admin: a
// token's name is shown NFKC-mapped, and case is not a new name.
func TestAttackModerationAdminCase(t *testing.T) {
	for _, same := range []string{"Boss", "ｂｏｓｓ"} {
		srv := startMod(t, "-admins", "boss")
		b := dialMod(t, srv.addr, same, "")
		b.send(&model.ChatRoomRequest{Type: model.TypeAudit})
		b.until(model.TypeAudit)
	}
}

// A role claim in a token signed with another secret, or not signed
// (alg none), is refused at the handshake: no admin rights from it.
func TestAttackModerationForgedRoleToken(t *testing.T) {
	srv := startMod(t)
	claims := jwt.MapClaims{"sub": "mallory", "role": "admin", "exp": time.Now().Add(time.Hour).Unix()}
	other, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("another-secret-of-32-bytes-long!"))
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{other, none} {
		u := "ws://" + srv.addr + "/ws?" + url.Values{"token": {tok}}.Encode()
		if code, body, ws := handshake(t, websocket.DefaultDialer, u, nil); code != http.StatusUnauthorized {
			if ws != nil {
				ws.Close()
			}
			t.Errorf("forged token: %d %q, want 401", code, body)
		}
	}
}

// A room's owner sending requests for the whole server (server: true) or
// for the default room, and a moderator naming moderators, are refused.
func TestAttackModerationOwnerReachesFurther(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	lobby := dialMod(t, srv.addr, "carol", "")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", Server: true, To: "carol"})
	alice.refusedWith("", "only a server admin may ban on the whole server")
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnban, Room: "den", Server: true, To: "carol"})
	alice.refusedWith("", "only a server admin may unban on the whole server")
	for _, typ := range []string{model.TypeKick, model.TypeMute, model.TypeBan} {
		alice.send(&model.ChatRoomRequest{Type: typ, Room: config.DefaultRoom, To: "carol"})
		alice.refusedWith(config.DefaultRoom, "only a moderator, the owner or an admin of room")
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: config.DefaultRoom, Topic: "mine now"})
	alice.refusedWith(config.DefaultRoom, "may set the topic there")
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleModerator})
	bob.untilEvent(model.TypeRole, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "carol", Role: model.RoleModerator})
	bob.refusedWith("den", "may name moderators there")
	bob.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "alice", Role: ""})
	bob.refusedWith("den", "may name moderators there")
	bob.send(&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "alice"})
	bob.refusedWith("den", "you may not kick alice")
	lobby.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "not mine"})
	lobby.refusedWith("den", "may set the topic there")
}

// dialModFree is dialMod of a name whose look-alike may still be leaving:
// it dials until the name is free (409 meanwhile), within waitTime.
func dialModFree(t *testing.T, addr, name string, rooms ...string) *roomClient {
	t.Helper()
	var ws *websocket.Conn
	poll.CheckFor(t, waitTime, 10*time.Millisecond, func() error {
		code, body, c := handshake(t, websocket.DefaultDialer, modURL(t, addr, name, "", rooms...), nil)
		ws = c
		return poll.Check(c != nil, "%s's handshake: %d %q", name, code, body)
	})
	c := &roomClient{t: t, name: name, ws: ws}
	for range max(1, len(rooms)) {
		c.until(model.TypeUserList)
	}
	return c
}

// A request's by, user_name, until and seq are the server's to write: an
// owner who writes "by: root" on a topic and a kick is named as itself.
func TestAttackModerationForgedFields(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "hi", By: "root", UserName: "root", Seq: 1})
	if m := bob.until(model.TypeTopic); m.By != "alice" || m.Seq == 1 {
		t.Errorf("topic: %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "bob", By: "root", UserName: "carol", Until: 1, Duration: 60})
	if m := bob.untilEvent(model.TypeMute, "bob"); m.By != "alice" || m.Until < time.Now().UnixMilli() {
		t.Errorf("mute: %v", m)
	}
}

// A user named "api" (or a look-alike) would act as the server API's
// actor does in moderation events and the audit trail ("kicked by api"):
// the name is reserved, as "server" is.
func TestAttackModerationAPIName(t *testing.T) {
	srv := startMod(t)
	for _, name := range []string{"api", "API", "аpi", "ａｐｉ"} {
		code, text, _ := handshake(t, nil, modURL(t, srv.addr, name, ""), nil)
		if code != http.StatusBadRequest || !strings.Contains(text, "reserved for the server API's actions") {
			t.Errorf("%+q: %d %q, want 400 reserved", name, code, text)
		}
	}
	u := "ws://" + start(t).addr + "/ws" // no -auth-secret: a name in the Username header
	if code, text, _ := handshake(t, nil, u, http.Header{"Username": {"Api"}}); code != http.StatusBadRequest {
		t.Errorf("Username: Api: %d %q, want 400", code, text)
	}
}

// Bans hold for a whole key (look-alikes folded), so a ban's target is
// protected by every role of its key while it is offline: a room's owner
// cannot ban the admin "boss" by writing "b0ss". A ban of an online
// look-alike is taken, and does not keep the admin out.
func TestAttackModerationLookAlikeBanOfAnAdmin(t *testing.T) {
	srv := startMod(t, "-admins", "boss")
	alice := dialMod(t, srv.addr, "alice", "", "den")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "b0ss"})
	alice.refusedWith("den", "you may not ban b0ss")
	alice.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "B0SS"})
	alice.refusedWith("den", "you may not mute B0SS")
	fake := dialMod(t, srv.addr, "b0ss", "", "den")
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "b0ss", Content: "impostor"})
	fake.closedWith(4001)
	boss := dialModFree(t, srv.addr, "boss", "den")
	boss.say("den", "still mine")
	boss.untilTalk("still mine")
}

// Unnaming the owner (as a moderator) leaves it the owner; a moderator
// unnaming itself is refused (its role is its own).
func TestAttackModerationUnmodTheOwner(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	root := dialMod(t, srv.addr, "root", model.RoleAdmin, "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	root.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "alice", Role: ""})
	root.untilEvent(model.TypeRole, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "still the owner's"})
	if m := bob.until(model.TypeTopic); m.By != "alice" {
		t.Errorf("topic: %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleModerator})
	bob.untilEvent(model.TypeRole, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: ""})
	bob.refusedWith("den", "may name moderators there")
}
