package chatserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chatroom/model"
	"chatroom/service/store"
)

// Attacks on the data directory through symbolic links.

// startOn runs a server on dir and returns its exit code and what it said
// if it did not start; 0 and "" if it started (it is stopped when the
// test ends).
func startOn(t *testing.T, dir string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	code := make(chan int, 1)
	ready := make(chan string, 1)
	args := []string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-data-dir", dir, "-metrics-addr", ""}
	go func() { code <- Run(ctx, args, noEnv, &stderr, func(a string) { ready <- a }) }()
	select {
	case <-ready:
		t.Cleanup(func() { cancel(); <-code })
		return 0, ""
	case c := <-code:
		cancel()
		return c, stderr.String()
	}
}

// Two servers whose data directories differ but whose chatroom.db is one
// file (a symbolic link in one directory to the other's): both started,
// and both handed out seqs into it from the same last seq. Now the
// directory that really holds the file is locked too.
func TestAttackHistoryDataDirLinkedDatabase(t *testing.T) {
	real, linked := t.TempDir(), t.TempDir()
	s, err := store.Open(real, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Symlink(filepath.Join(real, store.FileName), filepath.Join(linked, store.FileName)); err != nil {
		t.Fatal(err)
	}
	if code, said := startOn(t, real); code != 0 {
		t.Fatalf("the server on %s: exit %d: %s", real, code, said)
	}
	code, said := startOn(t, linked)
	if code != 1 || !strings.Contains(said, "in use by another chatroom server") {
		t.Fatalf("a second server on a directory whose database links to the first's: exit %d, %q", code, said)
	}
	// The data directory itself a link to the first's: one directory, one lock.
	dirLink := filepath.Join(t.TempDir(), "data")
	if err := os.Symlink(real, dirLink); err != nil {
		t.Fatal(err)
	}
	if code, said := startOn(t, dirLink); code != 1 || !strings.Contains(said, "in use by another chatroom server") {
		t.Errorf("a second server on a link to the first's directory: exit %d, %q", code, said)
	}
}

// The database deleted (or replaced) under a running server: talks went
// on being delivered, written to a file no one could open again, and the
// next start began from an empty database, its seqs from 1. A talk is now
// refused ("message not sent: ...") once the file is gone; joins still go
// out.
func TestAttackHistoryDataDirDatabaseDeleted(t *testing.T) {
	dir := t.TempDir()
	r := start(t, "-data-dir", dir, "-log-stderr=false")
	ann := dialRoomsFrom(t, bystanderAddr, r.addr, "ann")
	ann.say("", "before")
	ann.untilTalk("before")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(dir, store.FileName+suffix))
	}
	ann.say("", "after")
	var m *model.ChatRoomRequest
	for range 100 {
		if m = ann.until2(model.TypeTalk, model.TypeError); m.Type == model.TypeError || m.Content == "after" {
			break
		}
	}
	t.Logf("a talk after the database was deleted: %s %q", m.Type, m.Content)
	if m.Type != model.TypeError || !strings.HasPrefix(m.Content, "message not sent: ") {
		t.Fatalf("a talk after the database was deleted: %v; it would be gone after a restart", m)
	}
	ann.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "other"})
	if m := ann.until(model.TypeUserList); m.Room != "other" {
		t.Errorf("a join after the database was deleted: %v", m)
	}
}

// until2 reads until a frame of type a or b and returns it.
func (c *roomClient) until2(a, b string) *model.ChatRoomRequest {
	c.t.Helper()
	for range 10000 {
		m, err := read(c.t, c.ws)
		if err != nil {
			c.t.Fatalf("%s waiting for %s or %s: %v", c.name, a, b, err)
		}
		if m.Type == a || m.Type == b {
			return m
		}
	}
	c.t.Fatalf("%s: no %s or %s in 10000 frames", c.name, a, b)
	return nil
}
