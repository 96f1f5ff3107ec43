package service

// Tests of the NATS broker's ModerationFeed on a real embedded NATS
// server: what one node keeps is held by another's watch, at once and as
// it changes, also after NATS restarts.

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
)

// held checks that s holds the ban (or mute) of name in room, or that it
// does not (want false).
func held(s *modState, room, name string, mute, want bool) error {
	_, ok, _ := s.get(room, name, mute, time.Now())
	return poll.Check(ok == want, "restriction of %q in %q (mute %v) held: %v, want %v", name, room, mute, ok, want)
}

// A node's watch applies what the bucket keeps when it starts (an address
// ban with its address), then every put and removal of another node, of
// restrictions and rooms' settings, and goes on after NATS restarts.
func TestNatsModerationWatch(t *testing.T) {
	ns := natstest.StartServer(t)
	a := newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "a"})
	b := newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "b"})
	am, ctx := a.Moderation(), t.Context()
	addr := netip.MustParseAddr("192.0.2.7")
	if err := am.PutRestriction(ctx, Restriction{Name: "mallory", Addr: addr, By: "root"}); err != nil {
		t.Fatal(err)
	}
	s := newModState(NewMemoryModeration())
	if err := b.Moderation().WatchChanges(ctx, s.applyChange); err != nil {
		t.Fatal(err)
	}
	if r, ok := s.byAddr("", addr, time.Now()); !ok || r.Name != "mallory" {
		t.Fatalf("the address ban kept before the watch: %+v %v", r, ok)
	}
	must(t, am.PutRestriction(ctx, Restriction{Room: "den", Name: "eve", Mute: true}))
	must(t, am.PutRoom(ctx, RoomSettings{Room: "den", Owner: "alice", Topic: "from a"}))
	_, err := am.RemoveRestriction(ctx, "", "mallory", false)
	must(t, err)
	poll.CheckFor(t, eventually, pollEvery, func() error {
		rs, _ := s.settings("den")
		if err := held(s, "den", "eve", true, true); err != nil {
			return err
		}
		if err := held(s, "", "mallory", false, false); err != nil {
			return err
		}
		return poll.Check(rs.Topic == "from a" && rs.Owner == "alice", "den's settings held: %+v", rs)
	})

	ns.Stop()
	ns.Restart()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return am.PutRestriction(ctx, Restriction{Room: "den", Name: "trent", Until: time.Now().Add(time.Hour)})
	})
	_, err = am.RemoveRestriction(ctx, "den", "eve", true)
	must(t, err)
	poll.CheckFor(t, eventually, pollEvery, func() error {
		if err := held(s, "den", "trent", false, true); err != nil {
			return err
		}
		return held(s, "den", "eve", true, false)
	})
}

// A new watch's first values that no longer bring a restriction the old
// one had seen remove it: it was removed while nobody watched.
func TestNatsModerationWatchSweep(t *testing.T) {
	s := newModState(NewMemoryModeration())
	gone, kept := Restriction{Room: "den", Name: "eve"}, Restriction{Name: "mallory"}
	s.put(gone, false)
	s.put(kept, false)
	w := &modWatch{apply: s.applyChange, known: map[string]Restriction{"r.den.x.ban": gone, "r._.y.ban": kept}}
	w.sweep(map[string]bool{"r._.y.ban": true})
	if err := held(s, "den", "eve", false, false); err != nil {
		t.Error(err)
	}
	if err := held(s, "", "mallory", false, true); err != nil {
		t.Error(err)
	}
	if len(w.known) != 1 {
		t.Errorf("the watch still remembers %v", w.known)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
