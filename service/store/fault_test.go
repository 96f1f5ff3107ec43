package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"chatroom/model"
	"chatroom/service"
)

// fillUntilFull appends batches of talks of 1 KB until Append fails, and
// returns the last seq appended and the error.
func fillUntilFull(t *testing.T, s *Store) (uint64, error) {
	t.Helper()
	text := strings.Repeat("full disk ", 100)
	var last uint64
	for batch := 0; batch < 10_000; batch++ {
		evs := make([]*model.ChatRoomRequest, 10)
		for i := range evs {
			evs[i] = talk("lobby", last+uint64(i)+1, "ann", fmt.Sprintf("%d %s", last+uint64(i)+1, text))
		}
		if err := s.Append(evs); err != nil {
			return last, err
		}
		last += 10
	}
	t.Fatal("10,000 batches of 10 KB were all stored: the disk never filled")
	return 0, nil
}

// checkKept wants exactly the talks 1..last in lobby.
func checkKept(t *testing.T, s *Store, last uint64) {
	t.Helper()
	msgs, _, err := s.After(context.Background(), "lobby", 0, 0, int(last)+10)
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	if uint64(len(msgs)) != last || (last > 0 && msgs[len(msgs)-1].GetSeq() != last) {
		t.Fatalf("kept %d talks, want the %d stored before the disk filled", len(msgs), last)
	}
	if s.LastSeq() != last {
		t.Fatalf("LastSeq = %d, want %d", s.LastSeq(), last)
	}
}

// wantDiskFull wants err to be a store failure that says "disk full".
func wantDiskFull(t *testing.T, err error) {
	t.Helper()
	if err == nil || err.Error() != "disk full" || !errors.Is(err, service.ErrStoreFailed) {
		t.Fatalf("Append on a full disk = %v, want %q, a service.ErrStoreFailed", err, "disk full")
	}
	var se *Error
	if errors.As(err, &se) {
		t.Logf("disk full: %s", se.Detail())
	}
}

// TestAFullPageLimit is the full disk as SQLite's page limit: the same
// SQLITE_FULL, on any machine.
func TestAFullPageLimit(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	var pages int
	s.w.QueryRow(`PRAGMA page_count`).Scan(&pages)
	if _, err := s.w.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+50)); err != nil {
		t.Fatal(err)
	}
	last, err := fillUntilFull(t, s)
	wantDiskFull(t, err)
	checkKept(t, s, last)
	s.Close()
	checkKept(t, openT(t, dir, Options{}), last)
}
