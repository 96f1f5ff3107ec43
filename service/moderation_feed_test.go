package service

import (
	"context"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/internal/natstest"
)

// A hub on NATS, whose moderation store tells every change
// (moderation_feed.go), reads the whole store once, at start: not again
// when a join makes it follow a room, nor when a handshake is refused for
// a ban from a room it does not follow.

// countingModeration is the NATS broker's ModerationStore (and feed),
// counting its reads of every restriction.
type countingModeration struct {
	*NatsModeration
	reads atomic.Int32
}

func (c *countingModeration) Restrictions(ctx context.Context) ([]Restriction, error) {
	c.reads.Add(1)
	return c.NatsModeration.Restrictions(ctx)
}

func TestNatsHubJoinReadsNoStore(t *testing.T) {
	log, _ := logtest.NewNullLogger()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nb, err := NewNatsBroker(ctx, NatsConfig{URLs: natstest.Start(t), Node: "a"}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nb.Close() })
	store := &countingModeration{NatsModeration: nb.Moderation()}
	must(t, store.PutRestriction(ctx, Restriction{Room: "elsewhere", Name: "dave", By: "root"}))
	h, err := NewHub(nb, payloadFramer{}, HubConfig{Presence: true, Moderation: store}, log)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	rooms := []string{"r1", "r2", "r3", "r4", "r5"}
	for i, room := range rooms {
		join(t, h, string(rune('a'+i)), room)
	}
	t.Logf("%d joins into empty rooms took %v", len(rooms), time.Since(started).Round(time.Microsecond))
	if err := h.CheckBanned("dave", netip.Addr{}, []string{"elsewhere"}); err == nil {
		t.Error("dave's handshake into a room it is banned from is let in")
	}
	if n := store.reads.Load(); n != 1 {
		t.Errorf("the store's restrictions were read %d times, want once (at start)", n)
	}
}
