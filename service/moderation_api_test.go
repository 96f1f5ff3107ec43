package service

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
)

// The hub's moderation API as the server API calls it (APIActor), on a hub
// without trusted names: the operator may do everything; members nothing.

// refusedFor is an error unless err is a *Refusal for reason.
func refusedFor(err error, reason RefusalReason) error {
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Reason != reason {
		return errors.New("got " + errString(err) + ", want a refusal " + string(reason))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

func TestModerationAPIActor(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, HubConfig{History: 10})
	api := APIActor()
	bob := join(t, h, "bob", "lobby", "den")
	carol := join(t, h, "carol", "den")
	seq, err := h.SystemMessage(ctx, "den", "maintenance at noon")
	if err != nil || seq == 0 {
		t.Fatalf("system message: %d, %v", seq, err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return received(carol, "talk:servermaintenance at noon") })
	if err := h.SetTopic(ctx, api, "den", "茶"); err != nil {
		t.Fatal(err)
	}
	if d, ok := h.RoomDetails("den"); !ok || d.Topic != "茶" || d.Members != 2 {
		t.Errorf("den's details %+v, %v", d, ok)
	}
	if all := h.AllRoomDetails(); len(all) != 2 || all[0].Name != "den" || all[1].Name != "lobby" {
		t.Errorf("all rooms %+v", all)
	}
	if names, next, n, err := h.RoomUsers("den", "", "", 0); err != nil || n != 2 || next != "" || !slices.Equal(names, []string{"bob", "carol"}) {
		t.Errorf("den's users %v %q %d %v", names, next, n, err)
	}
	// A member has no role without trusted names.
	err = h.Kick(ctx, Actor{Member: bob, Name: "bob"}, "den", "carol", "")
	if refusedFor(err, RefuseNotAllowed) != nil || err.Error() != ReplyNoTrustedNames {
		t.Errorf("a member's kick: %v", err)
	}
	if err := h.Kick(ctx, api, "den", "bob", "out"); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return received(bob, "leave:bob") })
	if err := h.Kick(ctx, api, "den", "carol", ""); err != nil { // carol's home room
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return poll.Check(carol.closedWith() == DisconnectKicked.Code(), "carol closed with %d", carol.closedWith())
	})
	if err := refusedFor(h.Kick(ctx, api, "den", "nobody", ""), RefuseNoSuchUser); err != nil {
		t.Error(err)
	}
	entries, _, err := h.AuditPage(ctx, api, "", 0, 10)
	if err != nil || len(entries) != 3 || entries[0].Action != model.TypeKick || entries[0].Target != "carol" || entries[2].Action != model.TypeTopic {
		t.Errorf("audit %+v, %v", entries, err)
	}
}

func TestModerationAPIRestrictions(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, HubConfig{History: 10})
	api := APIActor()
	bob := join(t, h, "bob", "lobby")
	addr := netip.MustParseAddr("192.0.2.7")
	if err := h.Ban(ctx, api, BanRequest{Room: "den", Name: "mallory", Duration: time.Hour, Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Ban(ctx, api, BanRequest{Server: true, Name: "eve"}); err != nil {
		t.Fatal(err)
	}
	if r := h.Restrictions("den"); len(r) != 1 || r[0].Name != "mallory" || r[0].Until.IsZero() || r[0].By != "api" {
		t.Errorf("den's restrictions %+v", r)
	}
	if r := h.Restrictions(""); len(r) != 2 {
		t.Errorf("all restrictions %+v", r)
	}
	if err := refusedFor(h.CheckBanned("Mallory", addr, []string{"den"}), RefuseBanned); err != nil {
		t.Error(err)
	}
	if err := h.CheckBanned("mallory", addr, []string{"lobby"}); err != nil {
		t.Errorf("mallory in lobby: %v", err)
	}
	if err := refusedFor(h.CheckBanned("EVE", addr, nil), RefuseBanned); err != nil {
		t.Error(err)
	}
	if err := h.Unban(ctx, api, "", "eve", true); err != nil {
		t.Fatal(err)
	}
	if err := h.CheckBanned("eve", addr, nil); err != nil {
		t.Errorf("eve unbanned: %v", err)
	}
	if err := h.Mute(ctx, api, "lobby", "bob", 0, ""); err != nil {
		t.Fatal(err)
	}
	if err := refusedFor(h.Talk(ctx, bob, "", "hi"), RefuseMuted); err != nil {
		t.Error(err)
	}
	if err := refusedFor(h.Mute(ctx, api, "lobby", "bob", -time.Second, ""), RefuseBadModeration); err != nil {
		t.Error(err)
	}
	if err := refusedFor(h.SetSlow(ctx, api, "lobby", (model.MaxModerationDuration+1)*time.Second), RefuseBadModeration); err != nil {
		t.Error(err)
	}
	if err := refusedFor(h.Kick(ctx, api, "", "bob", ""), RefuseBadModeration); err != nil {
		t.Error(err)
	}
	if err := refusedFor(h.SetRole(ctx, api, "lobby", "bob", "king"), RefuseBadModeration); err != nil {
		t.Error(err)
	}
}

func TestModerationAPIDelete(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, HubConfig{History: 10})
	bob := join(t, h, "bob", "lobby")
	if err := h.Talk(ctx, bob, "", "oops"); err != nil {
		t.Fatal(err)
	}
	seqs, _ := bob.talks()
	if err := h.DeleteTalk(ctx, APIActor(), "lobby", seqs[0], "leak"); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return received(bob, "delete:bob") })
	if err := refusedFor(h.DeleteTalk(ctx, APIActor(), "lobby", seqs[0], ""), RefuseNoSuchMessage); err != nil {
		t.Error(err)
	}
	r := h.room("lobby")
	r.mu.Lock()
	last := r.history[len(r.history)-1].ev
	r.mu.Unlock()
	if last.Type != model.TypeDelete || last.Seq != seqs[0] || last.By != "api" || last.Content != "" {
		t.Errorf("the ring keeps %v", last)
	}
}
