package service

// This file owns the NATS broker's catch up (History.After): the talks of a
// conversation after a seq, read forwards from the stream, and whether
// retention kept every one of them.

import (
	"context"
	"fmt"

	"chatroom/model"
)

// After implements History: the first limit talks of conv with
// after < seq <= upto (upto 0: no bound), oldest first, deleted ones as
// their tombstones, and whether every talk after `after` is still kept
// (see keptAfter).
func (b *NatsBroker) After(ctx context.Context, conv string, after, upto uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	c, err := b.conversation(conv)
	if err == nil {
		err = checkLimit(limit)
	}
	if err != nil {
		return nil, false, err
	}
	tombstones := b.tombstonesMeanwhile(ctx, c)
	msgs, complete, err := b.talksAfter(ctx, c, after, upto, limit)
	if err != nil {
		return nil, false, err
	}
	tombs, err := tombstones()
	if err != nil {
		return nil, false, err
	}
	hi := uint64(0)
	if upto > 0 {
		hi = upto + 1
	}
	// Of limit talks and the tombstones, the first limit are the page: a
	// tombstone newer than the newest of those talks is not in it.
	msgs = withTombstones(msgs, tombs, after, hi)
	return msgs[:min(len(msgs), limit)], complete, nil
}

// talksAfter is After's talks, without tombstones. With upto, it reads up
// to there from the stream's leader what a replica behind it lacked.
func (b *NatsBroker) talksAfter(ctx context.Context, c natsConv, after, upto uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	complete, err := b.keptAfter(ctx, c.subject, after)
	if err != nil {
		return nil, false, err
	}
	msgs, next, err := b.readAfter(ctx, c, after+1, upto, limit)
	if err != nil {
		return nil, false, err
	}
	// A replica behind the leader may have answered: what it did not have
	// up to upto, the leader has.
	for reads := 0; upto > 0 && next <= upto && len(msgs) < limit; reads++ {
		ev, ok, err := b.leaderNext(ctx, c.subject, next)
		switch {
		case err != nil:
			return nil, false, err
		case !ok || ev.seq > upto || reads >= maxReads:
			return msgs, complete, nil
		}
		if m := c.talk(ev); m != nil {
			msgs = append(msgs, m)
		}
		next = ev.seq + 1
	}
	return msgs, complete, nil
}

// readAfter returns the first (at most limit) talks of c from the seq
// from on, up to upto (0: no bound), by direct get, and the seq after the
// last event it read.
func (b *NatsBroker) readAfter(ctx context.Context, c natsConv, from, upto uint64, limit int) ([]*model.ChatRoomRequest, uint64, error) {
	var msgs []*model.ChatRoomRequest
	for reads := 0; len(msgs) < limit; reads++ {
		if reads >= maxReads {
			return nil, 0, fmt.Errorf("NATS: reading %s took over %d requests", c.subject, maxReads)
		}
		evs, pending, err := b.directGet(ctx, c.subject, from, min(directChunk, max(2*(limit-len(msgs)), 64)))
		if err != nil {
			return nil, 0, err
		}
		for _, ev := range evs {
			if upto > 0 && ev.seq > upto {
				return msgs, ev.seq, nil
			}
			from = ev.seq + 1
			if m := c.talk(ev); m != nil {
				msgs = append(msgs, m)
				if len(msgs) == limit {
					return msgs, from, nil
				}
			}
		}
		if len(evs) == 0 || pending == 0 {
			break
		}
	}
	return msgs, from, nil
}

// keptAfter says whether the stream still keeps every event of subject
// with a seq above after. Retention takes a subject's events oldest first
// (MaxMsgsPerSubject takes the subject's oldest; MaxAge and MaxMsgs the
// stream's oldest, below its first seq), so what it keeps of a subject is
// everything from its first kept event F on, and it is complete after
// `after` if after+1 >= F. Below F it cannot be known exactly which seqs
// the removed events had; it answers true only when they were all below
// after+1 for sure: the subject holds fewer than Keep events now (so any
// event taken per subject went before the stream's first seq took more)
// and after+1 is at least the stream's first seq, or nothing but Keep
// limits the stream (no MaxAge, no MaxEvents). Not covered: an
// operator's purge, and Keep raised after the subject was trimmed under
// a lower one (then the second rule may say true wrongly).
func (b *NatsBroker) keptAfter(ctx context.Context, subject string, after uint64) (bool, error) {
	count, first, err := b.countFrom(ctx, subject, 0)
	if err != nil {
		return false, err
	}
	if count > 0 && after+1 >= first {
		return true, nil
	}
	if b.cfg.Keep > 0 && count >= uint64(b.cfg.Keep) {
		return false, nil
	}
	if b.cfg.MaxAge <= 0 && b.cfg.MaxEvents <= 0 {
		return true, nil // nothing takes the stream's oldest
	}
	info, err := b.st.Info(ctx)
	if err != nil {
		return false, fmt.Errorf("NATS stream %s: %w", b.cfg.Stream, err)
	}
	return after+1 >= info.State.FirstSeq, nil
}
