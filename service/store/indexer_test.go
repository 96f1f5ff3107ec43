package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// A search right after an Append finds what it stored: the indexer works
// apart from Append, and Search waits for it.
func TestSearchFindsWhatWasJustAppended(t *testing.T) {
	s := openT(t, "", Options{})
	for i := range uint64(50) {
		mustAppend(t, s, talk("lobby", i+1, "ann", "大家你好 number"), join("lobby", 1000+i, "bob"))
		msgs, _, err := s.Search(context.Background(), "lobby", "你好", 0, 200)
		if err != nil || len(msgs) != int(i+1) {
			t.Fatalf("after %d appends, search found %d (%v)", i+1, len(msgs), err)
		}
	}
}

// Talks stored but not yet indexed when the process died are indexed at
// the next Open.
func TestOpenIndexesWhatAKilledProcessLeftOut(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	mustAppend(t, s, talk("lobby", 1, "ann", "kept first"), talk("dev", 2, "ann", "kept second"), talk("lobby", 3, "bob", "kept third"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// What a kill between the Append and the indexing leaves: the talks
	// stored, the index without them, indexed_seq before them.
	db := rawDB(t, filepath.Join(dir, FileName))
	for _, q := range []string{`DELETE FROM search WHERE rowid >= 2`, `UPDATE meta SET value = 1 WHERE key = 'indexed_seq'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s = openT(t, dir, Options{})
	for _, c := range []struct {
		conv string
		want []uint64
	}{{"lobby", []uint64{3, 1}}, {"dev", []uint64{2}}} {
		msgs, _, err := s.Search(context.Background(), c.conv, "kept", 0, 10)
		if err != nil || !slices.Equal(seqs(msgs), c.want) {
			t.Fatalf("search of %s after the reopen: %v (%v), want %v", c.conv, seqs(msgs), err, c.want)
		}
	}
}
