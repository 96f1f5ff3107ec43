package service

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// What a node holds of moderation may be older than the store for a
// moment (another node's change not yet told by the store's feed): the
// store decides when it matters.

// An expired restriction this node holds is removed from the store only
// if the store keeps no newer one: a ban made again on another node (whose
// event this node did not get, not following the room) is neither lifted
// nor removed by this node's finding the old one expired.
func TestModerationExpireKeepsNewerBan(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryModeration()
	h := newHub(t, HubConfig{Moderation: store})
	now := time.Now()
	h.mod.put(Restriction{Room: "den", Name: "eve", By: "mod", At: now.Add(-2 * time.Hour), Until: now.Add(-time.Hour)}, false)
	again := Restriction{Room: "den", Name: "eve", By: "mod", Reason: "again", At: now.Add(-time.Minute), Until: now.Add(time.Hour)}
	if err := store.PutRestriction(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := refusedFor(h.CheckBanned("eve", netip.Addr{}, []string{"den"}), RefuseBanned); err != nil {
		t.Errorf("eve, banned again elsewhere, handshakes into den: %v", err)
	}
	kept, err := store.Restrictions(ctx)
	if err != nil || len(kept) != 1 || kept[0].Reason != "again" {
		t.Errorf("the store keeps %+v (%v), want the newer ban", kept, err)
	}
	// Once that one has expired too, it is removed, here and from the store.
	h.mod.put(Restriction{Room: "den", Name: "eve", At: again.At, Until: now.Add(-time.Second)}, false)
	if err := store.PutRestriction(ctx, Restriction{Room: "den", Name: "eve", At: again.At, Until: now.Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := h.CheckBanned("eve", netip.Addr{}, []string{"den"}); err != nil {
		t.Errorf("eve after the ban's end: %v", err)
	}
	if kept, err := store.Restrictions(ctx); err != nil || len(kept) != 0 {
		t.Errorf("the store keeps %+v (%v) after the ban's end", kept, err)
	}
}
