package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawDB opens path with the driver alone, closed at the test's end.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// wantOpenError opens dir and wants an error containing each of parts.
func wantOpenError(t *testing.T, dir string, parts ...string) {
	t.Helper()
	s, err := Open(dir, Options{})
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s): no error, want one saying %q", dir, parts)
	}
	t.Logf("Open(%s): %v", dir, err)
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("Open(%s) = %q, want it to say %q", dir, err, p)
		}
	}
}

func TestOpenCreatesTheDirectoryAndMarksTheFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b", "c?d#e%20f") // characters a URI would read otherwise
	s := openT(t, dir, Options{})
	var appID, version int64
	var mode string
	s.w.QueryRow(`PRAGMA application_id`).Scan(&appID)
	s.w.QueryRow(`PRAGMA user_version`).Scan(&version)
	s.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if appID != applicationID || version != int64(len(migrations())) || mode != "wal" {
		t.Fatalf("application_id %#x, user_version %d, journal_mode %s; want %#x, %d, wal", appID, version, mode, applicationID, len(migrations()))
	}
	if s.Path() != filepath.Join(dir, FileName) {
		t.Fatalf("Path = %s", s.Path())
	}
	if entries, _ := os.ReadDir(dir); len(entries) == 0 || entries[0].Name() != FileName {
		t.Fatalf("%s holds %v, want %s first", dir, entries, FileName)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Fatalf("%s holds %v, want only the data directory", filepath.Dir(dir), entries)
	}
}

func TestOpenAcceptsAnEmptyFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := openT(t, dir, Options{})
	mustAppend(t, s, talk("lobby", 1, "ann", "hi"))
}

func TestOpenRefusesAFileThatIsNotAChatroomDatabase(t *testing.T) {
	for name, content := range map[string]string{
		"text":  "this is a text file, not a database, and it is long enough to fill a whole SQLite header of one hundred bytes\n",
		"short": "SQLite",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o644)
			wantOpenError(t, dir, filepath.Join(dir, FileName)+" is not a chatroom database (")
		})
	}
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, FileName), 0o755)
		wantOpenError(t, dir, "is not a chatroom database (it is a directory)")
	})
}

func TestOpenRefusesADamagedFile(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	mustAppend(t, s, roomTalks("lobby", 1, 100)...)
	s.Close()
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 8192 {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
	for i := 100; i < len(b); i++ { // everything after the header: the schema's page and the rest
		b[i] = byte(i * 7)
	}
	os.WriteFile(path, b, 0o644)
	wantOpenError(t, dir, path+" is not a chatroom database (")
}

func TestOpenRefusesAnotherApplicationsDatabase(t *testing.T) {
	for name, setup := range map[string]string{
		"no application_id":      `CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)`,
		"another application_id": `PRAGMA application_id = 1234`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db := rawDB(t, filepath.Join(dir, FileName))
			if _, err := db.Exec(setup); err != nil {
				t.Fatal(err)
			}
			db.Close()
			wantOpenError(t, dir, "is not a chatroom database (an SQLite database of another application")
		})
	}
}

func TestOpenRefusesADatabaseOfANewerChatroom(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir, Options{}).Close()
	db := rawDB(t, filepath.Join(dir, FileName))
	if _, err := db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	wantOpenError(t, dir, fmt.Sprintf("was written by a newer chatroom (schema 99; this one knows up to %d)", len(migrations())))
}

func TestOpenRefusesADataDirectoryThatIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	wantOpenError(t, filepath.Join(file, "data"), "data directory", "not a directory")
}

func TestOpenRefusesADataDirectoryInUse(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	wantOpenError(t, dir, "data directory "+dir+" is in use by another chatroom server")
	s.Close()
	openT(t, dir, Options{}) // Close let it go
}

// TestMigrationFromVersion1 builds a file of schema version 1 (the
// messages table, no search index) with talks in it, and opens it with
// this code: step 2 builds the index from the talks already there.
func TestMigrationFromVersion1(t *testing.T) {
	dir := t.TempDir()
	db := rawDB(t, filepath.Join(dir, FileName))
	ctx := context.Background()
	if err := migrateTo(ctx, db, 1); err != nil {
		t.Fatal(err)
	}
	for i, content := range []string{"an old hello", "旧的你好", "unrelated"} {
		if _, err := db.Exec(`INSERT INTO messages (conv, seq, ts, user, "to", content) VALUES ('lobby', ?, 0, 'ann', '', ?)`, i+1, content); err != nil {
			t.Fatal(err)
		}
	}
	tx, _ := db.Begin()
	for i := 0; i < 2*indexChunk+5; i++ { // more than one page of the step's indexing
		tx.Exec(`INSERT INTO messages (conv, seq, ts, user, "to", content) VALUES ('big', ?, 0, 'ann', '', 'filler words')`, 100+i)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Exec(`UPDATE meta SET value = ? WHERE key = 'last_seq'`, 100+2*indexChunk+4)
	var version int
	db.QueryRow(`PRAGMA user_version`).Scan(&version)
	if version != 1 {
		t.Fatalf("the old file is at version %d, want 1", version)
	}
	db.Close()

	s := openT(t, dir, Options{})
	if got, _ := search(t, s, "lobby", "hello", 0, 10); len(got) != 1 || got[0] != 1 {
		t.Fatalf("search for hello in the migrated file = %v, want [1]", got)
	}
	if got, _ := search(t, s, "lobby", "你好", 0, 10); len(got) != 1 || got[0] != 2 {
		t.Fatalf("search for 你好 in the migrated file = %v, want [2]", got)
	}
	if got, more := search(t, s, "big", "filler", 0, 200); len(got) != 200 || !more {
		t.Fatalf("search in the big room: %d found, more %v", len(got), more)
	}
	if s.LastSeq() != uint64(100+2*indexChunk+4) {
		t.Fatalf("LastSeq = %d", s.LastSeq())
	}
	mustAppend(t, s, talk("lobby", 5000, "bob", "a new hello"))
	if got, _ := search(t, s, "lobby", "hello", 0, 10); len(got) != 2 {
		t.Fatalf("after a new talk, hello finds %v", got)
	}
}

func TestOptionsSyncSetsSynchronous(t *testing.T) {
	for sync, want := range map[Sync]int{SyncNormal: 1, SyncFull: 2} {
		s := openT(t, "", Options{Sync: sync})
		var got, timeout int
		s.w.QueryRow(`PRAGMA synchronous`).Scan(&got)
		s.w.QueryRow(`PRAGMA busy_timeout`).Scan(&timeout)
		if got != want || timeout != int(busyTimeout.Milliseconds()) {
			t.Errorf("Sync %d: synchronous = %d, busy_timeout = %d; want %d, %d", sync, got, timeout, want, busyTimeout.Milliseconds())
		}
	}
}
