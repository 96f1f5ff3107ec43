package chatserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Attacks on presence at scale (issue 18), continued: storms of joins and
// parts that arm a presence window in room after room (rooms created and
// emptied while their flush is due: the timer races the drop), the same
// storm at the default per-address join rate, and a check that clients
// written to the original protocol still get per-user joins and leaves
// and the whole list in a small room.

// dialStormer connects name from the attacker's address, asking for
// coalesced presence, with home room base.
func dialStormer(t *testing.T, addr, name string) *roomClient {
	t.Helper()
	q := url.Values{model.PresenceParam: {model.PresenceCoalesce}, "room": {"base"}}
	ws, _, err := dialerFrom(attackerAddr).Dial("ws://"+addr+"/ws?"+q.Encode(), http.Header{"Username": {name}})
	if err != nil {
		t.Fatalf("%s dials: %v", name, err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &roomClient{t: t, name: name, ws: ws}
	c.until(model.TypeUserList)
	return c
}

// Four coalescing clients send 200 joins and parts each, without waiting,
// over 10 rooms that are created and emptied over and over, with a 10 ms
// window: every join arms a flush, every part may drop the room before
// it fires. The server keeps serving (run with -race), only the rooms
// with someone in them are left, and a bystander sees nothing of it.
func TestAttackPresenceRoomStorm(t *testing.T) {
	r := start(t, crowdFlags("-presence-window", "10ms", "-max-rooms-per-ip", "0", "-max-rooms-per-conn", "0")...)
	bystander, _ := dialPresence(t, r.addr, "bystander", true)
	var stormers []*roomClient
	for i := range 4 {
		stormers = append(stormers, dialStormer(t, r.addr, fmt.Sprintf("storm%d", i)))
	}
	for i := range 200 {
		for j, c := range stormers {
			room := fmt.Sprintf("s%d", (i+j)%10)
			c.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: room})
			c.send(&model.ChatRoomRequest{Type: model.TypePart, Room: room})
		}
	}
	for _, c := range stormers {
		c.say("base", "after "+c.name)
	}
	for _, c := range stormers {
		for _, m := range c.upToTalk("after " + c.name) {
			if m.Type == model.TypeError && !strings.Contains(m.Content, "not in") {
				t.Errorf("%s: %v", c.name, m)
			}
		}
	}
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		n := scrape(t, nil, r.metrics, "chatroom_rooms")
		return poll.Check(n == 2, "rooms with someone in them: %v, want lobby and base", n)
	})
	for _, p := range ofType(bystander.upToTalk(talkFrom(t, bystander, "still here")), model.TypePresence) {
		if p.Room != "lobby" || !slices.Equal(p.Joined, []string{"bystander"}) || len(p.Left) != 0 {
			t.Errorf("the bystander in another room got %v", p)
		}
	}
}

// The same storm at the default join limits, from one address (the
// message rate lifted, or the flood would close it first): its joins past
// -join-rate-per-ip's burst are refused in words, and a bystander from
// another address still joins a room at once.
func TestAttackPresenceJoinStormDefaults(t *testing.T) {
	r := start(t, "-msg-rate", "0", "-msg-rate-per-ip", "0")
	c := dialStormer(t, r.addr, "storm")
	for i := range 150 {
		room := fmt.Sprintf("d%d", i%10)
		c.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: room})
		c.send(&model.ChatRoomRequest{Type: model.TypePart, Room: room})
	}
	c.say("base", "after")
	refused := 0
	for _, m := range c.upToTalk("after") {
		if m.Type == model.TypeError && m.Content == "your address joins rooms too fast: wait a few seconds and try again" {
			refused++
		}
	}
	if refused == 0 {
		t.Errorf("150 joins at once from one address: none refused for the join rate")
	}
	b := dialRoomsWith(t, dialerFrom(bystanderAddr), r.addr, "bystander")
	if refusal := b.join("d0"); refusal != nil {
		t.Errorf("a bystander joins during the storm: %v", refusal)
	}
}

// Clients written to the original protocol, in a small room of 150 (more
// than a large room's first page): each gets the others' joins and leaves
// one by one with their seqs, no presence frame, and a userlist request
// with no limit gets all 150 names.
func TestAttackPresenceSpecClientsSmallRoom(t *testing.T) {
	r := start(t, crowdFlags()...)
	spec, _ := dialPresence(t, r.addr, "spec", false)
	names := crowdNames(148)
	crowd(t, r.addr, names)
	last, _ := dialPresence(t, r.addr, "last", false)
	last.send(&model.ChatRoomRequest{Type: model.TypeExit})
	got := spec.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeLeave && m.UserName == "last" })
	var joined []string
	var seq uint64
	for _, m := range got {
		switch {
		case m.Type == model.TypePresence:
			t.Fatalf("a spec client got a presence frame: %v", m)
		case m.Type == model.TypeJoin || m.Type == model.TypeLeave:
			if m.Seq <= seq {
				t.Fatalf("%s of %s with seq %d after %d", m.Type, m.UserName, m.Seq, seq)
			}
			seq = m.Seq
			if m.Type == model.TypeJoin {
				joined = append(joined, m.UserName)
			}
		}
	}
	want := append(slices.Clone(names), "last")
	slices.Sort(want)
	slices.Sort(joined)
	if !slices.Equal(joined, want) {
		t.Errorf("the spec client got %d joins, want the 149", len(joined))
	}
	spec.send(&model.ChatRoomRequest{Type: model.TypeUserList})
	l := spec.until(model.TypeUserList)
	want = append(slices.Clone(names), "spec")
	slices.Sort(want)
	if got := listNames(l); !slices.Equal(got, want) || l.Cursor != "" || l.Large {
		t.Errorf("a spec client's userlist in a small room of 149: %d names, cursor %q, large %v; want all", len(got), l.Cursor, l.Large)
	}
}
