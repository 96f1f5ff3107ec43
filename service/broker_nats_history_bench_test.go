package service

// What reading history from the NATS stream costs: a page of 100 of a room
// whose subject holds 100,000 events among as many of other rooms, at the
// newest end, the middle and the oldest end; a catch up; a search that
// scans the whole subject; where a Follow's replay starts. Run with
// go test -run '^$' -bench NatsHistory -benchtime 20x ./service

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/internal/natstest"
	"chatroom/model"
)

// fillStream publishes events: every other one a talk of room r, the rest
// talks of ten other rooms, all asynchronously.
func fillStream(b *testing.B, n *natsTestNode, url string, events int) {
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := range events {
		room := "r"
		if i%2 == 1 {
			room = fmt.Sprint("o", i%10)
		}
		ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "alice", Room: room, Content: fmt.Sprintf("message %d word%d", i, i%1000)}
		if _, err := js.PublishAsync(n.roomSubject(room), model.Encode(ev)); err != nil {
			b.Fatal(err)
		}
		if i%2000 == 1999 || i == events-1 { // a chunk at a time
			select {
			case <-js.PublishAsyncComplete():
			case <-time.After(2 * time.Minute):
				b.Fatal("publishing did not complete")
			}
		}
	}
	b.Logf("published %d events in %v", events, time.Since(start))
}

func BenchmarkNatsHistory(b *testing.B) {
	url := natstest.Start(b)
	n := newBenchNode(b, url)
	fillStream(b, n, url, 200_000)
	ctx := context.Background()
	last, err := n.lastSeq(ctx, n.roomSubject("r"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		before uint64
	}{{"Before100Newest", 0}, {"Before100Middle", last / 2}, {"Before100Oldest", 300}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				if msgs, _, err := n.Before(ctx, "r", c.before, 100); err != nil || len(msgs) == 0 {
					b.Fatal(len(msgs), err)
				}
			}
		})
	}
	b.Run("After100Middle", func(b *testing.B) {
		for range b.N {
			if msgs, _, err := n.After(ctx, "r", last/2, 0, 100); err != nil || len(msgs) != 100 {
				b.Fatal(len(msgs), err)
			}
		}
	})
	b.Run("SearchWholeSubject", func(b *testing.B) {
		for range b.N {
			if _, _, err := n.Search(ctx, "r", "nosuchword", 0, 50); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReplayStart2000", func(b *testing.B) {
		for range b.N {
			if _, err := n.replayFrom(ctx, n.roomSubject("r"), last); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// newBenchNode is a NatsBroker on url, closed when the benchmark ends.
func newBenchNode(b *testing.B, url string) *natsTestNode {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log, _ := logtest.NewNullLogger()
	nb, err := NewNatsBroker(ctx, NatsConfig{URLs: url, Node: "bench"}, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nb.Close() })
	return &natsTestNode{NatsBroker: nb}
}
