package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"chatroom/model"
)

func TestAppendThenBeforeAfterAndLastSeqAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.LastSeq() != 0 {
		t.Fatalf("a new store's LastSeq = %d", s.LastSeq())
	}
	mustAppend(t, s, talk("lobby", 1, "ann", "hi"), join("lobby", 2, "bob"), talk("go", 3, "bob", "in go"),
		talk("lobby", 4, "bob", "hello"), dm(5, "Ann", "bob", "psst"), &model.ChatRoomRequest{Type: model.TypeLeave, Room: "lobby", Seq: 9})
	if s.LastSeq() != 9 {
		t.Fatalf("LastSeq = %d, want 9 (the leave's)", s.LastSeq())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, Options{})
	if s.LastSeq() != 9 {
		t.Fatalf("after reopening, LastSeq = %d, want 9", s.LastSeq())
	}
	msgs, more, err := s.Before(context.Background(), "lobby", 0, 10)
	if err != nil || more {
		t.Fatalf("Before: more %v, %v", more, err)
	}
	want := []*model.ChatRoomRequest{talk("lobby", 1, "ann", "hi"), talk("lobby", 4, "bob", "hello")}
	if len(msgs) != 2 || !proto.Equal(msgs[0], want[0]) || !proto.Equal(msgs[1], want[1]) {
		t.Fatalf("Before(lobby) = %v, want %v (talks only, as delivered)", msgs, want)
	}
	conv := model.DirectConversation("bob", "ann")
	msgs, _, err = s.Before(context.Background(), conv, 0, 10)
	if err != nil || len(msgs) != 1 || !proto.Equal(msgs[0], dm(5, "Ann", "bob", "psst")) {
		t.Fatalf("Before(DM) = %v, %v; want the direct message with its to and no room", msgs, err)
	}
}

func TestBeforePagesBackToTheBeginning(t *testing.T) {
	s := openT(t, "", Options{})
	mustAppend(t, s, roomTalks("lobby", 1, 25)...)
	mustAppend(t, s, roomTalks("other", 100, 5)...)
	var got []uint64
	bef, more := uint64(0), true
	for pages := 0; more; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		var page []uint64
		page, more = before(t, s, "lobby", bef, 10)
		if len(page) == 0 {
			t.Fatalf("empty page with more before %d", bef)
		}
		if !slices.IsSorted(page) {
			t.Fatalf("page %v is not oldest first", page)
		}
		got = append(page, got...)
		bef = page[0]
	}
	if len(got) != 25 || got[0] != 1 || got[24] != 25 {
		t.Fatalf("pages gave %v, want 1..25", got)
	}
	if page, more := before(t, s, "lobby", 1, 10); len(page) != 0 || more {
		t.Fatalf("before the first talk: %v more %v, want the beginning", page, more)
	}
	if page, more := before(t, s, "lobby", 11, 10); !slices.Equal(page, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) || more {
		t.Fatalf("Before(11, 10) = %v more %v", page, more)
	}
	if page, more := before(t, s, "nowhere", 0, 10); len(page) != 0 || more {
		t.Fatalf("a room with no talks: %v more %v", page, more)
	}
}

func TestAfterReturnsTheTalksInTheWindowOldestFirst(t *testing.T) {
	s := openT(t, "", Options{})
	mustAppend(t, s, roomTalks("lobby", 1, 20)...)
	ctx := context.Background()
	msgs, complete, err := s.After(ctx, "lobby", 5, 12, 100)
	if err != nil || !complete || !slices.Equal(seqs(msgs), []uint64{6, 7, 8, 9, 10, 11, 12}) {
		t.Fatalf("After(5, 12) = %v complete %v %v", seqs(msgs), complete, err)
	}
	msgs, _, _ = s.After(ctx, "lobby", 5, 0, 3)
	if !slices.Equal(seqs(msgs), []uint64{6, 7, 8}) {
		t.Fatalf("After(5, no bound, limit 3) = %v", seqs(msgs))
	}
	msgs, complete, err = s.After(ctx, "lobby", 20, 0, 10)
	if err != nil || !complete || len(msgs) != 0 {
		t.Fatalf("After the last = %v complete %v %v", seqs(msgs), complete, err)
	}
}

func TestBadInputIsAClearError(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	if _, _, err := s.Before(ctx, "lobby", 0, 0); err == nil {
		t.Fatal("Before with limit 0: no error")
	}
	if _, _, err := s.After(ctx, "lobby", 0, 0, -1); err == nil {
		t.Fatal("After with limit -1: no error")
	}
	for _, evs := range [][]*model.ChatRoomRequest{{nil}, {talk("lobby", 0, "ann", "no seq")}, {talk("lobby", 1<<63, "ann", "too big")}} {
		if err := s.Append(evs); err == nil {
			t.Fatalf("Append(%v): no error", evs)
		}
	}
	mustAppend(t, s, talk("lobby", 1, "ann", "one"))
	err := s.Append([]*model.ChatRoomRequest{talk("lobby", 2, "ann", "two"), talk("lobby", 1, "ann", "one again")})
	if err == nil {
		t.Fatal("a seq stored twice: no error")
	}
	if page, _ := before(t, s, "lobby", 0, 10); !slices.Equal(page, []uint64{1}) {
		t.Fatalf("a failed batch left %v, want only [1] (nothing of the batch)", page)
	}
	if s.LastSeq() != 1 {
		t.Fatalf("a failed batch moved LastSeq to %d", s.LastSeq())
	}
	s.Close()
	if err := s.Append(roomTalks("lobby", 5, 1)); err == nil {
		t.Fatal("Append after Close: no error")
	}
	if _, _, err := s.Before(ctx, "lobby", 0, 1); err == nil {
		t.Fatal("Before after Close: no error")
	}
}

func TestAppendKeepsAThousandTalksBatch(t *testing.T) {
	s := openT(t, "", Options{})
	evs := roomTalks("lobby", 1, 3000)
	for i := range evs {
		if i%3 == 0 {
			evs[i].Room = fmt.Sprintf("room%d", i%7)
		}
	}
	mustAppend(t, s, evs...)
	if s.LastSeq() != 3000 {
		t.Fatalf("LastSeq = %d", s.LastSeq())
	}
	if page, more := before(t, s, "lobby", 0, 200); len(page) != 200 || !more || page[199] != 3000 {
		t.Fatalf("Before = %d talks ending %v, more %v", len(page), page[len(page)-1:], more)
	}
}
