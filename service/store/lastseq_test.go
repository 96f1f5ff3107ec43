package store

import (
	"os"
	"path/filepath"
	"testing"
)

// A batch of joins and leaves costs no transaction: its seq is recorded
// with the next talk, or by Close; a kill before either loses it (the
// server's clock keeps later seqs above it: service.MemoryBroker).
func TestJoinsOnlyBatchesAreRecordedByTheNextTalkOrClose(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	mustAppend(t, s, talk("lobby", 1, "ann", "hi"))
	mustAppend(t, s, join("lobby", 5, "bob"))
	if s.LastSeq() != 5 {
		t.Fatalf("LastSeq = %d after a join at 5, want 5", s.LastSeq())
	}
	if got := killedCopy(t, dir).LastSeq(); got != 1 {
		t.Fatalf("killed after the join: the copy's LastSeq = %d, want 1 (the last talk's; the join's seq is not written yet)", got)
	}
	mustAppend(t, s, talk("lobby", 6, "bob", "hello"), join("lobby", 7, "cat"))
	mustAppend(t, s, join("lobby", 8, "dan"))
	if got := killedCopy(t, dir).LastSeq(); got != 7 {
		t.Fatalf("killed after a talk batch: the copy's LastSeq = %d, want 7", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := openT(t, dir, Options{}).LastSeq(); got != 8 {
		t.Fatalf("after a clean close, LastSeq = %d, want 8 (the last join's)", got)
	}
}

// killedCopy opens a copy of dir's database and its log as a kill -9 of
// the process using it leaves them.
func killedCopy(t *testing.T, dir string) *Store {
	t.Helper()
	to := t.TempDir()
	for _, name := range []string{FileName, FileName + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if err == nil {
			if err := os.WriteFile(filepath.Join(to, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return openT(t, to, Options{})
}
