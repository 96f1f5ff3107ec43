package service

import (
	"testing"
	"time"
)

// Benchmarks of the moderation check on a talk's hot path (Hub.mayTalk),
// printed, never asserted: go test -run XXX -bench MayTalk ./service.
// The common case (nothing restricted, no slow mode) should cost a read
// lock and a map lookup, and allocate nothing.

// BenchmarkMayTalk is mayTalk of users talking in parallel in a room
// with no restriction, then with a mute of someone else on the server.
func BenchmarkMayTalk(b *testing.B) {
	h := newBenchHub(b, HubConfig{})
	from := joinSinks(b, h, 1, nil)
	room := h.cfg.DefaultRoom
	run := func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := h.mayTalk(from, room); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("none", run)
	h.mod.put(Restriction{Room: room, Name: "someone", Mute: true, At: time.Now()}, false)
	b.Run("other muted", run)
}
