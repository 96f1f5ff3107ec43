package service

// This file owns how the NATS broker reads a subject's stored events
// without a consumer: JetStream's direct get in batches
// ($JS.API.DIRECT.GET.<stream> with next_by_subj and batch, which needs
// AllowDirect on the stream), forward from a seq. Each answer also says how
// many events of the subject come after it, which lets a reader count the
// events of a subject from any seq on: JetStream cannot iterate backwards,
// so the last n events before a seq are found by counting (windowStart).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

const (
	// directMaxBytes bounds one answer's payload; the reader asks again
	// from where it stopped.
	directMaxBytes = 4 << 20
	// directTimeout bounds one direct get when the caller's context does
	// not end sooner.
	directTimeout = 10 * time.Second
	// directChunk is the most events one direct get asks for.
	directChunk = 1000
	// maxProbes bounds the counts windowStart asks for (it needs about
	// twice the logarithm of the seqs it spans).
	maxProbes = 200
)

// storedEvent is one event as the stream keeps it.
type storedEvent struct {
	seq  uint64
	at   time.Time
	data []byte
}

// directRequest is JetStream's JSApiMsgGetRequest, the fields used here.
type directRequest struct {
	Seq      uint64 `json:"seq,omitempty"`
	NextFor  string `json:"next_by_subj"`
	Batch    int    `json:"batch"`
	MaxBytes int    `json:"max_bytes,omitempty"`
}

// directGet returns the first (at most n) events of subject with a seq of
// at least seq, in order, and how many events of subject come after the
// last of them (after seq if none). It may return fewer than n while more
// follow (an answer is at most directMaxBytes): the caller asks again.
func (b *NatsBroker) directGet(ctx context.Context, subject string, seq uint64, n int) ([]storedEvent, uint64, error) {
	return b.directGetIn(ctx, b.cfg.Stream, subject, seq, n)
}

// directGetIn is directGet from stream (the events', moderation's bucket's
// or the audit trail's); subject may have wildcards.
func (b *NatsBroker) directGetIn(ctx context.Context, stream, subject string, seq uint64, n int) ([]storedEvent, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, directTimeout)
	defer cancel()
	req, err := json.Marshal(directRequest{Seq: seq, NextFor: subject, Batch: max(n, 1), MaxBytes: directMaxBytes})
	if err != nil {
		return nil, 0, err
	}
	inbox := b.nc.NewInbox()
	sub, err := b.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, 0, fmt.Errorf("NATS direct get: %w", err)
	}
	defer sub.Unsubscribe()
	if err := b.nc.PublishRequest("$JS.API.DIRECT.GET."+stream, inbox, req); err != nil {
		return nil, 0, fmt.Errorf("NATS direct get: %w", err)
	}
	var evs []storedEvent
	for range max(n, 1) + 1 { // the events, then the end of the batch
		msg, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("NATS direct get of %s from %d: %w", subject, seq, err)
		}
		switch status := msg.Header.Get("Status"); status {
		case "":
			ev, err := parseStored(msg)
			if err != nil {
				return nil, 0, err
			}
			evs = append(evs, ev)
		case "204": // the end of the batch
			pending, _ := strconv.ParseUint(msg.Header.Get("Nats-Num-Pending"), 10, 64)
			return evs, pending, nil
		case "404": // nothing from seq on
			return nil, 0, nil
		default:
			return nil, 0, fmt.Errorf("NATS direct get of %s: %s %s (is the stream's allow_direct on?)", subject, status, msg.Header.Get("Description"))
		}
	}
	return nil, 0, errors.New("NATS direct get: the batch did not end")
}

// parseStored reads an event of a direct get's answer.
func parseStored(msg *nats.Msg) (storedEvent, error) {
	seq, err := strconv.ParseUint(msg.Header.Get("Nats-Sequence"), 10, 64)
	if err != nil {
		return storedEvent{}, fmt.Errorf("NATS direct get: no sequence: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, msg.Header.Get("Nats-Time-Stamp"))
	if err != nil {
		return storedEvent{}, fmt.Errorf("NATS direct get: no time: %w", err)
	}
	return storedEvent{seq: seq, at: at, data: msg.Data}, nil
}

// countFrom is the number of events of subject with a seq of at least seq,
// and the seq of the first of them (0 if none).
func (b *NatsBroker) countFrom(ctx context.Context, subject string, seq uint64) (count, first uint64, err error) {
	evs, pending, err := b.directGet(ctx, subject, seq, 1)
	if err != nil || len(evs) == 0 {
		return 0, 0, err
	}
	return pending + 1, evs[0].seq, nil
}

// windowStart finds where the last n events of subject before hi begin:
// a seq lo such that [lo, hi) holds at least n of them and at most n+slack
// (exactly n with slack 0), or, if fewer than n come before hi, the first
// event's seq and all = true. It also returns how many events [lo, hi)
// holds. It counts backwards in windows that double, then halves the last.
func (b *NatsBroker) windowStart(ctx context.Context, subject string, hi, n, slack uint64) (lo, inside uint64, all bool, err error) {
	after, _, err := b.countFrom(ctx, subject, hi) // events from hi on
	if err != nil {
		return 0, 0, false, err
	}
	total, first, err := b.countFrom(ctx, subject, 0)
	if err != nil || total-after <= n || hi <= first {
		return first, total - after, true, err
	}
	// A window of n seqs holds at most n events: start there, and double.
	good, bad := uint64(0), hi // good: [good, hi) holds >= n; bad: < n
	for w, probes := n, 0; good == 0; w, probes = w*2, probes+1 {
		lo := uint64(1)
		if hi > w && hi-w > first {
			lo = hi - w
		}
		c, err := b.countProbe(ctx, subject, lo, probes)
		if err != nil {
			return 0, 0, false, err
		}
		if c-after >= n {
			good, inside = lo, c-after
		} else {
			bad = lo
		}
	}
	// [good, hi) holds enough; [bad, hi) too few: narrow to n+slack.
	for probes := 0; inside > n+slack && bad-good > 1; probes++ {
		mid := good + (bad-good)/2
		c, err := b.countProbe(ctx, subject, mid, probes)
		if err != nil {
			return 0, 0, false, err
		}
		if c-after >= n {
			good, inside = mid, c-after
		} else {
			bad = mid
		}
	}
	return good, inside, false, nil
}

// countProbe is countFrom for windowStart's probe number probe.
func (b *NatsBroker) countProbe(ctx context.Context, subject string, seq uint64, probe int) (uint64, error) {
	if probe > maxProbes {
		return 0, fmt.Errorf("NATS: counting the events of %s took over %d requests", subject, maxProbes)
	}
	c, _, err := b.countFrom(ctx, subject, seq)
	return c, err
}
