// Package store keeps the chat's history on disk: an SQLite database,
// DIR/chatroom.db, that is the service.Journal a memory broker writes every
// event through before it delivers it, and the service.History the hub reads
// scroll back, catch up and search from. It goes through modernc.org/sqlite
// (pure Go, no cgo).
//
// One connection writes (the broker's writer goroutine, the search
// indexer, retention, moderation's writes and Delete, and migrations take
// turns on it); a small pool of read-only connections serves Before,
// After, Search and moderation's reads. The database is in WAL mode, so readers
// never wait for the writer, nor the writer for readers.
//
// This file owns the Store's life: its options, Open and Close. The schema
// and its migrations are in schema.go, the checks a file passes before it
// is used in identity.go, the errors put in words in errors.go; Append in
// append.go, Before and After in read.go, Search in search.go with what it
// indexes in terms.go; retention (Trim, and the loop Open starts when
// Options ask for one) in retention.go and removeoldest.go; Backup in
// backup.go. Moderation's state (the service.ModerationStore) is in
// moderation*.go, deleting a talk (the service.Deleter) in delete.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"chatroom/service"
)

// A Store is the Journal (and so the History) of a memory broker.
var _ service.Journal = (*Store)(nil)

// FileName is the database's name inside the data directory.
const FileName = "chatroom.db"

// Sync is how hard a commit waits for the disk.
type Sync int

const (
	// SyncNormal (the default): in WAL mode a commit is safe against the
	// process being killed (kill -9, a crash, an OOM kill): it is in the
	// WAL file, in the operating system's cache, before Append returns. A
	// power loss or kernel crash may lose the last commits (never corrupt
	// the file): the WAL is synced at checkpoints, not at every commit.
	SyncNormal Sync = iota
	// SyncFull syncs the WAL at every commit, so a commit also survives a
	// power loss, at the price of an fsync per batch.
	SyncFull
)

// Options tune a Store. The zero value is a store with no retention and
// synchronous=NORMAL.
type Options struct {
	// Sync: SyncNormal (default) or SyncFull.
	Sync Sync
	// Keep is how many talks each room or conversation keeps (the newest);
	// 0 keeps them all.
	Keep int
	// MaxAge drops talks older than this; 0 keeps them forever.
	MaxAge time.Duration
	// TrimEvery is how often the retention loop Open starts runs Trim with
	// Keep and MaxAge. 0, or Keep and MaxAge both 0: no loop (a caller may
	// still call Trim itself).
	TrimEvery time.Duration
	// OnTrim, if set, is told what each run of the retention loop did (for
	// the server's log). It is called from the loop's goroutine.
	OnTrim func(deleted int, err error)
	// Readers is the size of the pool of read connections; 0 means 4.
	Readers int
}

// busyTimeout is how long a statement waits for a lock another connection
// holds (a backup or the other side of a checkpoint) before it fails.
const busyTimeout = 5 * time.Second

// A Store is the history on disk. Its methods are safe to call from many
// goroutines, but Append expects one caller at a time (the broker's writer).
type Store struct {
	dir, path string
	w         *sql.DB // the one writing connection
	r         *sql.DB // read-only connections
	stmts     writeStmts
	lastSeq   atomic.Uint64 // the highest seq given
	recorded  uint64        // the last seq in the file: Append's, then Close's (Close comes after the last Append: the broker's writer has stopped)
	closed    atomic.Bool
	closeOnce sync.Once
	stopTrim  context.CancelFunc
	trimDone  sync.WaitGroup
	file      os.FileInfo // the database file opened (gone.go)
	locks     []*os.File  // hold the data directory's locks (lock.go, lock_unix.go)
	ix        *indexer    // the search index's queue (indexer.go)
}

// Open opens (creating if needed) DIR/chatroom.db, checks it is a chatroom
// database this version can read, brings its schema up to date, and starts
// the retention loop if opts ask for one. Its errors say in words what is
// wrong (a directory that cannot be written, a file that is not a chatroom
// database, one written by a newer chatroom), for the server to print
// before it exits.
func Open(dir string, opts Options) (*Store, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	locks, err := lockData(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, path: filepath.Join(dir, FileName), locks: locks}
	if err := s.open(opts); err != nil {
		s.unlock()
		return nil, err
	}
	s.startRetention(opts)
	return s, nil
}

// open checks and opens the database, the writer and the readers.
func (s *Store) open(opts Options) error {
	if err := checkHeader(s.path); err != nil {
		return err
	}
	if err := s.openWriter(opts.Sync); err != nil {
		return err
	}
	if err := s.prepare(); err != nil {
		s.closeDBs()
		return err
	}
	if err := s.remember(); err != nil {
		s.closeDBs()
		return err
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = 4
	}
	r, err := sql.Open("sqlite", dsn(s.path, "_pragma=query_only(1)"))
	if err != nil {
		s.closeDBs()
		return fmt.Errorf("%s: %w", s.path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	s.r = r
	indexed, err := indexedSeq(s.w, s.lastSeq.Load())
	if err == nil {
		err = s.reindexTail(indexed)
	}
	if err != nil {
		s.closeDBs()
		return s.openError(err)
	}
	return nil
}

// unlock lets another Store use the data directory.
func (s *Store) unlock() {
	closeAll(s.locks)
}

// openWriter opens the writing connection, checks the file is ours and
// migrates it, and reads the last seq.
func (s *Store) openWriter(sync Sync) error {
	syncPragma := "_pragma=synchronous(NORMAL)"
	if sync == SyncFull {
		syncPragma = "_pragma=synchronous(FULL)"
	}
	w, err := sql.Open("sqlite", dsn(s.path, "_pragma=journal_mode(WAL)", syncPragma, "_txlock=immediate"))
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.w = w
	if err := s.checkAndMigrate(); err != nil {
		w.Close()
		return err
	}
	var last int64
	if err := w.QueryRow(`SELECT value FROM meta WHERE key = 'last_seq'`).Scan(&last); err != nil {
		w.Close()
		return s.openError(err)
	}
	s.lastSeq.Store(uint64(last))
	s.recorded = uint64(last)
	return nil
}

// dsn is the driver's name for the database at path with the busy timeout
// and params: a file: URI, so that any character of a directory's name
// (even "?" or "#") is the file's and not a parameter.
func dsn(path string, params ...string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	q := fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	for _, p := range params {
		q += "&" + p
	}
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(abs), RawQuery: q}
	return u.String()
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// LastSeq is the highest seq given to Append (of a talk, a join or a
// leave), or recorded by the process before; 0 for a new store.
func (s *Store) LastSeq() uint64 { return s.lastSeq.Load() }

// errClosed is what a Store's methods return after Close.
var errClosed = errors.New("the history store is closed")

// Close stops the retention loop, checkpoints the WAL into the database
// file (so the file alone is the whole database) and closes it. Calls
// after the first do nothing.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if s.stopTrim != nil {
			s.stopTrim()
			s.trimDone.Wait()
		}
		s.stopIndexer() // what is queued is indexed first
		if s.r != nil {
			s.r.Close() // readers first: a checkpoint cannot pass a reader's snapshot
		}
		lerr := s.recordLast()
		_, cerr := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		err = errors.Join(lerr, cerr, s.closeDBs())
		s.unlock()
	})
	return err
}

// closeDBs closes the statements and connections.
func (s *Store) closeDBs() error {
	errs := s.stmts.close()
	if s.r != nil {
		errs = errors.Join(errs, s.r.Close())
	}
	return errors.Join(errs, s.w.Close())
}
