package service

// This file owns reading a subject of the NATS stream backwards, which
// JetStream cannot do: windows of seqs, each read forwards by direct get,
// the newest first, each spanning more seqs than the last. Every direct
// get of a batch costs the server a count of what follows in the subject
// (milliseconds in a subject of 100,000 events), so a window is read in few
// large batches, and the next window is sized from how many wanted events
// the seqs read so far held.

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/model"
)

const (
	// maxWindows bounds the windows one backward scan reads.
	maxWindows = 1000
	// maxSpan is the most seqs one window spans.
	maxSpan = 1 << 20
	// windowBatch is the most events one direct get of a window asks for.
	windowBatch = 4000
	// maxReads bounds the direct gets of one window, or of one After.
	maxReads = 100_000
)

// scanBack returns the last (at most want) events of subject before the
// seq before (0: the newest) that keep returns non-nil for, newest first.
// Its first window spans span seqs.
func (b *NatsBroker) scanBack(ctx context.Context, subject string, before uint64, want int, span uint64,
	keep func(storedEvent) *model.ChatRoomRequest) ([]*model.ChatRoomRequest, error) {
	first, last, err := b.subjectBounds(ctx, subject)
	if err != nil || last == 0 {
		return nil, err
	}
	hi := last + 1
	if before > 0 && before < hi {
		hi = before
	}
	var found []*model.ChatRoomRequest
	var spanned uint64 // the seqs read
	for windows := 0; len(found) < want && hi > first; windows++ {
		if windows >= maxWindows {
			return nil, fmt.Errorf("NATS: reading %s back took over %d windows", subject, maxWindows)
		}
		lo := first
		if hi-first > span {
			lo = hi - span
		}
		got, err := b.readWindow(ctx, subject, lo, hi, want-len(found), keep)
		if err != nil {
			return nil, err
		}
		for i := len(got) - 1; i >= 0; i-- {
			found = append(found, got[i])
		}
		spanned += hi - lo
		hi = lo
		span = nextSpan(span, spanned, len(found), want)
	}
	return found, nil
}

// nextSpan is how many seqs the next window spans: as many as should hold
// what is still wanted at the rate the seqs read so far held it, and half
// again; between twice and 64 times the last window, at most maxSpan.
func nextSpan(span, spanned uint64, found, want int) uint64 {
	grow := uint64(8)
	if found > 0 {
		need := spanned / uint64(found) * uint64(want-found) * 3 / 2
		grow = min(max(need/max(span, 1), 2), 64)
	}
	return min(span*grow, maxSpan)
}

// readWindow returns the last (at most need) events of subject in
// [lo, hi) that keep returns non-nil for, oldest first.
func (b *NatsBroker) readWindow(ctx context.Context, subject string, lo, hi uint64, need int,
	keep func(storedEvent) *model.ChatRoomRequest) ([]*model.ChatRoomRequest, error) {
	var got []*model.ChatRoomRequest
	for reads, seq := 0, lo; seq < hi; reads++ {
		if reads >= maxReads {
			return nil, fmt.Errorf("NATS: reading %s took over %d requests", subject, maxReads)
		}
		evs, pending, err := b.directGet(ctx, subject, seq, int(min(hi-seq, windowBatch)))
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if ev.seq >= hi {
				return got, nil
			}
			if m := keep(ev); m != nil {
				got = append(got, m)
			}
			if len(got) >= 2*need { // only the last need count
				got = append(got[:0], got[len(got)-need:]...)
			}
		}
		if len(evs) == 0 || pending == 0 {
			break
		}
		seq = evs[len(evs)-1].seq + 1
	}
	return got[max(len(got)-need, 0):], nil
}

// subjectBounds are the seqs of the first and the last events the stream
// keeps of subject (0, 0 if none), by single direct gets, which count
// nothing.
func (b *NatsBroker) subjectBounds(ctx context.Context, subject string) (first, last uint64, err error) {
	if last, err = b.lastSeq(ctx, subject); err != nil || last == 0 {
		return 0, 0, err
	}
	m, err := b.st.GetMsg(ctx, 0, jetstream.WithGetMsgSubject(subject))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return 0, 0, nil // it all aged out meanwhile
	case err != nil:
		return 0, 0, fmt.Errorf("NATS: the first event of %s: %w", subject, err)
	}
	return m.Sequence, last, nil
}
