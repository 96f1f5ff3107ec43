package service

// This file owns the NATS broker's subscription and publishing: the direct
// messages' feed, which every node has, and where Publish stores an event.
// A room's feed is Follow's (broker_nats_follow.go).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"chatroom/model"
)

// Subscribe implements Broker. It starts the feed of the direct messages,
// which every node receives: first the last HistoryScan the stream
// keeps, in order, then every new one, across reconnects. It returns
// once that past is in. The rooms' events come with Follow. h.ClaimLost is
// told of a claim found gone or taken when the refresher comes to it (see
// refresh); h.Link, of the connection to NATS lost and back.
func (b *NatsBroker) Subscribe(h Handlers) error {
	if h.Event == nil {
		return errors.New("NATS broker: Subscribe without an Event handler")
	}
	f := newFeed("", b.dmSubject(), h.Event)
	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		return ErrBrokerClosed
	case b.handlers.Event != nil:
		b.mu.Unlock()
		return errors.New("NATS broker: already subscribed")
	}
	b.handlers, b.dms = h, f
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last, err := b.lastSeq(ctx, f.subject)
	if err != nil {
		return err
	}
	from, err := b.replayFrom(ctx, f.subject, last)
	if err != nil {
		return err
	}
	b.afterInfo()
	if err := b.startFeed(ctx, f, from); err != nil {
		return err
	}
	close(f.ready)
	if last == 0 {
		return nil
	}
	if err := b.waitDelivered(ctx, f, last); err != nil {
		return fmt.Errorf("NATS: the direct messages' history did not arrive: %w", err)
	}
	return nil
}

// afterInfo runs the test hook, if any, once a feed's last seq is read.
func (b *NatsBroker) afterInfo() {
	if b.cfg.hooks.afterInfo != nil {
		b.cfg.hooks.afterInfo()
	}
}

// Publish implements Broker. It returns once the stream has stored ev: from
// then on every node that follows its room receives it (every node, for a
// direct message), NATS outages notwithstanding. It stamps ev.Seq; the time
// is the stream's, stamped on delivery (the acknowledgement carries none).
func (b *NatsBroker) Publish(ctx context.Context, ev *model.ChatRoomRequest) error {
	if b.isClosed() {
		return ErrBrokerClosed
	}
	subject, err := b.publishSubject(ev)
	if err != nil {
		return err
	}
	ack, err := b.js.Publish(ctx, subject, model.Encode(ev))
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	ev.Seq = ack.Sequence
	return nil
}
