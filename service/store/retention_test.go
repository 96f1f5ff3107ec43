package store

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
)

func TestTrimKeepsTheNewestOfEachConversation(t *testing.T) {
	s := openT(t, "", Options{})
	mustAppend(t, s, roomTalks("big", 1, 1200)...) // more than two chunks to remove
	mustAppend(t, s, roomTalks("small", 2001, 50)...)
	var dms []*model.ChatRoomRequest
	for i := uint64(0); i < 150; i++ {
		dms = append(dms, dm(3001+i, "ann", "bob", "needle"))
	}
	mustAppend(t, s, dms...)
	n, err := s.Trim(context.Background(), 100, 0)
	if err != nil || n != 1100+50 {
		t.Fatalf("Trim = %d, %v; want 1150 removed", n, err)
	}
	page, more := before(t, s, "big", 0, 200)
	if len(page) != 100 || page[0] != 1101 || more {
		t.Fatalf("big keeps %d talks from %v, more %v; want 1101..1200 and no more", len(page), page[:1], more)
	}
	if page, _ := before(t, s, "small", 0, 200); len(page) != 50 {
		t.Fatalf("small keeps %d talks, want all 50", len(page))
	}
	conv := model.DirectConversation("ann", "bob")
	if got, _ := search(t, s, conv, "needle", 0, 200); len(got) != 100 || got[99] != 3051 {
		t.Fatalf("search finds %d direct messages, want the 100 kept", len(got))
	}
	ctx := context.Background()
	if _, complete, _ := s.After(ctx, "big", 0, 0, 10); complete {
		t.Fatal("After(0) of a trimmed room says complete")
	}
	if msgs, complete, _ := s.After(ctx, "big", 1100, 0, 10); !complete || msgs[0].GetSeq() != 1101 {
		t.Fatal("After(1100), the floor, is not complete")
	}
	if _, complete, _ := s.After(ctx, "small", 0, 0, 10); !complete {
		t.Fatal("an untrimmed room is not complete")
	}
	if n, err := s.Trim(ctx, 100, 0); n != 0 || err != nil {
		t.Fatalf("a second Trim removed %d, %v", n, err)
	}
	mustAppend(t, s, roomTalks("big", 5001, 10)...)
	if n, _ := s.Trim(ctx, 100, 0); n != 10 {
		t.Fatalf("after 10 more talks, Trim removed %d", n)
	}
}

func TestTrimDropsTalksOlderThanMaxAge(t *testing.T) {
	s := openT(t, "", Options{})
	now := time.Now()
	evs := roomTalks("lobby", 1, 10)
	for i, ev := range evs {
		ev.Timestamp = now.Add(-time.Duration(10-i) * time.Hour).UnixMilli() // 10 h old .. 1 h old
	}
	mustAppend(t, s, evs...)
	n, err := s.Trim(context.Background(), 0, 3*time.Hour+30*time.Minute)
	if err != nil || n != 7 {
		t.Fatalf("Trim = %d, %v; want the 7 older than 3.5 h", n, err)
	}
	if page, _ := before(t, s, "lobby", 0, 100); !slices.Equal(page, []uint64{8, 9, 10}) {
		t.Fatalf("kept %v", page)
	}
}

func TestRetentionLoopRunsUntilClose(t *testing.T) {
	var runs atomic.Int32
	s := openT(t, "", Options{Keep: 10, TrimEvery: 5 * time.Millisecond, OnTrim: func(n int, err error) {
		if err != nil {
			t.Errorf("retention: %v", err)
		}
		runs.Add(1)
	}})
	mustAppend(t, s, roomTalks("lobby", 1, 50)...)
	poll.CheckFor(t, 10*time.Second, 5*time.Millisecond, func() error {
		page, _ := before(t, s, "lobby", 0, 100)
		return poll.Check(len(page) == 10 && page[0] == 41, "the newest 10 talks kept, have %v", page)
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after := runs.Load()
	if after == 0 {
		t.Fatal("OnTrim was never called")
	}
}

func TestTrimStopsWhenItsContextEnds(t *testing.T) {
	s := openT(t, "", Options{})
	mustAppend(t, s, roomTalks("lobby", 1, 100)...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Trim(ctx, 1, 0); err == nil {
		t.Fatal("Trim with an ended context: no error")
	}
	if _, err := s.Trim(context.Background(), -1, 0); err == nil {
		t.Fatal("Trim keeping -1: no error")
	}
}
