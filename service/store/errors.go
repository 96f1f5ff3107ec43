package store

// This file owns putting SQLite's errors in words: at Open (the server
// prints them and exits) and while running (a sender is told "message not
// sent:" and the reason).

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"chatroom/service"
)

// Error is a store's failure while running, in words a user can read
// ("disk full", "database is read-only"). It is a service.ErrStoreFailed,
// and unwraps to SQLite's error for the log.
type Error struct {
	Reason string // what a user reads
	Err    error  // SQLite's error
}

func (e *Error) Error() string { return e.Reason }

// Unwrap gives service.ErrStoreFailed and SQLite's error.
func (e *Error) Unwrap() []error { return []error{service.ErrStoreFailed, e.Err} }

// Detail is the reason and SQLite's own words, for a log.
func (e *Error) Detail() string { return fmt.Sprintf("%s (%v)", e.Reason, e.Err) }

// sqliteCode is the primary result code of an SQLite error, 0 if err is
// not one.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// runError is err of a statement while running, in words.
func runError(err error) error {
	if err == nil {
		return nil
	}
	reason := "storage error"
	switch sqliteCode(err) {
	case sqlite3.SQLITE_FULL:
		reason = "disk full"
	case sqlite3.SQLITE_READONLY:
		reason = "database is read-only"
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		reason = "database file is damaged"
	case sqlite3.SQLITE_IOERR:
		reason = "disk input/output error"
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		reason = "database is busy"
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		reason = "database file cannot be opened"
	case sqlite3.SQLITE_CONSTRAINT:
		reason = "a message's seq is already stored"
	}
	return &Error{Reason: reason, Err: err}
}

// openError is err of a statement at Open, in words naming the file.
func (s *Store) openError(err error) error {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_NOTADB:
		return notOurs(s.path, "SQLite says: file is not a database")
	case sqlite3.SQLITE_CORRUPT:
		return notOurs(s.path, fmt.Sprintf("it is damaged: %v", err))
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%s is read-only: %w", s.path, err)
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("%s: the disk is full", s.path)
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		return fmt.Errorf("%s cannot be opened: %w", s.path, err)
	case sqlite3.SQLITE_BUSY:
		return fmt.Errorf("%s is locked by another process: %w", s.path, err)
	}
	return fmt.Errorf("%s: %w", s.path, err)
}
