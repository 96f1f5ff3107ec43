package service

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
)

// A large room's count goes to coalescing members on change only: someone
// who comes and goes within the count's period sends nobody anything; but
// a count back where it was after a coalescing joiner was welcomed with
// another goes, since that joiner was told the other.
func TestLargeRoomCountOnChangeOnly(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, HubConfig{Presence: true, PresenceLimit: 3, PresenceWindow: 10 * time.Second})
	watcher := arriveCoalescing(t, h, "watcher", "den")
	crowd := []*recorder{join(t, h, "a", "den"), join(t, h, "b", "den"), join(t, h, "c", "den")}
	den := h.room("den")
	countIs(t, den, 4)
	flushDue(den)
	if p := presences(watcher); len(p) == 0 || !p[len(p)-1].Large || p[len(p)-1].Count != 4 {
		t.Fatalf("the watcher's presence frames %v: want the last large with count 4", p)
	}
	before := len(presences(watcher))

	h.Leave(ctx, join(t, h, "visitor", "den"))
	countIs(t, den, 4)
	flushDue(den)
	if p := presences(watcher); len(p) != before {
		t.Fatalf("the count did not change, yet the watcher was sent %v", p[before:])
	}

	late := arriveCoalescing(t, h, "late", "den") // welcomed with 5
	h.Leave(ctx, crowd[0])
	countIs(t, den, 4)
	flushDue(den)
	for _, m := range []*recorder{watcher, late} {
		if p := presences(m); p[len(p)-1].Count != 4 {
			t.Fatalf("%s's presence frames %v: want the last with count 4", m.name, p)
		}
	}
}

// arriveCoalescing connects a member to room that asks for coalesced
// presence.
func arriveCoalescing(t *testing.T, h *Hub, name, room string) *recorder {
	t.Helper()
	m := &recorder{name: name}
	if err := h.Claim(context.Background(), name, []string{room}); err != nil {
		t.Fatal(err)
	}
	if err := h.Connect(context.Background(), m, Arrival{Rooms: []string{room}, Coalesce: true}); err != nil {
		t.Fatal(err)
	}
	return m
}

// countIs waits until room r has n members.
func countIs(t *testing.T, r *room, n int) {
	t.Helper()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		return poll.Check(r.users.len() == n, fmt.Sprintf("%d members, want %d", r.users.len(), n))
	})
}

// flushDue runs the room's presence flush now, as if its timer fired with
// the large room's count due: the timer is stopped and the last count
// made older than its period.
func flushDue(r *room) {
	r.mu.Lock()
	if r.p.flush != nil {
		r.p.flush.Stop()
		r.p.flush = nil
	}
	r.p.sentCount = time.Now().Add(-(largeCountWindows + 1) * r.hub.cfg.PresenceWindow)
	r.mu.Unlock()
	r.flushPresence()
}

// presences are the presence frames m got.
func presences(m *recorder) []*model.ChatRoomRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	var p []*model.ChatRoomRequest
	for _, f := range m.got {
		if f.Type == model.TypePresence {
			p = append(p, f)
		}
	}
	return p
}
