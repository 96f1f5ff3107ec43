package service

// This file owns deleting a talk the NATS stream keeps (Deleter) and its
// tombstone. A talk's seq is its event's sequence in the stream, so the
// deleted talk's event is erased from the stream (overwritten: its text is
// gone from NATS's files too), after its tombstone is kept in moderation's
// bucket, key "t.<conversation key>.<seq>". History reads (Before, After)
// put the tombstones of the conversation in their places; Search finds
// nothing of an erased talk, and skips a tombstone's talk whose erasure
// failed. A tombstone is shown as long as its talk would have been kept:
// not once it is older than MaxAge, nor below the first event the subject
// keeps once the subject holds Keep events.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"chatroom/model"
)

var _ Deleter = (*NatsBroker)(nil)

const (
	// modTombstoneKeys starts a tombstone's key: t.<conversation key>.<seq>.
	modTombstoneKeys = "t"
	// maxForgotten bounds the tombstones one read removes (see
	// shownTombstones); the next read removes more.
	maxForgotten = 100
)

// keptTombstone is a tombstone as its key holds it.
type keptTombstone struct {
	Seq  uint64 `json:"seq"`
	User string `json:"user"`
	To   string `json:"to,omitempty"` // a direct message's
	By   string `json:"by,omitempty"`
	At   int64  `json:"at"` // the talk's time, Unix milliseconds

	entry uint64 // its key's revision
}

// tombstonePrefix is the start of the keys of c's tombstones.
func tombstonePrefix(c natsConv) string {
	return modTombstoneKeys + "." + model.RoomKey(c.key) + "."
}

// Delete implements Deleter: the tombstone is created (a second delete
// of the talk finds it, and gets ErrNoSuchTalk), then the talk's event is
// erased from the stream.
func (b *NatsBroker) Delete(ctx context.Context, conv string, seq uint64, by string) (string, error) {
	c, err := b.conversation(conv)
	if err != nil {
		return "", err
	}
	if err := checkModText("delete", by); err != nil {
		return "", err
	}
	talk, err := b.keptTalk(ctx, c, seq)
	if err != nil {
		return "", err
	}
	// Tombstones that retention hides now are removed before this delete
	// lowers the subject's count (see shownTombstones).
	if _, err := b.tombstones(ctx, c); err != nil {
		return "", err
	}
	data, err := json.Marshal(keptTombstone{Seq: seq, User: talk.UserName, To: talk.To, By: by, At: talk.Timestamp})
	if err != nil {
		return "", fmt.Errorf("delete: %w", err)
	}
	_, err = b.mod.Create(ctx, tombstonePrefix(c)+strconv.FormatUint(seq, 10), data)
	switch {
	case errors.Is(err, jetstream.ErrKeyExists):
		// Deleted already (its erasure may have failed), or by another
		// node just now: the erasure is made sure of.
		if err := b.eraseTalk(ctx, c, seq); err != nil {
			return "", err
		}
		return "", ErrNoSuchTalk
	case err != nil:
		return "", fmt.Errorf("delete: keeping the tombstone of %d: %w", seq, err)
	}
	if err := b.eraseTalk(ctx, c, seq); err != nil {
		return "", fmt.Errorf("delete: talk %d reads as deleted, but its text is still in the stream: %w", seq, err)
	}
	return talk.UserName, nil
}

// keptTalk is talk seq of c as the stream keeps it; ErrNoSuchTalk if the
// stream keeps no such talk of c. The stream's leader answers: a replica
// may not have a talk just published yet.
func (b *NatsBroker) keptTalk(ctx context.Context, c natsConv, seq uint64) (*model.ChatRoomRequest, error) {
	if seq == 0 {
		return nil, ErrNoSuchTalk
	}
	ev, ok, err := b.leaderNext(ctx, c.subject, seq)
	switch {
	case err != nil:
		return nil, fmt.Errorf("delete: reading event %d: %w", seq, err)
	case !ok || ev.seq != seq:
		return nil, ErrNoSuchTalk
	}
	talk := c.talk(ev)
	if talk == nil {
		return nil, ErrNoSuchTalk
	}
	return talk, nil
}

// eraseTalk removes event seq of c from the stream, overwriting it; an
// event gone already is no error.
func (b *NatsBroker) eraseTalk(ctx context.Context, c natsConv, seq uint64) error {
	err := b.st.SecureDeleteMsg(ctx, seq)
	if err == nil {
		return nil
	}
	if ev, ok, gerr := b.leaderNext(ctx, c.subject, seq); gerr == nil && (!ok || ev.seq != seq) {
		return nil
	}
	return fmt.Errorf("NATS: erasing event %d of %s: %w", seq, b.cfg.Stream, err)
}

// tombstones returns the tombstones of c that are shown (see the top of
// the file), by seq.
func (b *NatsBroker) tombstones(ctx context.Context, c natsConv) (map[uint64]*model.ChatRoomRequest, error) {
	stream, subject := "KV_"+b.cfg.ModBucket, "$KV."+b.cfg.ModBucket+"."+tombstonePrefix(c)+"*"
	var kept []keptTombstone
	for reads, from := 0, uint64(0); ; reads++ {
		if reads >= maxReads {
			return nil, fmt.Errorf("NATS: reading %s took over %d requests", subject, maxReads)
		}
		evs, pending, err := b.directGetIn(ctx, stream, subject, from, directChunk)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			var k keptTombstone
			if json.Unmarshal(ev.data, &k) == nil && k.Seq > 0 { // not a delete or purge marker
				k.entry = ev.seq
				kept = append(kept, k)
			}
			from = ev.seq + 1
		}
		if len(evs) == 0 || pending == 0 {
			break
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return b.shownTombstones(ctx, c, kept)
}

// tombstonesMeanwhile starts reading c's tombstones, for a reader to
// read the stream meanwhile, and returns what waits for them.
func (b *NatsBroker) tombstonesMeanwhile(ctx context.Context, c natsConv) func() (map[uint64]*model.ChatRoomRequest, error) {
	type read struct {
		tombs map[uint64]*model.ChatRoomRequest
		err   error
	}
	done := make(chan read, 1) // the reader may not wait, on an error of its own
	go func() {
		tombs, err := b.tombstones(ctx, c)
		done <- read{tombs, err}
	}()
	return func() (map[uint64]*model.ChatRoomRequest, error) {
		r := <-done
		return r.tombs, r.err
	}
}

// shownTombstones are the tombstones of kept whose talks retention would
// have kept, as the history's events. The others are removed from the
// bucket: a later delete, which lowers the subject's count below Keep,
// must not bring them back (Delete reads the tombstones first, so this
// happens before).
func (b *NatsBroker) shownTombstones(ctx context.Context, c natsConv, kept []keptTombstone) (map[uint64]*model.ChatRoomRequest, error) {
	var first uint64 // below it, retention by count took the talks
	if b.cfg.Keep > 0 {
		count, f, err := b.countFrom(ctx, c.subject, 0)
		if err != nil {
			return nil, err
		}
		if count >= uint64(b.cfg.Keep) {
			first = f
		}
	}
	var oldest int64 // before it, retention by age took the talks
	if b.cfg.MaxAge > 0 {
		oldest = time.Now().Add(-b.cfg.MaxAge).UnixMilli()
	}
	shown := make(map[uint64]*model.ChatRoomRequest, len(kept))
	forgotten := 0
	for _, k := range kept {
		if k.Seq < first || k.At < oldest {
			if forgotten < maxForgotten {
				b.forgetTombstone(ctx, c, k)
				forgotten++
			}
			continue
		}
		shown[k.Seq] = model.Tombstone(k.Seq, k.At, k.User, c.room, k.To, k.By)
	}
	return shown, nil
}

// withTombstones puts the tombstones with lo < seq < hi (hi 0: no bound)
// among talks (oldest first) in their places, a tombstone replacing a
// talk of its seq (one whose erasure failed), and returns the merge,
// oldest first.
func withTombstones(talks []*model.ChatRoomRequest, tombs map[uint64]*model.ChatRoomRequest, lo, hi uint64) []*model.ChatRoomRequest {
	if len(tombs) == 0 {
		return talks
	}
	out := make([]*model.ChatRoomRequest, 0, len(talks)+len(tombs))
	for _, m := range talks {
		if tombs[m.Seq] == nil {
			out = append(out, m)
		}
	}
	for seq, t := range tombs {
		if seq > lo && (hi == 0 || seq < hi) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(x, y *model.ChatRoomRequest) int { return cmp.Compare(x.Seq, y.Seq) })
	return out
}

// forgetTombstone purges k's key, at k's revision (another node may have
// purged it already), leaving a purge marker that goes after
// modMarkerTTL. A failure leaves it to the next read.
func (b *NatsBroker) forgetTombstone(ctx context.Context, c natsConv, k keptTombstone) {
	key := tombstonePrefix(c) + strconv.FormatUint(k.Seq, 10)
	err := b.mod.Purge(ctx, key, jetstream.LastRevision(k.entry), jetstream.PurgeTTL(modMarkerTTL))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		b.log.WithFields(logrus.Fields{"seq": k.Seq, "error": err}).Warn("tombstone not forgotten")
	}
}
