package chatserver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
	"chatroom/service/store"
)

// runBackupCmd runs `server backup args...` and returns its exit code and
// what it said on stderr.
func runBackupCmd(t *testing.T, env func(string) (string, bool), args ...string) (int, string) {
	t.Helper()
	var errOut bytes.Buffer
	code := Run(context.Background(), append([]string{"backup"}, args...), env, &errOut, nil)
	return code, errOut.String()
}

// TestBackupSubcommandCopiesAStoreBeingWritten runs `server backup` on a
// data directory whose store a goroutine is appending to, restores the
// copy as another data directory's chatroom.db, and opens it.
func TestBackupSubcommandCopiesAStoreBeingWritten(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seq := uint64(1); seq < 1_000_000; seq++ {
			select {
			case <-stop:
				return
			default:
			}
			ev := &model.ChatRoomRequest{Type: model.TypeTalk, Room: "lobby", Seq: seq, UserName: "ann", Content: fmt.Sprint("talk ", seq)}
			if err := s.Append([]*model.ChatRoomRequest{ev}); err != nil {
				t.Errorf("Append: %v", err)
				return
			}
		}
	}()
	poll.CheckFor(t, 10*time.Second, time.Millisecond, func() error {
		return poll.Check(s.LastSeq() >= 100, "100 talks appended, have %d", s.LastSeq())
	})
	out := filepath.Join(t.TempDir(), "backup.db")
	code, stderr := runBackupCmd(t, noEnv, "-data-dir", dir, "-out", out)
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("server backup: exit %d: %s", code, stderr)
	}
	restored := t.TempDir()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(restored, store.FileName), b, 0o644) // the documented restore: copy FILE to DIR/chatroom.db
	c, err := store.Open(restored, store.Options{})
	if err != nil {
		t.Fatalf("opening the restored copy: %v", err)
	}
	defer c.Close()
	msgs, _, err := c.After(context.Background(), "lobby", 0, 0, 1_000_000)
	if err != nil || len(msgs) < 100 || uint64(len(msgs)) != c.LastSeq() || msgs[len(msgs)-1].GetSeq() != c.LastSeq() {
		t.Fatalf("the copy holds %d talks, LastSeq %d, %v; want every talk 1..LastSeq, at least 100", len(msgs), c.LastSeq(), err)
	}

	code, stderr = runBackupCmd(t, noEnv, "-data-dir", dir, "-out", out)
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("a second backup to the same file: exit %d, %q; want 1 and \"already exists\"", code, stderr)
	}
}

func TestBackupSubcommandRefusesBadArguments(t *testing.T) {
	if code, stderr := runBackupCmd(t, noEnv, "-data-dir", t.TempDir()); code != 2 || !strings.Contains(stderr, "-out FILE is required") {
		t.Fatalf("no -out: exit %d, %q", code, stderr)
	}
	empty := t.TempDir()
	env := func(k string) (string, bool) { return empty, k == "CHATROOM_DATA_DIR" }
	code, stderr := runBackupCmd(t, env, "-out", filepath.Join(t.TempDir(), "x.db"))
	if code != 1 || !strings.Contains(stderr, "there is no chatroom database in "+empty) {
		t.Fatalf("a data directory ($CHATROOM_DATA_DIR) with no database: exit %d, %q", code, stderr)
	}
	if code, _ := runBackupCmd(t, noEnv, "-h"); code != 0 {
		t.Fatalf("server backup -h: exit %d", code)
	}
}
