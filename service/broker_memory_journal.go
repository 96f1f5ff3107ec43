package service

// This file owns the durable side of a MemoryBroker: with a Journal, every
// event is written before it is delivered. Publish gives the event its seq
// and queues it; one writer goroutine takes everything queued, appends it
// to the journal in one commit (group commit: the cost of a commit is
// shared by everything that arrived while the last one ran), then hands
// each event to the subscriber in seq order and tells its publisher. A talk
// any member received is therefore stored; a talk whose write failed is
// delivered to no one and its publisher gets the error. Joins and leaves
// are delivered whatever becomes of the write (they are not history, but
// their seqs are recorded so that seqs never go back after a restart).

import (
	"context"
	"fmt"
	"time"

	"chatroom/model"
)

// queued is one event waiting for the writer, or a room whose past to
// deliver (follow), and whom to tell when it is done.
type queued struct {
	ev     *model.ChatRoomRequest
	follow string
	done   chan error // buffered (1)
}

// NewJournaledBroker returns a MemoryBroker that writes every event through
// j before delivering it. Its seqs go on after j's LastSeq (and the clock's,
// see stamp). A room's Follow
// delivers its last replay talks from j (the history a joiner is shown).
// Close stops the writer once what is queued is written and delivered.
func NewJournaledBroker(j Journal, replay int) *MemoryBroker {
	b := NewMemoryBroker()
	b.journal, b.replay = j, replay
	b.seq = j.LastSeq()
	b.wake = make(chan struct{}, 1)
	b.stopped = make(chan struct{})
	go b.write()
	return b
}

// publishJournaled is Publish with a journal: ev is queued under b.mu
// (which fixes its seq and so its order) and Publish waits for the writer.
func (b *MemoryBroker) publishJournaled(ctx context.Context, ev *model.ChatRoomRequest) error {
	q := &queued{ev: ev, done: make(chan error, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBrokerClosed
	}
	b.stamp(ev)
	b.queue = append(b.queue, q)
	b.mu.Unlock()
	b.signal()
	return b.wait(ctx, q)
}

// followJournaled queues the delivery of room's past behind what is queued
// now, so that it is neither missed nor delivered twice.
func (b *MemoryBroker) followJournaled(ctx context.Context, room string) error {
	q := &queued{follow: room, done: make(chan error, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBrokerClosed
	}
	b.queue = append(b.queue, q)
	b.mu.Unlock()
	b.signal()
	return b.wait(ctx, q)
}

func (b *MemoryBroker) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// wait waits for q to be done. If ctx ends first, q is still written and
// delivered: the publisher only stops waiting.
func (b *MemoryBroker) wait(ctx context.Context, q *queued) error {
	select {
	case err := <-q.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// write is the writer goroutine: it runs until Close, then drains.
func (b *MemoryBroker) write() {
	defer close(b.stopped)
	for {
		<-b.wake
		b.mu.Lock()
		batch, closed, handler := b.queue, b.closed, b.handler
		b.queue = nil
		b.mu.Unlock()
		if len(batch) > 0 {
			b.commit(batch, handler)
		}
		if closed {
			b.mu.Lock()
			rest := b.queue
			b.queue = nil
			b.mu.Unlock()
			if len(rest) > 0 {
				b.commit(rest, handler)
			}
			return
		}
	}
}

// commit writes batch's events in one append, then delivers each in order.
// If the append fails, each event is written on its own, so that one
// event the journal cannot take fails alone.
func (b *MemoryBroker) commit(batch []*queued, handler func(*model.ChatRoomRequest)) {
	if handler == nil {
		handler = func(*model.ChatRoomRequest) {}
	}
	evs := make([]*model.ChatRoomRequest, 0, len(batch))
	for _, q := range batch {
		if q.ev != nil {
			evs = append(evs, q.ev)
		}
	}
	err := b.journal.Append(evs)
	for _, q := range batch {
		switch {
		case q.follow != "":
			q.done <- b.deliverPast(q.follow, handler)
		case err == nil:
			handler(q.ev)
			q.done <- nil
		default:
			q.done <- b.commitOne(q.ev, handler)
		}
	}
}

// commitOne writes and delivers ev alone, after its batch failed: a talk
// that cannot be written is delivered to no one.
func (b *MemoryBroker) commitOne(ev *model.ChatRoomRequest, handler func(*model.ChatRoomRequest)) error {
	err := b.journal.Append([]*model.ChatRoomRequest{ev})
	if err != nil && ev.Type == model.TypeTalk {
		return fmt.Errorf("%w: %w", ErrStoreFailed, err)
	}
	handler(ev)
	return nil
}

// deliverPast hands the subscriber room's last replay talks from the
// journal, in order.
func (b *MemoryBroker) deliverPast(room string, handler func(*model.ChatRoomRequest)) error {
	if b.replay <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	past, _, err := b.journal.Before(ctx, room, 0, b.replay)
	if err != nil {
		return fmt.Errorf("the history of %s: %w", room, err)
	}
	for _, ev := range past {
		handler(ev)
	}
	return nil
}

// closeJournaled stops the writer once what is queued is written and
// delivered, and waits for it.
func (b *MemoryBroker) closeJournaled() {
	b.signal()
	<-b.stopped
}
