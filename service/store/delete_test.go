package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"chatroom/model"
	"chatroom/service"
)

// wantTombstone fails unless m is the tombstone of talk t deleted by by.
func wantTombstone(tb testing.TB, m, t *model.ChatRoomRequest, by string) {
	tb.Helper()
	want := &model.ChatRoomRequest{Type: model.TypeDelete, Seq: t.GetSeq(), TargetSeq: t.GetSeq(), Timestamp: t.GetTimestamp(),
		UserName: t.GetUserName(), Room: t.GetRoom(), To: t.GetTo(), By: by}
	if m.GetType() != want.Type || m.GetSeq() != want.Seq || m.GetTimestamp() != want.Timestamp ||
		m.GetUserName() != want.UserName || m.GetRoom() != want.Room || m.GetTo() != want.To ||
		m.GetBy() != by || m.GetContent() != "" || m.GetTargetSeq() != want.Seq {
		tb.Fatalf("read back %v\nwant the tombstone %v", m, want)
	}
}

// mustDelete deletes seq of conv by by or fails, and wants author back.
func mustDelete(t *testing.T, s *Store, conv string, seq uint64, by, author string) {
	t.Helper()
	got, err := s.Delete(context.Background(), conv, seq, by)
	if err != nil || got != author {
		t.Fatalf("Delete(%q, %d) = %q, %v; want %q", conv, seq, got, err, author)
	}
}

func TestADeletedTalkIsATombstoneAndNotFound(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	ctx := context.Background()
	talks := []*model.ChatRoomRequest{
		talk("lobby", 1, "ann", "a secret password"),
		talk("lobby", 2, "bob", "a public password"),
		dm(3, "cat", "dan", "a private password"),
	}
	mustAppend(t, s, talks...)
	mustDelete(t, s, "lobby", 1, "mod", "ann")
	conv := model.DirectConversation("cat", "dan")
	mustDelete(t, s, conv, 3, "api", "cat")

	check := func(s *Store) {
		t.Helper()
		msgs, _, err := s.Before(ctx, "lobby", 0, 10)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("Before = %v, %v", msgs, err)
		}
		wantTombstone(t, msgs[0], talks[0], "mod")
		if msgs[1].GetType() != model.TypeTalk || msgs[1].GetContent() != "a public password" {
			t.Fatalf("the talk kept reads back as %v", msgs[1])
		}
		msgs, complete, err := s.After(ctx, conv, 0, 0, 10)
		if err != nil || !complete || len(msgs) != 1 {
			t.Fatalf("After = %v, %v, %v", msgs, complete, err)
		}
		wantTombstone(t, msgs[0], talks[2], "api")
		if got, _ := search(t, s, "lobby", "password", 0, 10); len(got) != 1 || got[0] != 2 {
			t.Fatalf("search finds %v, want only the talk kept, 2", got)
		}
		for _, q := range []string{"secret", "private"} {
			if got, _ := search(t, s, "lobby", q, 0, 10); len(got) != 0 {
				t.Fatalf("search for %q finds %v", q, got)
			}
		}
		if got, _ := search(t, s, conv, "password", 0, 10); len(got) != 0 {
			t.Fatalf("search of the direct messages finds %v", got)
		}
	}
	check(s)
	check(killedCopy(t, dir))
	s.Close()
	check(openT(t, dir, Options{}))
}

func TestDeleteOfNoSuchTalk(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	mustAppend(t, s, talk("lobby", 5, "ann", "hi"), join("lobby", 6, "bob"))
	mustDelete(t, s, "lobby", 5, "mod", "ann")
	for _, c := range []struct {
		conv string
		seq  uint64
		what string
	}{
		{"lobby", 5, "a talk deleted already"},
		{"lobby", 4, "a seq never given"},
		{"lobby", 6, "a join's seq"},
		{"other", 5, "another room's talk"},
		{"lobby", 0, "seq 0"},
		{"lobby", 1 << 63, "a seq beyond int64"},
	} {
		if author, err := s.Delete(ctx, c.conv, c.seq, "mod"); !errors.Is(err, service.ErrNoSuchTalk) || author != "" {
			t.Errorf("Delete of %s = %q, %v; want ErrNoSuchTalk", c.what, author, err)
		}
	}
	if _, err := s.Delete(ctx, "lobby", 5, ""); err == nil || errors.Is(err, service.ErrNoSuchTalk) {
		t.Errorf("Delete by no one: %v, want an error saying who is missing", err)
	}
	msgs, _, _ := s.Before(ctx, "lobby", 0, 10)
	if len(msgs) != 1 || msgs[0].GetBy() != "mod" {
		t.Fatalf("after the refused deletes, lobby holds %v", msgs)
	}
}

// TestATalkDeletedBeforeItIsIndexedIsNeverIndexed plays the indexer's
// batch arriving after the Delete (the indexer took it from its queue
// before the Delete, and writes it after), then a restart that indexes
// what a killed process left out: neither indexes the deleted talk.
func TestATalkDeletedBeforeItIsIndexedIsNeverIndexed(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	mustAppend(t, s, talk("lobby", 1, "ann", "needle one"), talk("lobby", 2, "bob", "needle two"))
	mustDelete(t, s, "lobby", 1, "mod", "ann")
	late := []pending{{seq: 1, conv: "lobby", content: "needle one"}, {seq: 2, conv: "lobby", content: "needle two"}}
	if err := s.index(late, s.LastSeq()); err != nil {
		t.Fatal(err)
	}
	if got, _ := search(t, s, "lobby", "one", 0, 10); len(got) != 0 {
		t.Fatalf("after a late batch, search finds the deleted talk: %v", got)
	}
	s.Close()

	db := rawDB(t, filepath.Join(dir, FileName)) // as if the process was killed before indexing anything
	for _, q := range []string{`INSERT INTO search (search) VALUES ('delete-all')`, `UPDATE meta SET value = 0 WHERE key = 'indexed_seq'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s = openT(t, dir, Options{})
	if got, _ := search(t, s, "lobby", "needle", 0, 10); len(got) != 1 || got[0] != 2 {
		t.Fatalf("after indexing at Open, search finds %v, want [2]", got)
	}
	if n := indexedRows(t, s); n != 1 {
		t.Fatalf("the index holds %d talks, want 1", n)
	}
}

// indexedRows counts the talks in the search index, once every talk
// appended is indexed.
func indexedRows(t *testing.T, s *Store) int {
	t.Helper()
	if err := s.ix.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.w.QueryRow(`SELECT count(*) FROM search`).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return n
}

// TestRetentionRemovesTombstonesLikeTalks: a tombstone is still one of
// its room's kept talks, counted and trimmed as the talk was.
func TestRetentionRemovesTombstonesLikeTalks(t *testing.T) {
	s := openT(t, "", Options{})
	ctx := context.Background()
	mustAppend(t, s, roomTalks("lobby", 1, 10)...)
	mustDelete(t, s, "lobby", 2, "mod", "ann")
	mustDelete(t, s, "lobby", 9, "mod", "ann")
	if n, err := s.Trim(ctx, 5, 0); n != 5 || err != nil {
		t.Fatalf("Trim = %d, %v; want 5 removed", n, err)
	}
	msgs, _, err := s.Before(ctx, "lobby", 0, 10)
	if err != nil || len(msgs) != 5 || msgs[0].GetSeq() != 6 || msgs[3].GetType() != model.TypeDelete {
		t.Fatalf("after Trim, lobby holds %v, %v", msgs, err)
	}
	if _, err := s.Delete(ctx, "lobby", 3, "mod"); !errors.Is(err, service.ErrNoSuchTalk) {
		t.Fatalf("Delete of a trimmed talk: %v", err)
	}
	if n := indexedRows(t, s); n != 4 {
		t.Fatalf("the index holds %d talks, want the 4 kept and not deleted", n)
	}
}
