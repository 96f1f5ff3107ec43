package store

// This file owns deleting a talk (Delete, the service.Deleter) and what a
// deleted talk reads back as: a tombstone. The row stays, so seqs, counts
// and retention are as before, with its content cleared and deleted_by
// set; it leaves the search index. A talk still in the indexer's queue
// when it is deleted is never indexed: the indexer's insert (append.go's
// index statement) only indexes a talk whose row is not deleted, and it
// runs on the one writing connection, so it comes wholly before a
// Delete's transaction (which then removes it from the index) or wholly
// after (and skips it).

import (
	"context"
	"database/sql"
	"errors"
	"math"

	"chatroom/model"
	"chatroom/service"
)

// Delete makes talk seq of conv a tombstone deleted by by, out of the
// search index, committed when it returns, and returns who had said it.
// It is service.ErrNoSuchTalk if conv keeps no such talk (never did,
// retention removed it, or it is deleted already).
func (s *Store) Delete(ctx context.Context, conv string, seq uint64, by string) (string, error) {
	if err := s.checkWrite(); err != nil {
		return "", err
	}
	if by == "" {
		return "", errors.New("delete: who deletes the message is not given")
	}
	if seq == 0 || seq > math.MaxInt64 {
		return "", service.ErrNoSuchTalk
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return "", runError(err)
	}
	defer tx.Rollback()
	var author string
	err = tx.QueryRowContext(ctx, `UPDATE messages SET content = '', deleted_by = ?
		WHERE conv = ? AND seq = ? AND deleted_by IS NULL RETURNING user`, by, conv, int64(seq)).Scan(&author)
	if errors.Is(err, sql.ErrNoRows) {
		return "", service.ErrNoSuchTalk
	}
	if err != nil {
		return "", runError(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search WHERE rowid = ?`, int64(seq)); err != nil {
		return "", runError(err)
	}
	if err := tx.Commit(); err != nil {
		return "", runError(err)
	}
	return author, nil
}

// tombstone is what a deleted talk of conv reads back as
// (model.Tombstone): of a room, or of a direct message to to.
func tombstone(conv string, seq, ts int64, user, to, by string) *model.ChatRoomRequest {
	room := conv
	if to != "" {
		room = ""
	}
	return model.Tombstone(uint64(seq), ts, user, room, to, by)
}
