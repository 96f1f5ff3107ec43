package chatserver

import (
	"testing"

	"chatroom/model"
)

// A server admin by token is known as one on every node of a cluster: its
// claim carries the flag (service.ClaimOptions), so the rank check of a
// node it is not connected to sees it too.

// TestClusterTokenAdminKnownEverywhere: root, an admin by token connected
// to node a, is in den, whose owner alice is connected to node b. Alice
// may not kick, ban or mute root: node b refuses each in words, and root
// stays in den.
func TestClusterTokenAdminKnownEverywhere(t *testing.T) {
	a, b := twoNodes(t, "-auth-secret", modSecret)
	alice := dialMod(t, b.addr, "alice", "", "den") // den's owner
	root := dialMod(t, a.addr, "root", "admin", "den")
	alice.untilEvent(model.TypeJoin, "root")
	for _, typ := range []string{model.TypeKick, model.TypeBan, model.TypeMute} {
		alice.send(&model.ChatRoomRequest{Type: typ, Room: "den", To: "root", Content: "try"})
		alice.refusedWith("den", "you may not "+typ+" root", "the same as yours or higher")
	}
	// Root was neither parted nor muted: its talk reaches alice.
	root.say("den", "still here")
	if m, _ := alice.untilTalk("still here"); m.UserName != "root" {
		t.Errorf("alice got %v", m)
	}
}
