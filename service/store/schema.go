package store

// This file owns the schema and its migrations: an ordered list of steps,
// each applied in one transaction that also sets user_version to its
// number, so a file is always at one version of the list and a newer
// chatroom brings an older file up to date when it opens it.

import (
	"context"
	"database/sql"
	"fmt"
)

// A migration is one step of the schema.
type migration struct {
	what  string
	apply func(ctx context.Context, tx *sql.Tx) error
}

// migrations is the schema's history: version N is the file after the
// first N steps. Steps are only ever added at the end.
func migrations() []migration {
	return []migration{
		{"the messages table", createMessages},
		{"the search index", createSearch},
		{"moderation: restrictions, room settings, the audit trail, deleted talks", createModeration},
	}
}

// createMessages is version 1: the talks, keyed by conversation and seq,
// the last seq given, and per conversation how many talks it keeps and the
// highest seq retention removed (its floor).
//
// messages is WITHOUT ROWID: its primary key (conv, seq) is the table's
// b-tree, so a page of one conversation is one range of it, and conv is
// stored once per row instead of twice (a rowid table and an index on
// (conv, seq)). BenchmarkSchema, 300,000 talks in 10 rooms on this
// project's 2-core machine: appends of 100 talks 1.34 ms against 1.18 ms
// (13% slower: inserts land inside the b-tree, not at its end), but 57
// bytes a talk against 76, and a Before(100) 115 µs against 349 µs.
func createMessages(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
CREATE TABLE messages (
	conv    TEXT    NOT NULL, -- a room's name, or model.DirectConversation
	seq     INTEGER NOT NULL,
	ts      INTEGER NOT NULL, -- Unix milliseconds
	user    TEXT    NOT NULL,
	"to"    TEXT    NOT NULL, -- a direct message's addressee, '' in a room
	content TEXT    NOT NULL,
	PRIMARY KEY (conv, seq)
) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('last_seq', 0);
CREATE TABLE convs (
	conv  TEXT    PRIMARY KEY,
	count INTEGER NOT NULL, -- talks kept
	floor INTEGER NOT NULL  -- the highest seq removed by retention, 0: none
) WITHOUT ROWID;
PRAGMA application_id = `+fmt.Sprint(applicationID))
	return err
}

// checkAndMigrate refuses a file that is not ours or is too new, then
// applies the steps it lacks.
func (s *Store) checkAndMigrate() error {
	id, err := readIdentity(s.w)
	if err != nil {
		return s.openError(err)
	}
	if err := checkIdentity(s.path, id); err != nil {
		return err
	}
	if err := migrateTo(context.Background(), s.w, len(migrations())); err != nil {
		return s.openError(err)
	}
	return nil
}

// migrateTo applies the steps from db's version up to version to, each in
// its own transaction. Each transaction reads the version again, so two
// processes opening one file at once apply each step once.
func migrateTo(ctx context.Context, db *sql.DB, to int) error {
	steps := migrations()
	for {
		done, err := migrateStep(ctx, db, steps, to)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next step if db is below version to, and says
// whether it was already there.
func migrateStep(ctx context.Context, db *sql.DB, steps []migration, to int) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return false, err
	}
	if v >= to {
		return true, nil
	}
	if err := steps[v].apply(ctx, tx); err != nil {
		return false, fmt.Errorf("schema step %d (%s): %w", v+1, steps[v].what, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
		return false, err
	}
	return false, tx.Commit()
}
