package store

// This file owns retention: Trim, which removes from each room and
// conversation its talks beyond the newest keep and those older than
// maxAge, and the loop Open starts to run it every Options.TrimEvery.
// Trim only ever removes the oldest talks of a conversation (a prefix of
// it), and records the highest seq it removed as the conversation's floor,
// so After can tell a catch-up that it is not complete. It deletes in
// chunks of trimChunk talks, one short transaction each, so that the
// broker's Appends, which wait for the one writing connection, wait little.

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// trimChunk is the most talks one retention transaction deletes.
const trimChunk = 500

// convPage is how many conversations Trim reads at a time.
const convPage = 200

// startRetention starts the retention loop if opts ask for one; Close
// stops it. It trims once at once, then every opts.TrimEvery.
func (s *Store) startRetention(opts Options) {
	if opts.TrimEvery <= 0 || (opts.Keep <= 0 && opts.MaxAge <= 0) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopTrim = cancel
	s.trimDone.Add(1)
	go func() {
		defer s.trimDone.Done()
		tick := time.NewTicker(opts.TrimEvery)
		defer tick.Stop()
		for {
			n, err := s.Trim(ctx, opts.Keep, opts.MaxAge)
			if ctx.Err() != nil {
				return
			}
			if opts.OnTrim != nil {
				opts.OnTrim(n, err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// Trim removes from every room and conversation the talks beyond its
// newest keep (0: no limit) and those older than maxAge (0: no limit), in
// chunks, and says how many it removed. It stops early, with ctx's error,
// when ctx ends.
func (s *Store) Trim(ctx context.Context, keep int, maxAge time.Duration) (int, error) {
	if s.closed.Load() {
		return 0, &Error{Reason: "history store is closed", Err: errClosed}
	}
	if keep < 0 || maxAge < 0 {
		return 0, errors.New("retention: keep and max age must not be negative")
	}
	if keep == 0 && maxAge == 0 {
		return 0, nil
	}
	var cutoff int64 // talks with a ts below it are too old; 0: none
	if maxAge > 0 {
		cutoff = time.Now().Add(-maxAge).UnixMilli()
	}
	deleted, after := 0, ""
	for {
		convs, err := s.convsToTrim(ctx, after, keep, cutoff)
		if err != nil {
			return deleted, err
		}
		if convs.n == 0 {
			return deleted, nil
		}
		for _, conv := range convs.due {
			n, err := s.trimConv(ctx, conv, keep, cutoff)
			deleted += n
			if err != nil {
				return deleted, err
			}
		}
		after = convs.last
	}
}

// A page of conversations: how many were read, the last of them, and
// those with talks to remove.
type convsPage struct {
	last string
	due  []string
	n    int
}

// convsToTrim reads the next page of conversations after `after` and picks
// those with more than keep talks or a talk older than cutoff.
func (s *Store) convsToTrim(ctx context.Context, after string, keep int, cutoff int64) (convsPage, error) {
	var page convsPage
	rows, err := s.r.QueryContext(ctx, `SELECT c.conv, c.count,
		(SELECT ts FROM messages m WHERE m.conv = c.conv ORDER BY seq LIMIT 1)
		FROM convs c WHERE c.conv > ? ORDER BY c.conv LIMIT ?`, after, convPage)
	if err != nil {
		return page, runError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var conv string
		var count int
		var oldest sql.NullInt64
		if err := rows.Scan(&conv, &count, &oldest); err != nil {
			return page, runError(err)
		}
		page.last, page.n = conv, page.n+1
		if (keep > 0 && count > keep) || (cutoff > 0 && oldest.Valid && oldest.Int64 < cutoff) {
			page.due = append(page.due, conv)
		}
	}
	return page, runError(rows.Err())
}

// trimConv removes conv's talks beyond keep and older than cutoff, a chunk
// per transaction, and says how many.
func (s *Store) trimConv(ctx context.Context, conv string, keep int, cutoff int64) (int, error) {
	deleted := 0
	for {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		n, err := s.removeOldest(ctx, conv, keep, cutoff)
		deleted += n
		if err != nil || n < trimChunk {
			return deleted, err
		}
	}
}
