package main

import (
	"context"
	"testing"

	"chatroom/model"
)

// Every store the tool drives, in every mode, answers Before as
// service.History says, keeps rooms and direct conversations apart, and
// keeps LastSeq across a reopen.
func TestBefore(t *testing.T) {
	for _, c := range []candidate{sqliteCandidate(), plainSQLiteCandidate(), boltCandidate()} {
		for i, m := range c.modes {
			t.Run(m.name, func(t *testing.T) { testBefore(t, m, c.modes[(i+1)%len(c.modes)]) })
		}
	}
}

// testBefore writes through first and reads after reopening through
// second.
func testBefore(t *testing.T, first, second mode) {
	dir := t.TempDir()
	s, err := first.open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*model.ChatRoomRequest
	for seq := uint64(1); seq <= 30; seq++ {
		ev := &model.ChatRoomRequest{Type: model.TypeTalk, Seq: seq, UserName: "ann", Content: "hello", Timestamp: int64(seq)}
		switch seq % 3 {
		case 0:
			ev.Room = "a"
		case 1:
			ev.To = "Bob"
		default:
			ev.Type, ev.Room = model.TypeJoin, "a" // not history, but it spends a seq
		}
		evs = append(evs, ev)
	}
	if err := s.Append(evs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = second.open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.LastSeq() != 30 {
		t.Fatalf("LastSeq after reopen = %d, want 30", s.LastSeq())
	}
	for _, c := range []struct {
		conv       string
		before     uint64
		limit      int
		first, end uint64 // seqs of the first and last talk
		n          int
		more       bool
	}{
		{"a", 0, 4, 21, 30, 4, true},
		{"a", 30, 4, 18, 27, 4, true},
		{"a", 29, 4, 18, 27, 4, true},
		{"a", 10, 4, 3, 9, 3, false},
		{"a", 3, 4, 0, 0, 0, false},
		{"a", 1000, 100, 3, 30, 10, false},
		{model.DirectConversation("bob", "ANN"), 0, 2, 25, 28, 2, true},
		{"nowhere", 0, 10, 0, 0, 0, false},
	} {
		msgs, more, err := s.Before(context.Background(), c.conv, c.before, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != c.n || more != c.more || (c.n > 0 && (msgs[0].Seq != c.first || msgs[c.n-1].Seq != c.end)) {
			t.Errorf("Before(%q, %d, %d) = %v, more %v; want %d talks %d..%d, more %v", c.conv, c.before, c.limit, seqsOf(msgs), more, c.n, c.first, c.end, c.more)
		}
		for _, m := range msgs {
			if m.Type != model.TypeTalk || m.UserName != "ann" || m.Content != "hello" || m.Timestamp != int64(m.Seq) || (m.Room == "") == (m.To == "") {
				t.Errorf("Before(%q) returned %v", c.conv, m)
			}
		}
	}
}
