package service

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	logtest "github.com/sirupsen/logrus/hooks/test"
)

// Benchmarks of the room's hot path (a talk's broadcast) and of a join
// storm, printed, never asserted: go test -run XXX -bench . ./service

// sink is a Member that takes every frame and keeps nothing; it counts
// the frames and their bytes in queued, if set.
type sink struct {
	name   string
	queued *sunk
}

// sunk counts what sinks were sent.
type sunk struct{ frames, bytes atomic.Int64 }

func (s *sink) Name() string     { return s.name }
func (s *sink) Close(Disconnect) {}
func (s *sink) Send(f *Frame) SendResult {
	if s.queued != nil {
		n := len(f.Alone)
		for _, m := range f.More {
			n += len(m)
		}
		s.queued.frames.Add(1)
		s.queued.bytes.Add(int64(n))
	}
	return Queued
}

// joinSinks connects n sinks to h's default room, counting in q (if set)
// what they are sent.
func joinSinks(b *testing.B, h *Hub, n int, q *sunk) *sink {
	b.Helper()
	ctx := context.Background()
	var first *sink
	for i := range n {
		m := &sink{name: fmt.Sprintf("user%05d", i), queued: q}
		if err := h.Claim(ctx, m.name, nil); err != nil {
			b.Fatal(err)
		}
		if err := h.Connect(ctx, m, Arrival{}); err != nil {
			b.Fatal(err)
		}
		if first == nil {
			first = m
		}
	}
	return first
}

// BenchmarkTalkTo2000 is one talk delivered to a room of 2000 members.
func BenchmarkTalkTo2000(b *testing.B) {
	h := newBenchHub(b, HubConfig{Presence: true})
	from := joinSinks(b, h, 2000, nil)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if err := h.Talk(ctx, from, "", "hello"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJoinStorm is n users joining one room (default flags): the
// CPU of the room's side, and the frames and bytes queued to the users.
func BenchmarkJoinStorm(b *testing.B) {
	for _, n := range []int{3000, 15000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var q sunk
			for range b.N {
				h := newBenchHub(b, HubConfig{Presence: true, PresenceLimit: 1000})
				joinSinks(b, h, n, &q)
			}
			b.ReportMetric(float64(q.frames.Load())/float64(b.N), "frames/op")
			b.ReportMetric(float64(q.bytes.Load())/float64(b.N)/1e6, "MB/op")
		})
	}
}

// newBenchHub is newHub for a benchmark.
func newBenchHub(b *testing.B, cfg HubConfig) *Hub {
	b.Helper()
	log, _ := logtest.NewNullLogger()
	h, err := NewHub(NewMemoryBroker(), payloadFramer{}, cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	return h
}
