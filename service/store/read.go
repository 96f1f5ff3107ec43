package store

// This file owns reading history back: Before (scroll back) and After
// (catch up), from the pool of read-only connections.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"

	"chatroom/model"
)

// checkRead refuses a read of a closed store or with a limit below 1.
func (s *Store) checkRead(limit int) error {
	if s.closed.Load() {
		return &Error{Reason: "history store is closed", Err: errClosed}
	}
	if limit < 1 {
		return fmt.Errorf("history: limit %d: it must be at least 1", limit)
	}
	return nil
}

// seqBound is a seq bound as SQLite holds it: 0 (no bound) and anything
// beyond int64 mean above every seq.
func seqBound(seq uint64) int64 {
	if seq == 0 || seq > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(seq)
}

// Before returns the last (at most limit) talks of conv with a seq below
// before (0: the newest), oldest first, and whether older talks are kept.
// A deleted talk is its tombstone.
func (s *Store) Before(ctx context.Context, conv string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	if err := s.checkRead(limit); err != nil {
		return nil, false, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, ts, user, "to", content, deleted_by FROM messages
		WHERE conv = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, conv, seqBound(before), limit+1)
	msgs, err := scanTalks(conv, rows, err)
	if err != nil {
		return nil, false, err
	}
	msgs, more := cut(msgs, limit)
	slices.Reverse(msgs)
	return msgs, more, nil
}

// cut returns the first limit of msgs, read with a limit of one more, and
// whether there were more.
func cut(msgs []*model.ChatRoomRequest, limit int) ([]*model.ChatRoomRequest, bool) {
	if len(msgs) <= limit {
		return msgs, false
	}
	return msgs[:limit], true
}

// After returns the first (at most limit) talks of conv with
// after < seq <= upto (upto 0: no bound), oldest first, and whether every
// talk of conv after `after` is still kept: false when retention removed
// one (the conversation's floor, the highest seq it removed, is above
// after). A deleted talk is its tombstone.
func (s *Store) After(ctx context.Context, conv string, after, upto uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	if err := s.checkRead(limit); err != nil {
		return nil, false, err
	}
	if after > math.MaxInt64 {
		return nil, true, nil
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // the floor and the talks of one snapshot
	if err != nil {
		return nil, false, runError(err)
	}
	defer tx.Rollback()
	var floor int64
	err = tx.QueryRowContext(ctx, `SELECT floor FROM convs WHERE conv = ?`, conv).Scan(&floor)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, runError(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, ts, user, "to", content, deleted_by FROM messages
		WHERE conv = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, conv, int64(after), seqBound(upto), limit)
	msgs, err := scanTalks(conv, rows, err)
	if err != nil {
		return nil, false, err
	}
	return msgs, uint64(floor) <= after, nil
}

// scanTalks reads rows of (seq, ts, user, to, content, deleted_by) of
// conv as talks, as they were delivered live: a room's with its room, a
// direct message's with its to; a deleted talk as its tombstone
// (delete.go).
func scanTalks(conv string, rows *sql.Rows, err error) ([]*model.ChatRoomRequest, error) {
	if err != nil {
		return nil, runError(err)
	}
	defer rows.Close()
	var msgs []*model.ChatRoomRequest
	for rows.Next() {
		var seq, ts int64
		var by sql.NullString
		m := &model.ChatRoomRequest{Type: model.TypeTalk}
		if err := rows.Scan(&seq, &ts, &m.UserName, &m.To, &m.Content, &by); err != nil {
			return nil, runError(err)
		}
		if by.Valid {
			msgs = append(msgs, tombstone(conv, seq, ts, m.UserName, m.To, by.String))
			continue
		}
		m.Seq, m.Timestamp = uint64(seq), ts
		if m.To == "" {
			m.Room = conv
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, runError(err)
	}
	return msgs, nil
}
