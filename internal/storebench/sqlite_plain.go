package main

// This file owns a control for the comparison: SQLite with the messages
// table of service/store (schema version 1: WITHOUT ROWID, keyed by
// conversation and seq) and none of its search index, opened the same way
// (WAL, synchronous=NORMAL, one writer, a pool of readers). Set beside
// service/store it shows what the search index costs; set beside bbolt,
// which has no index either, it compares the two as stores of rows.

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"chatroom/model"
)

const plainSchema = `
CREATE TABLE IF NOT EXISTS messages (
	conv TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
	user TEXT NOT NULL, "to" TEXT NOT NULL, content TEXT NOT NULL,
	PRIMARY KEY (conv, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('last_seq', 0);`

// plainSQLite is SQLite holding talks in the messages table only.
type plainSQLite struct {
	w, r         *sql.DB
	insert, last *sql.Stmt
	lastSeq      uint64
}

func openPlainSQLite(dir string) (*plainSQLite, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := "file:" + filepath.Join(dir, "plain.db") + "?_pragma=busy_timeout(5000)"
	w, err := sql.Open("sqlite", path+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	s := &plainSQLite{w: w}
	if err := s.prepare(); err != nil {
		w.Close()
		return nil, err
	}
	if s.r, err = sql.Open("sqlite", path+"&_pragma=query_only(1)"); err != nil {
		s.Close()
		return nil, err
	}
	s.r.SetMaxOpenConns(4)
	return s, nil
}

func (s *plainSQLite) prepare() error {
	if _, err := s.w.Exec(plainSchema); err != nil {
		return err
	}
	var last int64
	if err := s.w.QueryRow(`SELECT value FROM meta WHERE key = 'last_seq'`).Scan(&last); err != nil {
		return err
	}
	s.lastSeq = uint64(last)
	var err error
	if s.insert, err = s.w.Prepare(`INSERT INTO messages (conv, seq, ts, user, "to", content) VALUES (?, ?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	s.last, err = s.w.Prepare(`UPDATE meta SET value = ? WHERE key = 'last_seq'`)
	return err
}

// Append inserts the talks of evs and the highest seq in one transaction.
func (s *plainSQLite) Append(evs []*model.ChatRoomRequest) error {
	tx, err := s.w.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insert, last := tx.Stmt(s.insert), s.lastSeq
	for _, ev := range evs {
		last = max(last, ev.Seq)
		if ev.Type != model.TypeTalk || (ev.Room == "" && ev.To == "") {
			continue
		}
		if _, err := insert.Exec(model.ConversationOf(ev), int64(ev.Seq), ev.Timestamp, ev.UserName, ev.To, ev.Content); err != nil {
			return err
		}
	}
	if _, err := tx.Stmt(s.last).Exec(int64(last)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.lastSeq = last
	return nil
}

// Before is service/store's query on this table.
func (s *plainSQLite) Before(ctx context.Context, conv string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	bound := int64(math.MaxInt64)
	if before != 0 && before < math.MaxInt64 {
		bound = int64(before)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, ts, user, "to", content FROM messages
		WHERE conv = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, conv, bound, limit+1)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var msgs []*model.ChatRoomRequest
	for rows.Next() {
		m := &model.ChatRoomRequest{Type: model.TypeTalk}
		if err := rows.Scan(&m.Seq, &m.Timestamp, &m.UserName, &m.To, &m.Content); err != nil {
			return nil, false, fmt.Errorf("%s: %w", conv, err)
		}
		if m.To == "" {
			m.Room = conv
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(msgs) > limit
	msgs = msgs[:min(limit, len(msgs))]
	slices.Reverse(msgs)
	return msgs, more, nil
}

func (s *plainSQLite) LastSeq() uint64 { return s.lastSeq }

// Close checkpoints the WAL into the file, as service/store does.
func (s *plainSQLite) Close() error {
	if s.r != nil {
		s.r.Close()
	}
	_, err := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	if err2 := s.w.Close(); err == nil {
		err = err2
	}
	return err
}

func plainSQLiteCandidate() candidate {
	return candidate{name: "sqlite-plain", title: "SQLite, messages table only (no search index)", modes: []mode{
		{"SQLite without search index, NORMAL", func(dir string) (journal, error) { return openPlainSQLite(dir) }},
	}}
}
