package chatserver

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
	"chatroom/service/store"
)

// TestBackupOfARunningServer backs up the data directory of a server while
// a client talks, restores the copy as another data directory as
// docs/operations.md says, and starts a server on it: its history is what
// was said up to some point, in order, with nothing missing before it, and
// seqs go on above the copy's.
func TestBackupOfARunningServer(t *testing.T) {
	dir := t.TempDir()
	srv := start(t, "-data-dir", dir, "-msg-rate", "0", "-msg-rate-per-ip", "0", "-userlist-burst", "100")
	ann := dialRooms(t, srv.addr, "ann")
	var said []string
	for i := range 20 {
		said = append(said, fmt.Sprint("ann ", i))
		ann.say("", said[i])
		ann.untilTalk(said[i])
	}
	bob := dialRooms(t, srv.addr, "bob")
	go func() { // bob's reader, so that his queue never fills
		for {
			if _, _, err := bob.ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	done := make(chan error, 1)
	var bobs []string
	for i := range 300 {
		bobs = append(bobs, fmt.Sprint("bob ", i))
	}
	go func() {
		for _, s := range bobs {
			msg := model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: s})
			if err := bob.ws.WriteMessage(websocket.BinaryMessage, msg); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	out := filepath.Join(t.TempDir(), "backup.db")
	code, stderr := runBackupCmd(t, noEnv, "-data-dir", dir, "-out", out)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("server backup while the server runs: exit %d: %s", code, stderr)
	}
	ann.untilTalk(bobs[len(bobs)-1])
	srv.stop(t)

	restored := t.TempDir()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(restored, store.FileName), b, 0o644)
	srv = start(t, "-data-dir", restored, "-userlist-burst", "100")
	carl := dialSince(t, srv.addr, "carl", 0)
	var all []*model.ChatRoomRequest
	for before, pages := uint64(0), 0; ; pages++ {
		if pages > 10 {
			t.Fatal("scroll back does not reach the beginning")
		}
		p := carl.page(before, 200)
		all = append(slices.Clone(p.Messages), all...)
		if !p.More {
			break
		}
		before = p.Messages[0].Seq
	}
	got := contents(all)
	if len(got) < len(said) || !slices.Equal(got, append(slices.Clone(said), bobs[:len(got)-len(said)]...)) {
		t.Fatalf("the restored history is %v, want ann's 20 talks and then bob's first ones, in order", got)
	}
	t.Logf("the backup holds %d of bob's %d talks", len(got)-len(said), len(bobs))
	carl.say("", "after the restore")
	if m, _ := carl.untilTalk("after the restore"); m.Seq <= all[len(all)-1].Seq {
		t.Fatalf("a talk after the restore has seq %d, not above the copy's last talk %d", m.Seq, all[len(all)-1].Seq)
	}
}
