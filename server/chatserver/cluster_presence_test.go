package chatserver

import (
	"fmt"
	"slices"
	"testing"

	"chatroom/model"
)

// Presence at scale across two nodes (NATS): each node tells its own
// members of the joins of both, coalesced or per user, and counts the
// room on both.

// Ten users join on node a and ten on node b within one window: a
// coalescing watcher on node b gets their names in one presence frame
// with the room's count on both nodes; a spec client on node a gets the
// twenty joins.
func TestTwoNodesCoalescedPresence(t *testing.T) {
	a, b := twoNodes(t, crowdFlags("-presence-window", "2s")...)
	watcher, _ := dialPresence(t, b.addr, "watcher", true)
	spec, _ := dialPresence(t, a.addr, "spec", false)
	watcher.upTo(func(m *model.ChatRoomRequest) bool {
		return m.Type == model.TypePresence && slices.Contains(m.Joined, "spec")
	})
	var onA, onB []string
	for i := range 10 {
		onA, onB = append(onA, fmt.Sprintf("a%02d", i)), append(onB, fmt.Sprintf("b%02d", i))
	}
	crowd(t, a.addr, onA)
	crowd(t, b.addr, onB)
	got := watcher.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence })
	p := got[len(got)-1]
	if want := append(slices.Clone(onA), onB...); !slices.Equal(p.Joined, want) || p.Count != 22 {
		t.Errorf("watcher on b: joined %v count %d; want %v, 22", p.Joined, p.Count, want)
	}
	if js := ofType(got, model.TypeJoin); len(js) != 0 {
		t.Errorf("watcher on b got joins: %s", summary(js))
	}
	seen := map[string]bool{}
	spec.upTo(func(m *model.ChatRoomRequest) bool {
		if m.Type == model.TypeJoin {
			seen[m.UserName] = true
		}
		return len(seen) == 20
	})
}

// With -presence-limit 5 and users on both nodes, the room is large on
// both: a coalescing client on either node is told so with the count of
// both; a spec client on the other node stops getting joins.
func TestTwoNodesLargeRoom(t *testing.T) {
	a, b := twoNodes(t, crowdFlags("-presence-limit", "5", "-presence-window", "50ms")...)
	coalA, _ := dialPresence(t, a.addr, "coalA", true)
	spec, _ := dialPresence(t, b.addr, "spec", false)
	crowd(t, a.addr, []string{"a0", "a1"})
	crowd(t, b.addr, []string{"b0", "b1"}) // 6 members: large
	got := coalA.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence && m.Large })
	if p := got[len(got)-1]; p.Count != 6 {
		t.Errorf("coalA: becoming large with count %d, want 6", p.Count)
	}
	crowd(t, a.addr, []string{"a2"})
	checkNoPerUser(t, spec, "a2")
	_, pre := dialPresence(t, b.addr, "coalB", true)
	if p := pre[1]; p.Type != model.TypePresence || !p.Large || p.Count != 8 {
		t.Errorf("coalB joining on b: %v, want large, count 8", p)
	}
	if l := pre[2]; l.Count != 8 || !l.Large || len(l.UserList) != 8 {
		t.Errorf("coalB's first page: %d names, count %d, large %v", len(l.UserList), l.Count, l.Large)
	}
	got = coalA.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence && m.Count == 8 })
	if p := got[len(got)-1]; !p.Large || len(p.Joined) != 0 {
		t.Errorf("coalA: the count after coalB joined on b: %v", p)
	}
}
