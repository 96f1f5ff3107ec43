package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chatroom/internal/poll"
)

// TestBackupOfAStoreBeingWritten backs up a store while a goroutine
// appends to it, and opens the copy: it is a chatroom database holding a
// prefix of what was appended, talks and search index alike.
func TestBackupOfAStoreBeingWritten(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	mustAppend(t, s, roomTalks("lobby", 1, 500)...)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seq := uint64(501); seq < 100_000; seq += 10 {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Append(roomTalks("lobby", seq, 10)); err != nil {
				t.Errorf("Append during the backup: %v", err)
				return
			}
		}
	}()
	poll.CheckFor(t, 10*time.Second, time.Millisecond, func() error {
		return poll.Check(s.LastSeq() > 1000, "the writer under way, LastSeq %d", s.LastSeq())
	})
	out := filepath.Join(t.TempDir(), "copy.db")
	err := s.Backup(context.Background(), out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backed up while appending: LastSeq %d when the backup ended", s.LastSeq())
	restored := t.TempDir()
	if err := os.Rename(out, filepath.Join(restored, FileName)); err != nil {
		t.Fatal(err)
	}
	c := openT(t, restored, Options{})
	page, _ := before(t, c, "lobby", 0, 200)
	last := page[len(page)-1]
	if c.LastSeq() < 500 || c.LastSeq() != last {
		t.Fatalf("the copy's LastSeq %d, its last talk %d; want the same, at least 500", c.LastSeq(), last)
	}
	for bef, n := uint64(0), 0; ; n++ { // every talk up to the last is in the copy
		msgs, more, err := c.Before(context.Background(), "lobby", bef, 200)
		if err != nil || (len(msgs) > 0 && msgs[len(msgs)-1].GetSeq() != last-uint64(200*n)) {
			t.Fatalf("page %d of the copy: %v, %v", n, seqs(msgs), err)
		}
		if !more {
			break
		}
		bef = msgs[0].GetSeq()
	}
	if got, _ := search(t, c, "lobby", "message", 0, 10); len(got) != 10 || got[0] != last {
		t.Fatalf("search in the copy: %v", got)
	}
}

func TestBackupRefusesAnExistingFileAndAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	mustAppend(t, s, roomTalks("lobby", 1, 5)...)
	out := filepath.Join(t.TempDir(), "copy.db")
	os.WriteFile(out, []byte("precious"), 0o644)
	if err := s.Backup(context.Background(), out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Backup over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "precious" {
		t.Fatal("Backup changed an existing file")
	}
	if err := BackupDir(context.Background(), t.TempDir(), filepath.Join(t.TempDir(), "x.db")); err == nil || !strings.Contains(err.Error(), "there is no chatroom database in") {
		t.Fatalf("BackupDir of an empty directory: %v", err)
	}
	out = filepath.Join(t.TempDir(), "copy.db")
	if err := BackupDir(context.Background(), dir, out); err != nil {
		t.Fatalf("BackupDir of an open store: %v", err)
	}
	if err := BackupDir(context.Background(), dir, filepath.Join(t.TempDir(), "no", "such", "dir.db")); err == nil {
		t.Fatal("BackupDir into a missing directory: no error")
	}
}
