package service

import (
	"context"
	"strings"
	"testing"
)

// Naming a moderator who holds a higher role already (the room's owner, a
// server admin) is refused in words: the event would tell the room that
// the owner is now "a moderator", which it is not. And a muted member's
// refused talk gives the mute's reason.
func TestModerationRoleAboveModeratorAndMuteReason(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, HubConfig{History: 10, TrustedNames: true, Admins: []string{"root"}})
	api := APIActor()
	join(t, h, "bob", "den") // opens den: its owner
	join(t, h, "root", "den")
	carol := join(t, h, "carol", "den")
	if role := h.RoleIn("den", "bob"); role != "owner" {
		t.Fatalf("bob's role in den: %q, want owner", role)
	}
	for name, want := range map[string]string{"bob": "bob is the owner of room den already", "root": "root is a server admin already"} {
		err := h.SetRole(ctx, api, "den", name, "moderator")
		if refusedFor(err, RefuseBadModeration) != nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("naming %s a moderator: %v, want %q…", name, err, want)
		}
	}
	if err := h.SetRole(ctx, api, "den", "carol", "moderator"); err != nil {
		t.Fatalf("naming carol a moderator: %v", err)
	}
	if err := h.SetRole(ctx, api, "den", "carol", ""); err != nil {
		t.Fatalf("unnaming carol: %v", err)
	}
	if err := h.Mute(ctx, api, "den", "carol", 0, "spam links"); err != nil {
		t.Fatal(err)
	}
	err := h.Talk(ctx, carol, "den", "hello")
	if refusedFor(err, RefuseMuted) != nil || !strings.Contains(err.Error(), "(spam links)") {
		t.Errorf("a muted talk: %v, want the refusal with the reason", err)
	}
}
