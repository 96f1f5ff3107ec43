package chatserver

import (
	"testing"

	"chatroom/model"
)

// Naming moderators over real sockets: the owner and admins may, a
// moderator or a plain user may not; a moderator unnamed loses its rights.
func TestModerationRole(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	carol := dialMod(t, srv.addr, "carol", "", "den")
	alice.untilEvent(model.TypeJoin, "carol")
	carol.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleModerator})
	carol.refusedWith("den", "only the owner or an admin of room den may name moderators there")
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleModerator})
	carol.untilEvent(model.TypeRole, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "carol", Role: model.RoleModerator})
	bob.refusedWith("den", "only the owner or an admin of room den may name moderators there")
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleOwner})
	alice.refusedWith("den", `a role request names the role "moderator"`)
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "alice", Role: ""})
	alice.refusedWith("den", "you may not change the role of alice")
	// A moderator mutes; unnamed, it may not.
	bob.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "carol", Duration: 60})
	carol.untilEvent(model.TypeMute, "carol")
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: ""})
	if r := bob.untilEvent(model.TypeRole, "bob"); r.Role != "" || r.By != "alice" {
		t.Errorf("unnamed: %v", r)
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeUnmute, Room: "den", To: "carol"})
	bob.refusedWith("den", "may unmute there")
	// Its role is told to a joiner: bob named again, comes back.
	alice.send(&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleModerator})
	bob.untilEvent(model.TypeRole, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "den"})
	bob.untilEvent(model.TypeLeave, "bob")
	bob.join("den")
	if r := bob.until(model.TypeRole); r.Role != model.RoleModerator || r.Seq != 0 {
		t.Errorf("bob's role at its join: %v", r)
	}
}
