package store

// This file owns the write path: Append, the one transaction a batch of
// events is stored in (group commit), with the statements it prepares once.

import (
	"database/sql"
	"errors"
	"fmt"
	"math"

	"chatroom/model"
)

// writeStmts are the writer's prepared statements.
type writeStmts struct {
	insert, index, count, last, indexed *sql.Stmt
}

func (w *writeStmts) close() error {
	var errs error
	for _, st := range []*sql.Stmt{w.insert, w.index, w.count, w.last, w.indexed} {
		if st != nil {
			errs = errors.Join(errs, st.Close())
		}
	}
	return errs
}

// prepare prepares the writer's statements.
func (s *Store) prepare() error {
	queries := []struct {
		st **sql.Stmt
		q  string
	}{
		{&s.stmts.insert, `INSERT INTO messages (conv, seq, ts, user, "to", content) VALUES (?, ?, ?, ?, ?, ?)`},
		// seq, conv's token, terms, then conv and seq again: a talk deleted
		// before it was indexed is not indexed (delete.go).
		{&s.stmts.index, `INSERT INTO search (rowid, conv, terms) SELECT ?, ?, ?
			WHERE EXISTS (SELECT 1 FROM messages WHERE conv = ? AND seq = ? AND deleted_by IS NULL)`},
		{&s.stmts.count, `INSERT INTO convs (conv, count, floor) VALUES (?, ?, 0)
			ON CONFLICT (conv) DO UPDATE SET count = count + excluded.count`},
		{&s.stmts.last, `UPDATE meta SET value = ? WHERE key = 'last_seq'`},
		{&s.stmts.indexed, `UPDATE meta SET value = ? WHERE key = 'indexed_seq'`},
	}
	for _, p := range queries {
		st, err := s.w.Prepare(p.q)
		if err != nil {
			return s.openError(err)
		}
		*p.st = st
	}
	return nil
}

// Append stores, in one transaction, the talks among evs (type talk with a
// room or a to) under their conversation, hands them to the search
// indexer (indexer.go), and records the highest seq of all evs (talks, joins, leaves) as the last
// given. When it returns nil the batch's talks survive the process being killed;
// on an error none of it is stored, and the error (an *Error) says why in
// words: "disk full", "database is read-only", ...
//
// A batch of joins and leaves only (a connection storm's) costs no
// transaction: its seq is kept in memory, and recorded with the next
// batch that has talks, or by Close. A kill loses at most the seqs of
// joins and leaves since the last talk; a server's seqs are at least its
// clock's microseconds (service.MemoryBroker), so the seqs after the
// restart are past them anyway, unless the clock went back by more than
// the restart took.
//
// Seqs name events across the whole server (one counter), so a seq is
// stored once: the search index is keyed by it. Append is called by one
// goroutine at a time.
func (s *Store) Append(evs []*model.ChatRoomRequest) error {
	if s.closed.Load() {
		return &Error{Reason: "history store is closed", Err: errClosed}
	}
	if len(evs) == 0 {
		return nil
	}
	max, counts, err := s.checkBatch(evs)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		if max > s.lastSeq.Load() {
			s.lastSeq.Store(max)
		}
		return nil
	}
	max = maxSeq(max, s.lastSeq.Load()) // joins' seqs not recorded yet
	if err := s.checkFile(); err != nil {
		return err
	}
	tx, err := s.w.Begin()
	if err != nil {
		return runError(err)
	}
	defer tx.Rollback()
	talks, err := s.insertTalks(tx, evs, counts)
	if err != nil {
		return runError(err)
	}
	if max > s.recorded {
		if _, err := tx.Stmt(s.stmts.last).Exec(int64(max)); err != nil {
			return runError(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return runError(err)
	}
	s.recorded = max
	s.lastSeq.Store(max)
	if len(talks) > 0 {
		s.ix.add(talks, max)
	}
	return nil
}

// isTalk says whether ev is a talk Append keeps.
func isTalk(ev *model.ChatRoomRequest) bool {
	return ev.GetType() == model.TypeTalk && (ev.GetRoom() != "" || ev.GetTo() != "")
}

// checkBatch refuses a batch SQLite cannot hold (a seq beyond int64, a
// talk without a seq), and finds its highest seq and each conversation's
// number of talks.
func (s *Store) checkBatch(evs []*model.ChatRoomRequest) (uint64, map[string]int, error) {
	var max uint64
	counts := make(map[string]int)
	for _, ev := range evs {
		if ev == nil {
			return 0, nil, &Error{Reason: "storage error", Err: errors.New("a nil event in the batch")}
		}
		if ev.GetSeq() > math.MaxInt64 {
			return 0, nil, &Error{Reason: "storage error", Err: fmt.Errorf("seq %d is beyond what the store holds", ev.GetSeq())}
		}
		max = maxSeq(max, ev.GetSeq())
		if isTalk(ev) {
			if ev.GetSeq() == 0 {
				return 0, nil, &Error{Reason: "storage error", Err: errors.New("a talk without a seq")}
			}
			counts[model.ConversationOf(ev)]++
		}
	}
	return max, counts, nil
}

func maxSeq(a, b uint64) uint64 {
	if b > a {
		return b
	}
	return a
}

// insertTalks inserts evs' talks, adds to their conversations' counts, and
// returns them for the indexer.
func (s *Store) insertTalks(tx *sql.Tx, evs []*model.ChatRoomRequest, counts map[string]int) ([]pending, error) {
	if len(counts) == 0 {
		return nil, nil
	}
	insert := tx.Stmt(s.stmts.insert)
	talks := make([]pending, 0, len(evs))
	for _, ev := range evs {
		if !isTalk(ev) {
			continue
		}
		conv := model.ConversationOf(ev)
		seq := int64(ev.GetSeq())
		if _, err := insert.Exec(conv, seq, ev.GetTimestamp(), ev.GetUserName(), ev.GetTo(), ev.GetContent()); err != nil {
			return nil, err
		}
		talks = append(talks, pending{seq: seq, conv: conv, content: ev.GetContent()})
	}
	count := tx.Stmt(s.stmts.count)
	for conv, n := range counts {
		if _, err := count.Exec(conv, n); err != nil {
			return nil, err
		}
	}
	return talks, nil
}

// recordLast records the last seq given, if a batch of joins and leaves
// left it unrecorded (Close calls it: a clean stop keeps every seq).
func (s *Store) recordLast() error {
	last := s.lastSeq.Load()
	if last <= s.recorded {
		return nil
	}
	if _, err := s.w.Exec(`UPDATE meta SET value = ? WHERE key = 'last_seq'`, int64(last)); err != nil {
		return runError(err)
	}
	s.recorded = last
	return nil
}
