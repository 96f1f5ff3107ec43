package store

// This file owns one transaction of retention: removing the oldest talks
// of one conversation, at most trimChunk of them, from the table and the
// search index, and raising its floor.

import (
	"context"
	"database/sql"
)

// removeOldest removes the oldest talks of conv that are beyond keep or older
// than cutoff, at most trimChunk, in one transaction, and says how many.
func (s *Store) removeOldest(ctx context.Context, conv string, keep int, cutoff int64) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, runError(err)
	}
	defer tx.Rollback()
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT count FROM convs WHERE conv = ?`, conv).Scan(&count); err != nil {
		return 0, runError(err)
	}
	excess := 0
	if keep > 0 && count > keep {
		excess = count - keep
	}
	doomed, err := oldestDoomed(ctx, tx, conv, excess, cutoff)
	if err != nil || len(doomed) == 0 {
		return 0, runError(err)
	}
	last := doomed[len(doomed)-1]
	if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE conv = ? AND seq <= ?`, conv, last); err != nil {
		return 0, runError(err)
	}
	unindex, err := tx.PrepareContext(ctx, `DELETE FROM search WHERE rowid = ?`)
	if err != nil {
		return 0, runError(err)
	}
	defer unindex.Close()
	for _, seq := range doomed {
		if _, err := unindex.ExecContext(ctx, seq); err != nil {
			return 0, runError(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE convs SET count = count - ?, floor = max(floor, ?) WHERE conv = ?`,
		len(doomed), last, conv); err != nil {
		return 0, runError(err)
	}
	return len(doomed), runError(tx.Commit())
}

// oldestDoomed lists the seqs of conv's oldest talks, at most trimChunk,
// that go: the first excess of them, and then those older than cutoff, up
// to the first that is not.
func oldestDoomed(ctx context.Context, tx *sql.Tx, conv string, excess int, cutoff int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, ts FROM messages WHERE conv = ? ORDER BY seq LIMIT ?`, conv, trimChunk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var doomed []int64
	for rows.Next() {
		var seq, ts int64
		if err := rows.Scan(&seq, &ts); err != nil {
			return nil, err
		}
		if len(doomed) >= excess && (cutoff == 0 || ts >= cutoff) {
			break
		}
		doomed = append(doomed, seq)
	}
	return doomed, rows.Err()
}
