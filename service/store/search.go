package store

// This file owns search: the index (schema version 2, an FTS5 table of
// each talk's terms, see terms.go, keyed by its seq) and Search.

import (
	"context"
	"database/sql"
	"fmt"

	"chatroom/model"
	"chatroom/service"
)

// MaxQueryBytes is the longest search query: the hub's limit.
const MaxQueryBytes = service.MaxSearchQuery

// indexChunk is how many talks step 2 indexes per statement batch.
const indexChunk = 1000

// createSearch is version 2: the search index, contentless (it holds the
// terms, not the text; deletable, for retention), filled from the talks
// already stored.
func createSearch(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `CREATE VIRTUAL TABLE search USING fts5(
		conv, terms, content = '', contentless_delete = 1, tokenize = 'ascii')`); err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO search (rowid, conv, terms) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	lastConv, lastSeq := "", int64(-1)
	for {
		n, err := indexPage(ctx, tx, ins, &lastConv, &lastSeq)
		if err != nil || n < indexChunk {
			return err
		}
	}
}

// indexPage indexes the next indexChunk talks after (conv, seq) and moves
// them on; it says how many it indexed.
func indexPage(ctx context.Context, tx *sql.Tx, ins *sql.Stmt, conv *string, seq *int64) (int, error) {
	page, err := scanPending(tx.QueryContext(ctx, `SELECT conv, seq, content FROM messages
		WHERE (conv, seq) > (?, ?) ORDER BY conv, seq LIMIT ?`, *conv, *seq, indexChunk))
	if err != nil {
		return 0, err
	}
	for _, t := range page {
		if _, err := ins.ExecContext(ctx, t.seq, convToken(t.conv), terms(t.content)); err != nil {
			return 0, err
		}
		*conv, *seq = t.conv, t.seq
	}
	return len(page), nil
}

// Search returns the talks of conv whose text matches query (all its
// words, each as the start of a word; Chinese, Japanese and Korean by
// characters), with a seq below before (0: the newest), newest first, at
// most limit, and whether there are more. A deleted talk is never found
// (it is out of the index; the query checks it too). A query with nothing to look for
// (only punctuation) matches nothing. A query longer than MaxQueryBytes is
// an error.
func (s *Store) Search(ctx context.Context, conv, query string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	if err := s.checkRead(limit); err != nil {
		return nil, false, err
	}
	if len(query) > MaxQueryBytes {
		return nil, false, fmt.Errorf("search: the query is %d bytes; at most %d", len(query), MaxQueryBytes)
	}
	match := matchTerms(query)
	if match == "" {
		return nil, false, nil
	}
	if err := s.ix.wait(ctx); err != nil { // what was said a moment ago too
		return nil, false, err
	}
	match = `conv : "` + convToken(conv) + `" AND ` + match
	rows, err := s.r.QueryContext(ctx, `SELECT m.seq, m.ts, m.user, m."to", m.content, m.deleted_by
		FROM search JOIN messages m ON m.conv = ? AND m.seq = search.rowid
		WHERE search MATCH ? AND search.rowid < ? AND m.deleted_by IS NULL
		ORDER BY search.rowid DESC LIMIT ?`, conv, match, seqBound(before), limit+1)
	msgs, err := scanTalks(conv, rows, err)
	if err != nil {
		return nil, false, err
	}
	msgs, more := cut(msgs, limit)
	return msgs, more, nil
}
