package store

// This file owns backups: a consistent copy of the database in one file,
// made with SQLite's VACUUM INTO while the server goes on writing (the copy
// is one read transaction's snapshot). Restoring is copying it back as
// DIR/chatroom.db while the server is stopped.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a copy of the store to path, a new file: it refuses one
// that exists.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.closed.Load() {
		return errClosed
	}
	return vacuumInto(ctx, s.path, path)
}

// BackupDir writes a copy of the database in the data directory dir to
// path, a new file, whether or not a server is using it: the
// `server backup` subcommand.
func BackupDir(ctx context.Context, dir, path string) error {
	src := filepath.Join(dir, FileName)
	info, err := os.Stat(src)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("there is no chatroom database in %s (no %s)", dir, FileName)
	case err != nil:
		return fmt.Errorf("%s cannot be read: %w", src, err)
	case info.Size() == 0:
		return fmt.Errorf("%s is empty: there is nothing to back up", src)
	}
	if err := checkHeader(src); err != nil {
		return err
	}
	return vacuumInto(ctx, src, path)
}

// vacuumInto copies the database at src to the new file dst and syncs it;
// if it fails, it removes what it wrote of dst.
func vacuumInto(ctx context.Context, src, dst string) error {
	// The copy's file is made here, so that it is new (and so is this
	// backup's to remove if it fails); VACUUM INTO fills an empty file.
	f, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists: a backup is written to a new file", dst)
	}
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	defer f.Close()
	if err := copyInto(ctx, src, dst); err != nil {
		os.Remove(dst)
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	return nil
}

// copyInto checks src is a chatroom database and VACUUMs it INTO dst.
func copyInto(ctx context.Context, src, dst string) error {
	db, err := sql.Open("sqlite", dsn(src))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	id, err := readIdentity(db)
	if err != nil {
		return (&Store{path: src}).openError(err)
	}
	if id.appID != applicationID {
		return notOurs(src, fmt.Sprintf("its application_id is %#x, not chatroom's", id.appID))
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("backup to %s: %w", dst, runError(err))
	}
	return nil
}
