package service

// This file owns the NATS broker's feeds: each is one ordered consumer of
// the stream, filtered on one subject (a followed room's, or the direct
// messages'), that hands the subscriber each event in the stream's order,
// across reconnects, from its own goroutine; and the wait for a feed to
// have delivered its past.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"chatroom/model"
)

const (
	// How often the stream's server tells a consumer it is there.
	consumerHeartbeat = time.Second
	// How long the server keeps a consumer no one pulls from.
	consumerInactive = 10 * time.Second
)

// errUnfollowed ends a wait for a feed that was stopped meanwhile.
var errUnfollowed = errors.New("room no longer followed")

// feed is one ordered consumer and what it delivered.
type feed struct {
	room    string // "" for the direct messages
	subject string
	handler func(*model.ChatRoomRequest)
	// hand is held while an event of this feed is handed over: the
	// subscriber gets them one at a time, in order, whoever hands them
	// (the consumer, or Follow with the room's members).
	hand sync.Mutex
	// ready is closed once Follow has delivered the past, or failed (err).
	ready chan struct{}
	err   error

	mu sync.Mutex // guards what follows
	cc jetstream.ConsumeContext
	// delivered is the seq of the last event handed over; progress, when
	// someone waits for it to grow, is closed when it does.
	delivered uint64
	progress  chan struct{}
	// online is who is in the room as this feed delivered it, by the key
	// of their claim (see nameKey); nil for the direct messages.
	online  map[string]onlineUser
	stopped bool
}

// onlineUser is one user in a room as a feed delivered it.
type onlineUser struct {
	name string
	seq  uint64 // the seq of the join (0 for the members Follow found)
}

func newFeed(room, subject string, handler func(*model.ChatRoomRequest)) *feed {
	f := &feed{room: room, subject: subject, handler: handler, ready: make(chan struct{})}
	if room != "" {
		f.online = make(map[string]onlineUser)
	}
	return f
}

// startFeed starts f's ordered consumer, from the event with seq from (0:
// the first its subject keeps).
func (b *NatsBroker) startFeed(ctx context.Context, f *feed, from uint64) error {
	policy := jetstream.DeliverAllPolicy
	if from > 0 {
		policy = jetstream.DeliverByStartSequencePolicy
	}
	cons, err := b.st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{f.subject},
		DeliverPolicy:  policy,
		OptStartSeq:    from,
		// A stopped feed's consumer goes from the server this long after
		// its last pull (nats.go's default is 5 minutes: a user joining
		// and parting a room alone on a node would leave one behind each
		// time). A live one pulls every consumerHeartbeat.
		InactiveThreshold: consumerInactive,
	})
	if err != nil {
		return fmt.Errorf("NATS consumer: %w", err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) { b.deliver(f, msg) },
		// When the stream's leader goes (a NATS server of a cluster
		// stopped) while this node's connection stays, the consumer only
		// notices by missing two heartbeats: consumerHeartbeat bounds that
		// stall.
		jetstream.PullHeartbeat(consumerHeartbeat),
		jetstream.ConsumeErrHandler(b.consumerError))
	if err != nil {
		return fmt.Errorf("NATS consume: %w", err)
	}
	f.mu.Lock()
	stopped := f.stopped
	if !stopped {
		f.cc = cc
	}
	f.mu.Unlock()
	if stopped {
		cc.Stop()
		return errUnfollowed
	}
	return nil
}

// stop stops f: nothing more is handed over, and whoever waits for it is
// told. It returns f's consumer, if any, for the caller to stop.
func (f *feed) stop() jetstream.ConsumeContext {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	f.wake()
	cc := f.cc
	f.cc = nil
	return cc
}

// wake tells whoever waits on f. The caller holds f.mu.
func (f *feed) wake() {
	if f.progress != nil {
		close(f.progress)
		f.progress = nil
	}
}

// deliver hands f's handler the event msg carries, stamped with its seq
// and time in the stream, and its room.
func (b *NatsBroker) deliver(f *feed, msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		b.log.WithField("error", err).Warn("NATS message without metadata")
		return
	}
	seq := md.Sequence.Stream
	f.hand.Lock()
	defer f.hand.Unlock()
	ev, err := model.Decode(msg.Data())
	if err != nil {
		b.log.WithFields(logrus.Fields{"seq": seq, "error": err}).Warn("undecodable event in the stream")
		f.advance(seq, nil)
		return
	}
	ev.Seq, ev.Timestamp = seq, md.Timestamp.UnixMilli()
	if f.room != "" {
		ev.Room = f.room // the default room's events of before rooms have none
	}
	if f.isStopped() {
		return
	}
	f.handler(ev)
	f.advance(seq, ev)
}

func (f *feed) isStopped() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stopped
}

// consumerError logs what goes wrong with a consumer: mostly a lost
// connection or missed heartbeats, after which the ordered consumer starts
// again after the last seq it delivered.
func (b *NatsBroker) consumerError(_ jetstream.ConsumeContext, err error) {
	if !b.isClosed() {
		b.log.WithField("error", err).Warn("NATS consumer error")
	}
}

// advance records that f delivered the events up to seq, ev the last.
func (f *feed) advance(seq uint64, ev *model.ChatRoomRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delivered = max(f.delivered, seq)
	switch {
	case ev == nil || f.online == nil:
	case ev.Type == model.TypeJoin:
		f.online[nameKey(ev.UserName)] = onlineUser{name: ev.UserName, seq: seq}
	case ev.Type == model.TypeLeave:
		key := nameKey(ev.UserName)
		if u, ok := f.online[key]; ok && u.name == ev.UserName {
			delete(f.online, key)
		}
	}
	f.wake()
}

// lastSeq is the seq of the last event the stream keeps on subject, 0 if
// none.
func (b *NatsBroker) lastSeq(ctx context.Context, subject string) (uint64, error) {
	m, err := b.st.GetLastMsgForSubject(ctx, subject)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("NATS: the last event of %s: %w", subject, err)
	}
	return m.Sequence, nil
}

// waitDelivered returns once f has delivered the events up to seq, or once
// seq is no longer in the stream (it aged out, or was purged): then it
// never will be, and what came after it is delivered in order anyway.
func (b *NatsBroker) waitDelivered(ctx context.Context, f *feed, seq uint64) error {
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	for {
		f.mu.Lock()
		delivered, stopped := f.delivered, f.stopped
		if f.progress == nil {
			f.progress = make(chan struct{})
		}
		progress := f.progress
		f.mu.Unlock()
		switch {
		case delivered >= seq:
			return nil
		case stopped:
			return errUnfollowed
		}
		select {
		case <-progress:
		case <-poll.C:
			if last, err := b.lastSeq(ctx, f.subject); err == nil && last < seq {
				return nil // seq is gone, and so is every event before it
			}
		case <-b.stop:
			return ErrBrokerClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// replayFrom is the seq of the first of the last HistoryScan events of
// subject up to last, where a feed starts (0: the first event it keeps).
// A subject keeps up to Keep events, which a feed does not read all.
func (b *NatsBroker) replayFrom(ctx context.Context, subject string, last uint64) (uint64, error) {
	if last == 0 {
		return 0, nil
	}
	from, _, all, err := b.windowStart(ctx, subject, last+1, b.cfg.HistoryScan, 0)
	if err != nil || all {
		return 0, err
	}
	return from, nil
}

// catchUp returns once f has delivered what its subject holds now.
func (b *NatsBroker) catchUp(ctx context.Context, f *feed) error {
	last, err := b.lastSeq(ctx, f.subject)
	if err != nil || last == 0 {
		return err
	}
	return b.waitDelivered(ctx, f, last)
}
