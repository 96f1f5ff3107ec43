package chatserver

import (
	"fmt"
	"testing"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Attacks on presence at scale (issue 18): clients that join and part
// around the threshold. A room crossing back below it sends every member
// the whole user list; before the fix, four clients joining and parting a
// room at the limit had that sent at every flap, as fast as they could
// flap (25 flaps: 25 whole lists to each of 17 members). A room now stays
// large at least 8 windows (service/room_presence.go: minLargeWindows), so
// the whole list goes at most once per 8 windows however fast the room
// flaps, and the room's own timer sends it when the hold ends.

// flapWindow is the attacks' -presence-window; a room stays large at
// least flapHold once it is large.
const (
	flapWindow = 100 * time.Millisecond
	flapHold   = 8 * flapWindow
	flapLimit  = 20
)

// userLists is the metric of user list frames queued to clients.
const userLists = `chatroom_frames_out_total{type="userlist"}`

// Four clients from one address join and part a room of 17 at a limit
// of 20, 25 times as fast as they can: each flap takes the room past 20
// and back below 18. The whole lists its members are sent beyond the
// flappers' own joins' lists are bounded by one per member per hold, and
// the room's state after the flapping is right for both kinds of client.
func TestAttackPresenceFlapAcrossThreshold(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", fmt.Sprint(flapLimit), "-presence-window", flapWindow.String())...)
	coal, _ := dialPresence(t, r.addr, "coal", true)
	spec, _ := dialPresence(t, r.addr, "spec", false)
	var names []string
	for i := range 15 {
		names = append(names, fmt.Sprintf("stay%02d", i))
	}
	crowd(t, r.addr, names) // 17 members: not large
	var flappers []*roomClient
	for i := range 4 {
		flappers = append(flappers, dialRoomsWith(t, dialerFrom(attackerAddr), r.addr, fmt.Sprintf("flap%d", i), "base"))
	}
	const flaps = 25
	before := scrape(t, nil, r.metrics, userLists)
	began := time.Now()
	for range flaps {
		for _, f := range flappers {
			if refusal := f.join("lobby"); refusal != nil {
				t.Fatalf("%s joins: %v", f.name, refusal)
			}
		}
		for _, f := range flappers {
			f.part("lobby")
		}
	}
	took := time.Since(began)
	// The room is small again once its hold ends: both watchers are told.
	asked := smallAgain(t, spec) + smallAgain(t, coal)
	whole := scrape(t, nil, r.metrics, userLists) - before - 4*flaps - float64(asked) // beyond the flappers' own and the asked
	bound := 17 * (2 + float64(took/flapHold))
	t.Logf("%d flaps in %v: %v whole lists to the room's members (bound %v)", flaps, took, whole, bound)
	if whole > bound {
		t.Errorf("%d flaps in %v had %v whole user lists sent to the room's 17 members; at most %v (one per member per %v)", flaps, took, whole, bound, flapHold)
	}
	checkPerUserAgain(t, r.addr, spec, coal)
}

// smallAgain asks c's room's user list until the room is small again
// with its 17 members, and returns how many times it asked (after
// reading what it was sent before). A
// coalescing client's last presence frame before must say so too.
func smallAgain(t *testing.T, c *roomClient) (asked int) {
	t.Helper()
	got := c.upToTalk(talkFrom(t, c, "flapped")) // what the flapping sent c
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		c.send(&model.ChatRoomRequest{Type: model.TypeUserList, Limit: model.MaxUserListPage})
		asked++
		got = append(got, c.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeUserList })...)
		l := got[len(got)-1]
		return poll.Check(!l.Large && l.Count == 17 && len(l.UserList) == 17, "%s: the room small again with its 17 (large %v, count %d)", c.name, l.Large, l.Count)
	})
	if ps := ofType(got, model.TypePresence); c.name == "coal" && (len(ps) == 0 || ps[len(ps)-1].Large || ps[len(ps)-1].Count != 17) {
		t.Errorf("coal: after the flapping, presence %v, want count 17 without large", ps)
	}
	return asked
}

// checkPerUserAgain checks that a room small again sends a spec client a
// join, and a coalescing one the name in a presence frame.
func checkPerUserAgain(t *testing.T, addr string, spec, coal *roomClient) {
	t.Helper()
	crowd(t, addr, []string{"later"})
	if m := spec.until(model.TypeJoin); m.UserName != "later" {
		t.Errorf("small again: the spec client got a join of %s, want later", m.UserName)
	}
	got := coal.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence && len(m.Joined) > 0 })
	if p := got[len(got)-1]; p.Joined[0] != "later" || p.Count != 18 || p.Large {
		t.Errorf("small again: coal got %v", p)
	}
}

// One client joins and parts a room at its limit (20 members) 30 times:
// it is large at 21 and stays large at 20 (below 18 it would not), so
// nobody is sent a whole list, the spec client none of the flapper's
// joins and leaves, and the coalescing one a count at most every 8
// windows.
func TestAttackPresenceFlapAtLimit(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", fmt.Sprint(flapLimit), "-presence-window", flapWindow.String())...)
	coal, _ := dialPresence(t, r.addr, "coal", true)
	spec, _ := dialPresence(t, r.addr, "spec", false)
	var names []string
	for i := range 18 {
		names = append(names, fmt.Sprintf("stay%02d", i))
	}
	crowd(t, r.addr, names) // 20 members: at the limit, not large
	// The crowd's window goes before the flapping begins.
	coal.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence && m.Count == 20 })
	flapper := dialRoomsWith(t, dialerFrom(attackerAddr), r.addr, "flapper", "base")
	const flaps = 30
	lists, counts := scrape(t, nil, r.metrics, userLists), scrape(t, nil, r.metrics, `chatroom_frames_out_total{type="presence"}`)
	began := time.Now()
	for range flaps {
		if refusal := flapper.join("lobby"); refusal != nil {
			t.Fatalf("flapper joins: %v", refusal)
		}
		flapper.part("lobby")
	}
	took := time.Since(began)
	checkNoPerUser(t, spec, "flapper")
	coal.say("", "done")
	coal.upToTalk("done")
	if got := scrape(t, nil, r.metrics, userLists) - lists; got != flaps {
		t.Errorf("%v user lists sent, want the flapper's own %d", got, flaps)
	}
	got := scrape(t, nil, r.metrics, `chatroom_frames_out_total{type="presence"}`) - counts
	// Becoming large, then a count at most every 8 windows until now.
	bound := 1 + float64(time.Since(began)/(8*flapWindow))
	t.Logf("%d flaps at the limit in %v: %v presence frames (bound %v)", flaps, took, got, bound)
	if got > bound {
		t.Errorf("%d flaps in %v sent the coalescing client %v presence frames, want at most %v", flaps, took, got, bound)
	}
}

// part parts room and reads up to its own leave of it.
func (c *roomClient) part(room string) {
	c.t.Helper()
	c.send(&model.ChatRoomRequest{Type: model.TypePart, Room: room})
	c.upTo(func(m *model.ChatRoomRequest) bool {
		return m.Type == model.TypeLeave && m.Room == room && m.UserName == c.name
	})
}
