package store

import (
	"context"
	"path/filepath"
	"testing"

	"chatroom/model"
	"chatroom/service"
)

// TestMigrationFromVersion2 builds a file of schema version 2 (talks and
// their search index, no moderation) and opens it with this code: step 3
// adds the moderation tables and deleted_by, the old talks read back as
// talks, are found, and can be deleted.
func TestMigrationFromVersion2(t *testing.T) {
	dir := t.TempDir()
	db := rawDB(t, filepath.Join(dir, FileName))
	ctx := context.Background()
	if err := migrateTo(ctx, db, 1); err != nil {
		t.Fatal(err)
	}
	for i, content := range []string{"an old hello", "another old hello", "旧的你好"} {
		if _, err := db.Exec(`INSERT INTO messages (conv, seq, ts, user, "to", content) VALUES ('lobby', ?, 7, 'ann', '', ?)`, i+1, content); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{`INSERT INTO convs (conv, count, floor) VALUES ('lobby', 3, 0)`, `UPDATE meta SET value = 3 WHERE key = 'last_seq'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrateTo(ctx, db, 2); err != nil { // indexes the talks, as step 2 did
		t.Fatal(err)
	}
	db.Close()

	s := openT(t, dir, Options{})
	var version int
	s.w.QueryRow(`PRAGMA user_version`).Scan(&version)
	if version != 3 || len(migrations()) != 3 {
		t.Fatalf("user_version %d after the migration, want 3", version)
	}
	msgs, _, err := s.Before(ctx, "lobby", 0, 10)
	if err != nil || len(msgs) != 3 || msgs[0].GetType() != model.TypeTalk || msgs[0].GetContent() != "an old hello" || msgs[0].GetBy() != "" {
		t.Fatalf("the old talks read back as %v, %v", msgs, err)
	}
	if got, _ := search(t, s, "lobby", "hello", 0, 10); len(got) != 2 {
		t.Fatalf("search for hello finds %v", got)
	}
	if rs := restrictions(t, s); len(rs) != 0 {
		t.Fatalf("a migrated file keeps restrictions %v", rs)
	}
	if ids, _ := auditIDs(t, s, "", 0, 10); len(ids) != 0 {
		t.Fatalf("a migrated file keeps audit entries %v", ids)
	}
	mustDelete(t, s, "lobby", 1, "mod", "ann")
	if got, _ := search(t, s, "lobby", "hello", 0, 10); len(got) != 1 || got[0] != 2 {
		t.Fatalf("after deleting an old talk, search finds %v", got)
	}
	if err := s.PutRestriction(ctx, service.Restriction{Room: "lobby", Name: "eve", By: "ann"}); err != nil {
		t.Fatal(err)
	}
	if created, err := s.CreateRoom(ctx, "lobby", ""); !created || err != nil {
		t.Fatalf("CreateRoom in a migrated file: %v, %v", created, err)
	}
}
