package service

// This file owns the NATS broker's audit trail (AddAudit, Audit): a
// JetStream stream of its own (AuditStream), an entry a message on
// "<prefix>.audit.<room key>" ("_" for a server-wide action). The stream's
// sequence is the entry's ID: JetStream gives it, increasing, to the
// entries of every node writing at once. Entries are kept for ever.
// Reading newest first, which JetStream cannot do, goes back in windows of
// IDs, each read forwards by direct get, each twice as wide as the last.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// keptAudit is an AuditEntry as its message holds it (its ID is the
// message's sequence).
type keptAudit struct {
	At       int64  `json:"at,omitempty"`
	Action   string `json:"action"`
	Room     string `json:"room,omitempty"`
	Actor    string `json:"actor,omitempty"`
	Target   string `json:"target,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Duration int64  `json:"duration_ms,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// auditSubject is where the entries of room go; token "*" is every room's.
func (b *NatsBroker) auditSubject(token string) string {
	return b.cfg.Prefix + ".audit." + token
}

// AddAudit implements ModerationStore: e (its ID ignored) is published to
// the audit stream, and its ID is the sequence the stream gave it.
func (m *NatsModeration) AddAudit(ctx context.Context, e AuditEntry) (uint64, error) {
	b := m.b
	if err := checkModRoom(e.Room); err != nil {
		return 0, err
	}
	if err := checkModText("audit entry", e.Action, e.Actor, e.Target, e.Reason, e.Detail); err != nil {
		return 0, err
	}
	data, err := json.Marshal(keptAudit{At: StoredMillis(e.At), Action: e.Action, Room: e.Room, Actor: e.Actor,
		Target: e.Target, Reason: e.Reason, Duration: e.Duration.Milliseconds(), Seq: e.Seq, Detail: e.Detail})
	if err != nil {
		return 0, fmt.Errorf("moderation: audit: %w", err)
	}
	ack, err := b.js.Publish(ctx, b.auditSubject(modRoomToken(e.Room)), data, jetstream.WithExpectStream(b.cfg.AuditStream))
	if err != nil {
		return 0, fmt.Errorf("moderation: keeping the audit entry: %w", err)
	}
	return ack.Sequence, nil
}

// Audit implements ModerationStore: at most limit entries with an ID below
// before (0: the newest), of room only if room is not "", newest first,
// and whether there are older ones.
func (m *NatsModeration) Audit(ctx context.Context, room string, before uint64, limit int) ([]AuditEntry, bool, error) {
	b := m.b
	if limit < 1 {
		return nil, false, fmt.Errorf("audit: limit %d: it must be at least 1", limit)
	}
	if err := checkModRoom(room); err != nil {
		return nil, false, err
	}
	subject := b.auditSubject("*")
	if room != "" {
		subject = b.auditSubject(modRoomToken(room))
	}
	info, err := b.audit.Info(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("NATS stream %s: %w", b.cfg.AuditStream, err)
	}
	first, hi := info.State.FirstSeq, info.State.LastSeq+1
	if before > 0 && before < hi {
		hi = before
	}
	var found []AuditEntry // newest first
	span := 2 * uint64(limit+1)
	for windows := 0; len(found) <= limit && hi > first && info.State.LastSeq > 0; windows++ {
		if windows >= maxWindows {
			return nil, false, fmt.Errorf("NATS: reading %s back took over %d windows", b.cfg.AuditStream, maxWindows)
		}
		lo := first
		if hi-first > span {
			lo = hi - span
		}
		got, err := b.auditWindow(ctx, subject, lo, hi, limit+1-len(found))
		if err != nil {
			return nil, false, err
		}
		for i := len(got) - 1; i >= 0 && len(found) <= limit; i-- {
			found = append(found, got[i])
		}
		hi, span = lo, min(2*span, maxSpan)
	}
	return found[:min(len(found), limit)], len(found) > limit, nil
}

// auditWindow returns the last (at most need) entries on subject with
// lo <= ID < hi, oldest first.
func (b *NatsBroker) auditWindow(ctx context.Context, subject string, lo, hi uint64, need int) ([]AuditEntry, error) {
	var got []AuditEntry
	for reads, seq := 0, lo; seq < hi; reads++ {
		if reads >= maxReads {
			return nil, fmt.Errorf("NATS: reading %s took over %d requests", b.cfg.AuditStream, maxReads)
		}
		evs, pending, err := b.directGetIn(ctx, b.cfg.AuditStream, subject, seq, int(min(hi-seq, directChunk)))
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if ev.seq >= hi {
				return got[max(len(got)-need, 0):], nil
			}
			var k keptAudit
			if err := json.Unmarshal(ev.data, &k); err != nil {
				return nil, fmt.Errorf("moderation: audit entry %d kept as %q: %w", ev.seq, ev.data, err)
			}
			got = append(got, AuditEntry{ID: ev.seq, At: StoredTime(k.At), Action: k.Action, Room: k.Room,
				Actor: k.Actor, Target: k.Target, Reason: k.Reason, Duration: time.Duration(k.Duration) * time.Millisecond,
				Seq: k.Seq, Detail: k.Detail})
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
