package service

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The encoded list always decodes to the users online, through joins and
// leaves in any order, and a frame built earlier keeps saying what was true
// when it was built (its chunks are never changed in place).
func TestUserListChunks(t *testing.T) {
	l := newUserList()
	online := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	type snapshot struct {
		f    *Frame
		want map[string]bool
	}
	var snaps []snapshot
	for step := range 5000 {
		name := fmt.Sprintf("用户%d", rng.IntN(900))
		if online[name] {
			l.remove(name)
			delete(online, name)
		} else {
			l.add(name)
			online[name] = true
		}
		if step%250 == 0 {
			want := make(map[string]bool, len(online))
			for k := range online {
				want[k] = true
			}
			snaps = append(snaps, snapshot{l.frame(payloadFramer{}, "lobby", false), want})
		}
	}
	if l.len() != len(online) {
		t.Fatalf("len %d, want %d", l.len(), len(online))
	}
	snaps = append(snaps, snapshot{l.frame(payloadFramer{}, "lobby", false), online})
	for i, s := range snaps {
		m := decode(t, s.f)
		if len(m.UserList) != len(s.want) {
			t.Fatalf("snapshot %d: %d users, want %d", i, len(m.UserList), len(s.want))
		}
		for k, v := range m.UserList {
			if k != v || !s.want[k] {
				t.Fatalf("snapshot %d: unexpected entry %q -> %q", i, k, v)
			}
		}
	}
	if f := l.frame(payloadFramer{}, "lobby", false); f != l.frame(payloadFramer{}, "lobby", false) {
		t.Fatal("frame rebuilt without a change")
	}
	if max := 2 * (l.len()/chunkUsers + 1); len(l.chunks) > max {
		t.Fatalf("%d chunks for %d users", len(l.chunks), l.len())
	}
}
