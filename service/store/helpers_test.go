package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"chatroom/model"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(appendChild())
	}
	if os.Getenv(banChildEnv) != "" {
		os.Exit(banChild())
	}
	goleak.VerifyTestMain(m)
}

// openT opens a store in dir (a new temporary one if ""), closed at the
// test's end.
func openT(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// talk is a room's talk.
func talk(room string, seq uint64, user, content string) *model.ChatRoomRequest {
	return &model.ChatRoomRequest{Type: model.TypeTalk, Room: room, Seq: seq, UserName: user, Content: content, Timestamp: int64(1_700_000_000_000 + seq)}
}

// dm is a direct message from user to to.
func dm(seq uint64, user, to, content string) *model.ChatRoomRequest {
	return &model.ChatRoomRequest{Type: model.TypeTalk, To: to, Seq: seq, UserName: user, Content: content, Timestamp: int64(1_700_000_000_000 + seq)}
}

// join is a room's join event.
func join(room string, seq uint64, user string) *model.ChatRoomRequest {
	return &model.ChatRoomRequest{Type: model.TypeJoin, Room: room, Seq: seq, UserName: user}
}

// mustAppend appends evs or fails.
func mustAppend(t testing.TB, s *Store, evs ...*model.ChatRoomRequest) {
	t.Helper()
	if err := s.Append(evs); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

// seqs lists msgs' seqs.
func seqs(msgs []*model.ChatRoomRequest) []uint64 {
	out := make([]uint64, len(msgs))
	for i, m := range msgs {
		out[i] = m.GetSeq()
	}
	return out
}

// before calls s.Before or fails.
func before(t testing.TB, s *Store, conv string, bef uint64, limit int) ([]uint64, bool) {
	t.Helper()
	msgs, more, err := s.Before(context.Background(), conv, bef, limit)
	if err != nil {
		t.Fatalf("Before(%q, %d, %d): %v", conv, bef, limit, err)
	}
	return seqs(msgs), more
}

// roomTalks are n talks of room with seqs from..from+n-1.
func roomTalks(room string, from uint64, n int) []*model.ChatRoomRequest {
	evs := make([]*model.ChatRoomRequest, n)
	for i := range evs {
		seq := from + uint64(i)
		evs[i] = talk(room, seq, "ann", fmt.Sprintf("message %d", seq))
	}
	return evs
}

// rawDBB opens path with the driver alone in WAL mode (as a Store does)
// and runs create.
func rawDBB(b *testing.B, path, create string) *sql.DB {
	b.Helper()
	db, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)"))
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(create); err != nil {
		b.Fatal(err)
	}
	return db
}
