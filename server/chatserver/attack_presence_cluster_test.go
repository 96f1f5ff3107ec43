package chatserver

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"chatroom/internal/natstest"
	"chatroom/model"
)

// Attacks on presence at scale (issue 18), continued: two nodes on NATS,
// a large room most of whose members are on a node that is killed
// (SIGKILL: no goodbye). When their claims expire the other nodes' reaper
// has them leave: the count that the node alive sends only drops, to the
// members left; the room is small again below nine tenths of the limit
// (while some are still to leave), with a whole list as long as its
// count; and the user list is the two left.
func TestAttackPresenceKilledNodeCount(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	flags := crowdFlags("-nats", url, "-claim-ttl", ttl.String(), "-presence-limit", "5", "-presence-window", "50ms")
	a, addrA := startProcess(t, append(flags, "-node", "a")...)
	b := start(t, append(flags, "-node", "b", "-log-stderr=false")...)
	coal, _ := dialPresence(t, b.addr, "coal", true)
	spec, _ := dialPresence(t, b.addr, "spec", false)
	var ghosts []string
	for i := range 8 {
		ghosts = append(ghosts, fmt.Sprintf("ghost%d", i))
	}
	crowd(t, addrA, ghosts) // 10 members: large
	coal.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence && m.Large && m.Count == 10 })
	if err := a.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	got := coal.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence && m.Count == 2 })
	ps := ofType(got, model.TypePresence)
	if p := ps[len(ps)-1]; p.Large {
		t.Errorf("coal: after the node died, presence %v, want count 2 without large", p)
	}
	for i, p := range ps[1:] {
		if p.Count > ps[i].Count {
			t.Errorf("coal: the count rose from %d to %d while the dead node's users left", ps[i].Count, p.Count)
		}
	}
	for _, l := range ofType(got, model.TypeUserList) {
		if int(l.Count) != len(l.UserList) || l.Large {
			t.Errorf("coal: the whole list of the room small again: %d names, count %d, large %v", len(l.UserList), l.Count, l.Large)
		}
	}
	for _, c := range []*roomClient{coal, spec} {
		c.upToTalk(talkFrom(t, c, "settled "+c.name))
		if l := c.names(0, "", ""); !slices.Equal(listNames(l), []string{"coal", "spec"}) || l.Count != 2 || l.Large {
			t.Errorf("%s: the user list after the node died: %v, count %d, large %v", c.name, listNames(l), l.Count, l.Large)
		}
	}
	t.Logf("the count was the 2 left %v after the node died (-claim-ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
}
