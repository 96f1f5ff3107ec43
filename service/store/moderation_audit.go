package store

// This file owns the audit table: the trail of moderation actions
// (AddAudit, Audit). Entries are kept for ever: retention does not touch
// them.

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"chatroom/service"
)

// AddAudit keeps e (its ID is ignored) and returns the ID given to it,
// higher than any given before. It is committed when AddAudit returns.
func (s *Store) AddAudit(ctx context.Context, e service.AuditEntry) (uint64, error) {
	if err := s.checkWrite(); err != nil {
		return 0, err
	}
	if e.Seq > math.MaxInt64 {
		return 0, fmt.Errorf("moderation: audit: seq %d is beyond what the store holds", e.Seq)
	}
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO audit (at_ms, action, room, actor, target, reason, duration_ms, seq, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		service.StoredMillis(e.At), e.Action, e.Room, e.Actor, e.Target, e.Reason, e.Duration.Milliseconds(), int64(e.Seq), e.Detail).Scan(&id)
	if err != nil {
		return 0, runError(err)
	}
	return uint64(id), nil
}

// Audit returns at most limit entries with an ID below before (0: the
// newest), of room only if room is not "", newest first, and whether
// there are older ones. A limit below 1 is an error.
func (s *Store) Audit(ctx context.Context, room string, before uint64, limit int) ([]service.AuditEntry, bool, error) {
	if err := s.checkOpen(); err != nil {
		return nil, false, err
	}
	if limit < 1 {
		return nil, false, fmt.Errorf("audit: limit %d: it must be at least 1", limit)
	}
	const cols = `SELECT id, at_ms, action, room, actor, target, reason, duration_ms, seq, detail FROM audit `
	var rows *sql.Rows
	var err error
	if room == "" {
		rows, err = s.r.QueryContext(ctx, cols+`WHERE id < ? ORDER BY id DESC LIMIT ?`, seqBound(before), limit+1)
	} else {
		rows, err = s.r.QueryContext(ctx, cols+`WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?`, room, seqBound(before), limit+1)
	}
	entries, err := scanAudit(rows, err)
	if err != nil {
		return nil, false, err
	}
	if len(entries) > limit {
		return entries[:limit], true, nil
	}
	return entries, false, nil
}

// scanAudit reads rows of the audit table's columns as entries.
func scanAudit(rows *sql.Rows, err error) ([]service.AuditEntry, error) {
	if err != nil {
		return nil, runError(err)
	}
	defer rows.Close()
	var out []service.AuditEntry
	for rows.Next() {
		var e service.AuditEntry
		var id, at, dur, seq int64
		if err := rows.Scan(&id, &at, &e.Action, &e.Room, &e.Actor, &e.Target, &e.Reason, &dur, &seq, &e.Detail); err != nil {
			return nil, runError(err)
		}
		e.ID, e.At, e.Duration, e.Seq = uint64(id), service.StoredTime(at), time.Duration(dur)*time.Millisecond, uint64(seq)
		out = append(out, e)
	}
	return out, runError(rows.Err())
}
