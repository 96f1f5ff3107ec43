package store

// This file owns the checks a data directory and its database file pass
// before the store uses them: the directory can be written, the file is an
// SQLite database (its header), it is chatroom's (application_id), and its
// schema is one this version knows (user_version). Each failure is an
// error in words that the server prints before it exits.

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// applicationID marks a chatroom database in its header ("CHRT").
const applicationID = 0x43485254

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkDir creates dir if needed and makes sure files can be created in it
// (SQLite needs to, for the WAL): as root, permission bits do not stop a
// write, so it tries one.
func checkDir(dir string) error {
	if dir == "" {
		return errors.New("no data directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return dirError(dir, err)
	}
	f, err := os.CreateTemp(dir, ".chatroom-probe-*")
	if err != nil {
		return dirError(dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return dirError(dir, err)
	}
	return nil
}

// dirError says why dir cannot hold the database.
func dirError(dir string, err error) error {
	switch {
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("data directory %s is on a read-only file system", dir)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("data directory %s is not writable (permission denied)", dir)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("data directory %s: the disk is full", dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	return fmt.Errorf("data directory %s cannot be used: %w", dir, err)
}

// checkHeader refuses a file that is not an SQLite database before SQLite
// opens it (SQLite would call it only "file is not a database" on the
// first statement). A missing or empty file is a new database.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s cannot be read: %w", path, err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return notOurs(path, "it is a directory")
	}
	head := make([]byte, 100) // the database header
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0:
		return nil
	case err != nil:
		return notOurs(path, fmt.Sprintf("%d bytes: too short for an SQLite file", n))
	case !bytes.Equal(head[:16], []byte(sqliteMagic)):
		return notOurs(path, "it is not an SQLite file")
	}
	return nil
}

// notOurs is the error of a file that is not a chatroom database.
func notOurs(path, why string) error {
	return fmt.Errorf("%s is not a chatroom database (%s)", path, why)
}

// identity is what the header says of a file.
type identity struct {
	appID, version int64
	objects        int // tables, indexes, ... in its schema
}

// readIdentity reads the application_id, user_version and the number of
// schema objects: reading the schema also parses it, the cheap check that
// the file is not damaged where SQLite would notice first. A whole check
// (PRAGMA quick_check) is not run at Open: BenchmarkQuickCheck measures
// 1.6 µs a talk, some 16 s for 10 million. Damage elsewhere shows when a
// page is read, as an *Error "database file is damaged".
func readIdentity(db *sql.DB) (identity, error) {
	var id identity
	if err := db.QueryRow(`PRAGMA application_id`).Scan(&id.appID); err != nil {
		return id, err
	}
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&id.version); err != nil {
		return id, err
	}
	err := db.QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&id.objects)
	return id, err
}

// checkIdentity refuses a database of another application and one from a
// newer chatroom.
func checkIdentity(path string, id identity) error {
	switch {
	case id.appID != 0 && id.appID != applicationID:
		return notOurs(path, fmt.Sprintf("an SQLite database of another application: application_id %#x", id.appID))
	case id.appID == 0 && id.objects > 0:
		return notOurs(path, "an SQLite database of another application: it has tables but no chatroom application_id")
	case id.version > int64(len(migrations())):
		return fmt.Errorf("%s was written by a newer chatroom (schema %d; this one knows up to %d)", path, id.version, len(migrations()))
	}
	return nil
}
