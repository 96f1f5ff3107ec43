package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"chatroom/service"
)

// TestReadersRetentionAndTheWriterTogether reads (Before, After, Search)
// from several goroutines while one appends and the retention loop trims:
// under -race, nothing is shared unsafely, every read succeeds, and what
// is kept at the end is exactly each room's newest talks.
func TestReadersRetentionAndTheWriterTogether(t *testing.T) {
	s := openT(t, "", Options{Keep: 200, TrimEvery: time.Millisecond, OnTrim: func(_ int, err error) {
		if err != nil {
			t.Errorf("retention: %v", err)
		}
	}})
	ctx := context.Background()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100_000; i++ {
				select {
				case <-done:
					return
				default:
				}
				_, _, err1 := s.Before(ctx, "lobby", 0, 50)
				_, _, err2 := s.After(ctx, "lobby", uint64(i), 0, 50)
				_, _, err3 := s.Search(ctx, "lobby", "message 5", 0, 20)
				if err := errors.Join(err1, err2, err3); err != nil {
					t.Errorf("a read while writing: %v", err)
					return
				}
			}
		}()
	}
	for seq := uint64(1); seq <= 600; seq += 50 {
		mustAppend(t, s, roomTalks("lobby", seq, 50)...)
	}
	close(done)
	wg.Wait()
	if _, err := s.Trim(ctx, 200, 0); err != nil {
		t.Fatal(err)
	}
	msgs, complete, err := s.After(ctx, "lobby", 0, 0, 1000)
	if err != nil || complete || len(msgs) != 200 || msgs[0].GetSeq() != 401 || msgs[199].GetSeq() != 600 {
		t.Fatalf("kept %d talks (complete %v, %v), want 401..600", len(msgs), complete, err)
	}
}

// TestSQLiteErrorsInWords checks runError on SQLite's own errors: a write
// through a read-only connection is "database is read-only", a seq stored
// twice a constraint, both service.ErrStoreFailed. (A file turning
// read-only under a running store cannot be made for real here: Linux
// refuses to remount read-only a file system with files open for writing.)
func TestSQLiteErrorsInWords(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	mustAppend(t, s, talk("lobby", 1, "ann", "hi"))
	ro, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Exec(`INSERT INTO meta (key, value) VALUES ('x', 1)`)
	if err := runError(err); err == nil || err.Error() != "database is read-only" || !errors.Is(err, service.ErrStoreFailed) {
		t.Fatalf("a write to a read-only database: %v", err)
	}
	err = s.Append(roomTalks("lobby", 1, 1))
	if err == nil || err.Error() != "a message's seq is already stored" || !errors.Is(err, service.ErrStoreFailed) {
		t.Fatalf("a seq stored twice: %v", err)
	}
}
