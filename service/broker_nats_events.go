package service

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"chatroom/model"
)

const (
	// How often the stream's server tells the consumer it is there.
	consumerHeartbeat = time.Second
)

// Subscribe implements Broker. A node starting in a running cluster first
// learns the room as it is: every claimed name arrives as a join (the
// claims outlive the stream's limits), then the last HistoryScan events
// arrive in order, which fills the room's history and settles who joined or
// left meanwhile (joins and leaves are idempotent). Then the same ordered
// consumer delivers every later event, in the stream's order, across
// reconnects. Subscribe returns once the past is in, before any member
// joins. h.ClaimLost is told of a claim found gone or taken when the
// refresher comes to it (see refresh); h.Link, of the connection to NATS
// lost and back.
func (b *NatsBroker) Subscribe(h Handlers) error {
	b.mu.Lock()
	b.handlers = h
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := b.st.Info(ctx)
	if err != nil {
		return fmt.Errorf("NATS stream info: %w", err)
	}
	last := info.State.LastSeq // events up to here are the past
	if b.cfg.hooks.afterInfo != nil {
		b.cfg.hooks.afterInfo()
	}
	if err := b.deliverClaimed(ctx, h.Event); err != nil {
		return err
	}
	start := b.historyStart(info.State.FirstSeq, last)
	if err := b.startConsumer(ctx, start, h.Event); err != nil {
		return err
	}
	if last < start {
		return nil // nothing to read back
	}
	if err := b.waitDelivered(ctx, last); err != nil {
		return fmt.Errorf("NATS: the room's history did not arrive: %w", err)
	}
	return nil
}

// deliverClaimed hands handler a join for every name claimed now, and
// counts it online.
func (b *NatsBroker) deliverClaimed(ctx context.Context, handler func(*model.ChatRoomRequest)) error {
	names, err := b.claimedNames(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		handler(&model.ChatRoomRequest{Type: model.TypeJoin, UserName: name})
		b.mu.Lock()
		b.setOnline(name, 0)
		b.mu.Unlock()
	}
	return nil
}

// historyStart is the seq of the first of the last HistoryScan events of
// a stream that holds first to last.
func (b *NatsBroker) historyStart(first, last uint64) uint64 {
	start := first
	if last >= b.cfg.HistoryScan && last-b.cfg.HistoryScan+1 > start {
		start = last - b.cfg.HistoryScan + 1
	}
	return max(start, 1)
}

// startConsumer starts the ordered consumer that hands handler every event
// from seq start on, in the stream's order, across reconnects.
func (b *NatsBroker) startConsumer(ctx context.Context, start uint64, handler func(*model.ChatRoomRequest)) error {
	cons, err := b.st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   start,
	})
	if err != nil {
		return fmt.Errorf("NATS consumer: %w", err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) { b.deliver(msg, handler) },
		// When the stream's leader goes (a NATS server of a cluster
		// stopped) while this node's connection stays, the consumer only
		// notices by missing two heartbeats: consumerHeartbeat bounds that
		// stall.
		jetstream.PullHeartbeat(consumerHeartbeat),
		jetstream.ConsumeErrHandler(b.consumerError))
	if err != nil {
		return fmt.Errorf("NATS consume: %w", err)
	}
	b.mu.Lock()
	b.consume = cc
	b.mu.Unlock()
	return nil
}

// deliver hands handler the event msg carries, stamped with its seq and
// time in the stream.
func (b *NatsBroker) deliver(msg jetstream.Msg, handler func(*model.ChatRoomRequest)) {
	md, err := msg.Metadata()
	if err != nil {
		b.log.WithField("error", err).Warn("NATS message without metadata")
		return
	}
	seq := md.Sequence.Stream
	ev, err := model.Decode(msg.Data())
	if err != nil {
		b.log.WithFields(logrus.Fields{"seq": seq, "error": err}).Warn("undecodable event in the stream")
		b.advance(seq, nil)
		return
	}
	ev.Seq, ev.Timestamp = seq, md.Timestamp.UnixMilli()
	handler(ev)
	b.advance(seq, ev)
}

// consumerError logs what goes wrong with the consumer: mostly a lost
// connection or missed heartbeats, after which the ordered consumer starts
// again after the last seq it delivered.
func (b *NatsBroker) consumerError(_ jetstream.ConsumeContext, err error) {
	if !b.isClosed() {
		b.log.WithField("error", err).Warn("NATS consumer error")
	}
}

// advance records that the events up to seq, ev the last, have been
// delivered.
func (b *NatsBroker) advance(seq uint64, ev *model.ChatRoomRequest) {
	b.mu.Lock()
	b.delivered = seq
	switch {
	case ev == nil:
	case ev.Type == model.TypeJoin:
		b.setOnline(ev.UserName, seq)
	case ev.Type == model.TypeLeave:
		b.setOffline(ev.UserName)
	}
	if b.progress != nil {
		close(b.progress)
		b.progress = nil
	}
	b.mu.Unlock()
}

// waitDelivered returns once this node has delivered the events up to seq,
// or once seq is no longer in the stream (it aged out, or was purged): then
// it never will be, and what came after it is delivered in order anyway.
func (b *NatsBroker) waitDelivered(ctx context.Context, seq uint64) error {
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	for {
		b.mu.Lock()
		if b.delivered >= seq {
			b.mu.Unlock()
			return nil
		}
		if b.progress == nil {
			b.progress = make(chan struct{})
		}
		progress := b.progress
		b.mu.Unlock()
		select {
		case <-progress:
		case <-poll.C:
			if info, err := b.st.Info(ctx); err == nil && info.State.FirstSeq > seq {
				return nil
			}
		case <-b.stop:
			return ErrBrokerClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Publish implements Broker. It returns once the stream has stored ev: from
// then on every node receives it, NATS outages notwithstanding. It stamps
// ev.Seq; the time is the stream's, stamped on delivery (the
// acknowledgement carries none).
func (b *NatsBroker) Publish(ctx context.Context, ev *model.ChatRoomRequest) error {
	if b.isClosed() {
		return ErrBrokerClosed
	}
	ack, err := b.js.Publish(ctx, b.cfg.Subject, model.Encode(ev))
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	ev.Seq = ack.Sequence
	return nil
}
