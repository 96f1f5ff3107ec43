package store

// This file owns what moderation adds to the database: schema version 3
// (the restrictions, each room's settings, the audit trail, and a
// deleted_by column that makes a talk a tombstone), the checks that the
// Store is a service.ModerationStore and a service.Deleter, and the
// conversions the moderation files share. Restrictions are in
// moderation_restrictions.go, room settings in moderation_rooms.go, the
// audit trail in moderation_audit.go, deleting a talk in delete.go.
//
// Every write is one statement or one transaction on the writing
// connection, committed before the method returns (as Append's batches
// are); reads go through the read-only pool. Retention (Trim) only
// touches talks: restrictions, room settings and audit entries are kept
// until removed (the audit trail has no retention yet).

import (
	"context"
	"database/sql"

	"chatroom/service"
)

// A Store keeps moderation's state and deletes talks.
var (
	_ service.ModerationStore = (*Store)(nil)
	_ service.Deleter         = (*Store)(nil)
)

// createModeration is version 3. A restriction is keyed by (room, name,
// mute): a room ban and a mute of one name in one room are two rows.
// Times are Unix milliseconds, 0 for none; a room's moderators are a JSON
// array of names. A talk whose deleted_by is not NULL is a tombstone (its
// content is cleared and it is out of the search index).
func createModeration(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
CREATE TABLE restrictions (
	room     TEXT    NOT NULL, -- '' for a server-wide ban
	name     TEXT    NOT NULL,
	mute     INTEGER NOT NULL, -- 1: a mute, 0: a ban
	addr     TEXT    NOT NULL, -- a banned address too, '' if none
	until_ms INTEGER NOT NULL, -- when it ends, 0: never
	by       TEXT    NOT NULL,
	reason   TEXT    NOT NULL,
	at_ms    INTEGER NOT NULL,
	PRIMARY KEY (room, name, mute)
) WITHOUT ROWID;
CREATE TABLE rooms (
	room       TEXT    PRIMARY KEY,
	owner      TEXT    NOT NULL,
	moderators TEXT    NOT NULL, -- a JSON array of names, sorted
	topic      TEXT    NOT NULL,
	topic_by   TEXT    NOT NULL,
	slow_ms    INTEGER NOT NULL  -- 0: slow mode off
) WITHOUT ROWID;
CREATE TABLE audit (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	at_ms       INTEGER NOT NULL,
	action      TEXT    NOT NULL,
	room        TEXT    NOT NULL,
	actor       TEXT    NOT NULL,
	target      TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	duration_ms INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	detail      TEXT    NOT NULL
);
CREATE INDEX audit_room ON audit (room, id);
ALTER TABLE messages ADD COLUMN deleted_by TEXT; -- NULL: not deleted`)
	return err
}

// checkOpen refuses a use of a closed store.
func (s *Store) checkOpen() error {
	if s.closed.Load() {
		return &Error{Reason: "history store is closed", Err: errClosed}
	}
	return nil
}

// checkWrite refuses a write to a closed store, or once the database
// file is not the one opened (gone.go).
func (s *Store) checkWrite() error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return s.checkFile()
}
