package store

// This file owns keeping the search index up to date off the write path.
// Append stores a talk and returns: the broker delivers it right after, so
// an Append's cost is on every talk's way to its room. Indexing a talk for
// search costs several times what storing it does (tens of terms, and
// FTS5 writes a segment per transaction and merges segments now and then),
// so Append hands its talks to the indexer, which indexes whatever
// accumulated in one transaction at most every indexEvery: a few talks per
// segment instead of one. The meta row indexed_seq says up to which seq
// every talk is indexed; Open indexes what a killed process left out.
// Search waits for the talks appended before it was called to be indexed,
// so it finds what was said a moment ago.

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

const (
	// indexEvery is the shortest time between two indexing transactions.
	indexEvery = 100 * time.Millisecond
	// indexBatch is the most talks one indexing transaction holds, so that
	// an Append waiting for the writing connection waits little.
	indexBatch = 500
)

// A pending talk is one appended but not indexed yet.
type pending struct {
	seq           int64
	conv, content string
}

// indexer is the queue of talks to index and the goroutine that indexes
// them.
type indexer struct {
	mu       sync.Mutex
	queue    []pending
	appended uint64        // the seq up to which Append handed everything over
	indexed  uint64        // every talk up to this seq is in the index
	grew     chan struct{} // closed (and replaced) when indexed grows
	wake     chan struct{} // buffered (1): there is work
	stop     chan struct{}
	done     chan struct{}
	err      error // the last indexing error, given to waiting searches
}

func newIndexer(indexed uint64) *indexer {
	return &indexer{appended: indexed, indexed: indexed, grew: make(chan struct{}),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// add queues talks, appended with every event up to seq.
func (ix *indexer) add(talks []pending, seq uint64) {
	ix.mu.Lock()
	ix.queue = append(ix.queue, talks...)
	ix.appended = max(ix.appended, seq)
	ix.mu.Unlock()
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// take returns up to indexBatch queued talks and the seq indexed once they
// are.
func (ix *indexer) take() ([]pending, uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := min(len(ix.queue), indexBatch)
	batch := ix.queue[:n:n]
	ix.queue = ix.queue[n:]
	upto := ix.appended
	if len(ix.queue) > 0 {
		upto = uint64(ix.queue[0].seq - 1)
	}
	return batch, upto
}

// advance records that everything up to seq is indexed (or why not).
func (ix *indexer) advance(seq uint64, err error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.err = err
	if err == nil && seq > ix.indexed {
		ix.indexed = seq
		close(ix.grew)
		ix.grew = make(chan struct{})
	}
}

// wait returns once every talk appended so far is indexed, or with the
// indexing error, or ctx's.
func (ix *indexer) wait(ctx context.Context) error {
	ix.mu.Lock()
	target := ix.appended
	ix.mu.Unlock()
	for {
		ix.mu.Lock()
		indexed, grew, err := ix.indexed, ix.grew, ix.err
		ix.mu.Unlock()
		switch {
		case indexed >= target:
			return nil
		case err != nil:
			return err
		}
		select {
		case <-grew:
		case <-ix.done:
			return errClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// run indexes what is queued, at most every indexEvery, until stop; then
// what is left.
func (s *Store) runIndexer() {
	ix := s.ix
	defer close(ix.done)
	pace := time.NewTimer(0)
	defer pace.Stop()
	for {
		select {
		case <-ix.stop:
			s.indexQueued()
			return
		case <-ix.wake:
		}
		select {
		case <-ix.stop:
			s.indexQueued()
			return
		case <-pace.C:
		}
		s.indexQueued()
		pace.Reset(indexEvery)
	}
}

// indexQueued indexes everything queued, indexBatch talks a transaction.
func (s *Store) indexQueued() {
	for {
		batch, upto := s.ix.take()
		err := s.index(batch, upto)
		s.ix.advance(upto, err)
		if err != nil || len(batch) < indexBatch {
			return
		}
	}
}

// index writes batch into the search index and records upto as indexed,
// in one transaction. A failed batch is lost to search (its talks stay
// stored, and are read back by scroll back and catch up); the next Open
// indexes it again, from indexed_seq.
func (s *Store) index(batch []pending, upto uint64) error {
	tx, err := s.w.Begin()
	if err != nil {
		return runError(err)
	}
	defer tx.Rollback()
	ins := tx.Stmt(s.stmts.index)
	for _, p := range batch {
		if _, err := ins.Exec(p.seq, convToken(p.conv), terms(p.content), p.conv, p.seq); err != nil {
			return runError(err)
		}
	}
	if _, err := tx.Stmt(s.stmts.indexed).Exec(int64(upto)); err != nil {
		return runError(err)
	}
	return runError(tx.Commit())
}

// stopIndexer indexes what is queued and stops the indexer.
func (s *Store) stopIndexer() {
	close(s.ix.stop)
	<-s.ix.done
}

// indexedSeq reads indexed_seq; a database without one (written before
// the index was kept apart) had every talk indexed as it was stored.
func indexedSeq(w *sql.DB, last uint64) (uint64, error) {
	var seq int64
	err := w.QueryRow(`SELECT value FROM meta WHERE key = 'indexed_seq'`).Scan(&seq)
	switch {
	case err == sql.ErrNoRows:
		_, err = w.Exec(`INSERT INTO meta (key, value) VALUES ('indexed_seq', ?)`, int64(last))
		return last, err
	case err != nil:
		return 0, err
	}
	return uint64(seq), nil
}

// reindexTail indexes the talks stored after indexed (a killed process
// stored them, and was killed before it indexed them), conversation by
// conversation, and starts the indexer.
func (s *Store) reindexTail(indexed uint64) error {
	s.ix = newIndexer(indexed)
	last := s.lastSeq.Load()
	if indexed < last {
		tail, err := scanPending(s.w.Query(`SELECT m.conv, m.seq, m.content FROM convs c JOIN messages m ON m.conv = c.conv AND m.seq > ? AND m.deleted_by IS NULL ORDER BY m.seq`, int64(indexed)))
		if err != nil {
			return err
		}
		s.ix.add(tail, last)
		s.indexQueued()
	}
	go s.runIndexer()
	return nil
}

// scanPending reads rows of (conv, seq, content), talks to index.
func scanPending(rows *sql.Rows, err error) ([]pending, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.conv, &p.seq, &p.content); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
