package chatserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"chatroom/model"
)

// Presence at scale over real sockets: coalesced presence, the threshold
// both ways, the handshake's negotiation.

// Twenty users join within one window: a client that asked for coalesced
// presence gets one presence frame naming all twenty, with the count and
// no seq, and none of their joins; a client written to the spec, in the
// same room, gets the twenty joins.
func TestCoalescedPresence(t *testing.T) {
	r := start(t, crowdFlags("-presence-window", "2s")...)
	watcher, pre := dialPresence(t, r.addr, "watcher", true)
	if ts := types(pre); !slices.Equal(ts, []string{model.TypeJoin, model.TypePresence, model.TypeUserList}) {
		t.Fatalf("a coalescing joiner got %v, want its join, presence, userlist", ts)
	}
	if p := pre[1]; p.Count != 1 || p.Large || p.Room != "lobby" {
		t.Fatalf("the joiner's presence frame: %v", p)
	}
	spec, _ := dialPresence(t, r.addr, "spec", false)
	// The first window is the watcher's and spec's joins; the crowd's is
	// the next.
	watcher.upTo(func(m *model.ChatRoomRequest) bool {
		return m.Type == model.TypePresence && slices.Contains(m.Joined, "spec")
	})
	var joiners []string
	for i := range 20 {
		joiners = append(joiners, fmt.Sprintf("user%02d", i))
	}
	crowd(t, r.addr, joiners)
	spec.say("", "after the crowd")
	got := watcher.upToTalk("after the crowd")
	if js := ofType(got, model.TypeJoin); len(js) != 0 {
		t.Errorf("the coalescing watcher got %d joins: %s", len(js), summary(js))
	}
	// The presence frame comes at the window's end, after the talk.
	got = watcher.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence })
	p := got[len(got)-1]
	if !slices.Equal(p.Joined, joiners) || len(p.Left) != 0 || p.Count != 22 || p.Seq != 0 || p.Large {
		t.Fatalf("presence frame: joined %v left %v count %d seq %d large %v; want joined %v, count 22, no seq", p.Joined, p.Left, p.Count, p.Seq, p.Large, joiners)
	}
	specGot := spec.upToTalk("after the crowd")
	var specJoins []string
	for _, m := range ofType(specGot, model.TypeJoin) {
		specJoins = append(specJoins, m.UserName)
	}
	slices.Sort(specJoins)
	if !slices.Equal(specJoins, joiners) {
		t.Errorf("the spec client got joins %v, want the 20", specJoins)
	}
	if ps := ofType(specGot, model.TypePresence); len(ps) != 0 {
		t.Errorf("the spec client got presence frames: %v", ps)
	}
}

// A leave and the joins of one window: coalesced, a name that left is in
// left and the count drops.
func TestCoalescedLeave(t *testing.T) {
	r := start(t, crowdFlags("-presence-window", "100ms")...)
	watcher, _ := dialPresence(t, r.addr, "watcher", true)
	bob, _ := dialPresence(t, r.addr, "bob", false)
	watcher.upTo(func(m *model.ChatRoomRequest) bool {
		return m.Type == model.TypePresence && slices.Contains(m.Joined, "bob")
	})
	bob.send(&model.ChatRoomRequest{Type: model.TypeExit})
	got := watcher.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence })
	if p := got[len(got)-1]; !slices.Equal(p.Left, []string{"bob"}) || len(p.Joined) != 0 || p.Count != 1 {
		t.Fatalf("after bob's exit: %v", p)
	}
	if ls := ofType(got, model.TypeLeave); len(ls) != 0 {
		t.Errorf("the coalescing watcher got leaves: %s", summary(ls))
	}
}

// With -presence-limit 10: past ten members per-user joins stop for
// everyone, and coalescing clients are told large with the count at once;
// below nine, everyone gets the whole user list (coalescing clients a
// presence frame without large first) and per-user joins come back.
func TestPresenceThresholdBothWays(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", "10", "-presence-window", "50ms")...)
	coal, _ := dialPresence(t, r.addr, "coal", true)
	spec, _ := dialPresence(t, r.addr, "spec", false)
	var first []string
	for i := range 8 {
		first = append(first, fmt.Sprintf("early%d", i))
	}
	early := crowd(t, r.addr, first) // 10 members: not large
	seen := 0
	spec.upTo(func(m *model.ChatRoomRequest) bool {
		if m.Type == model.TypeJoin && strings.HasPrefix(m.UserName, "early") {
			seen++
		}
		return seen == len(first)
	})
	late := crowd(t, r.addr, []string{"late0", "late1"}) // 12: large
	got := coal.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence && m.Large })
	if p := got[len(got)-1]; p.Count != 11 {
		t.Errorf("becoming large: count %d, want 11 (at once, on the 11th)", p.Count)
	}
	checkNoPerUser(t, spec, "late0", "late1")
	leaveAll(t, append(late, early[:2]...)) // 8: below nine, small again
	for _, c := range []*roomClient{coal, spec} {
		got := c.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeUserList })
		if l := got[len(got)-1]; len(l.UserList) != 8 || l.Count != 8 || l.Large {
			t.Errorf("%s: becoming small: user list of %d names, count %d, large %v; want the 8", c.name, len(l.UserList), l.Count, l.Large)
		}
		if ls := ofType(got, model.TypeLeave); len(ls) != 0 {
			t.Errorf("%s got leaves of a large room: %s", c.name, summary(ls))
		}
		if c == coal {
			ps := ofType(got, model.TypePresence)
			if len(ps) == 0 || ps[len(ps)-1].Large || ps[len(ps)-1].Count != 8 {
				t.Errorf("coal: becoming small: presence %v, want count 8 without large", ps)
			}
		}
	}
	crowd(t, r.addr, []string{"again"})
	if m := spec.until(model.TypeJoin); m.UserName != "again" {
		t.Errorf("small again: the spec client got a join of %s, want again", m.UserName)
	}
	got = coal.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence })
	if p := got[len(got)-1]; !slices.Equal(p.Joined, []string{"again"}) || p.Count != 9 {
		t.Errorf("small again: coal got %v", p)
	}
}

// checkNoPerUser checks that c, a spec client in a large room, got no
// join or leave of names up to a talk of its own.
func checkNoPerUser(t *testing.T, c *roomClient, names ...string) {
	t.Helper()
	c.say("", "marker "+c.name)
	for _, m := range c.upToTalk("marker " + c.name) {
		if (m.Type == model.TypeJoin || m.Type == model.TypeLeave) && slices.Contains(names, m.UserName) {
			t.Errorf("%s got %s of %s in a large room", c.name, m.Type, m.UserName)
		}
	}
}

// leaveAll has each client exit, and waits until each is closed.
func leaveAll(t *testing.T, cs []*roomClient) {
	t.Helper()
	for _, c := range cs {
		c.send(&model.ChatRoomRequest{Type: model.TypeExit})
	}
	for _, c := range cs {
		for range 10000 {
			if _, err := read(t, c.ws); err != nil {
				break
			}
		}
	}
}

// A presence value other than coalesce is refused with 400, in words; in
// the query or as a header, coalesce is accepted.
func TestPresenceNegotiation(t *testing.T) {
	r := start(t)
	for _, u := range []string{"?presence=yes", "?presence=coalesce&presence=no", "?presence="} {
		code, body, _ := handshake(t, nil, "ws://"+r.addr+"/ws"+u, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, `the only value is "coalesce"`) {
			t.Errorf("%s: %d %q, want 400 naming coalesce", u, code, body)
		}
	}
	code, body, _ := handshake(t, nil, "ws://"+r.addr+"/ws", http.Header{"Presence": {"all"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "presence") {
		t.Errorf("header presence: all: %d %q, want 400", code, body)
	}
	code, _, ws := handshake(t, nil, "ws://"+r.addr+"/ws?"+url.Values{"username": {"hdr"}}.Encode(), http.Header{"Presence": {"coalesce"}})
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("header presence: coalesce: %d", code)
	}
	c := &roomClient{t: t, name: "hdr", ws: ws}
	got := c.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeUserList })
	if ts := types(got); !slices.Equal(ts, []string{model.TypeJoin, model.TypePresence, model.TypeUserList}) {
		t.Errorf("a client coalescing by header got %v", ts)
	}
}

// types returns the messages' types.
func types(ms []*model.ChatRoomRequest) []string {
	var ts []string
	for _, m := range ms {
		ts = append(ts, m.Type)
	}
	return ts
}
