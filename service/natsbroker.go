package service

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"chatroom/model"
)

// NatsConfig says how a NatsBroker reaches NATS and names what it keeps
// there. Every node of one room must use the same Stream, Subject and
// NamesBucket.
type NatsConfig struct {
	URLs        string        // nats://host:4222[,nats://…]
	Node        string        // this node's name, for claims and logs
	Stream      string        // JetStream stream of the room's events; default CHATROOM
	Subject     string        // its subject; default chatroom.events
	NamesBucket string        // key-value bucket of claimed usernames; default chatroom-names
	MaxEvents   int64         // events the stream keeps (history for late joiners); default 100000
	MaxAge      time.Duration // and for how long; default 24h
	ClaimTTL    time.Duration // a claim not refreshed for this long expires (its node died); default 25s
	HistoryScan uint64        // at start, the last events read for the room's history; default 2000
	Replicas    int           // copies of the stream and the bucket in a NATS cluster; default 1

	hooks natsHooks // for tests
}

// natsHooks let a test step into the broker where timing cannot be
// arranged from outside. Nil hooks do nothing.
type natsHooks struct {
	afterInfo func() // Subscribe has read the stream's last seq
}

func (c *NatsConfig) defaults() {
	if c.Stream == "" {
		c.Stream = "CHATROOM"
	}
	if c.Subject == "" {
		c.Subject = "chatroom.events"
	}
	if c.NamesBucket == "" {
		c.NamesBucket = "chatroom-names"
	}
	if c.MaxEvents <= 0 {
		c.MaxEvents = 100_000
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 24 * time.Hour
	}
	if c.ClaimTTL <= 0 {
		c.ClaimTTL = 25 * time.Second
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.HistoryScan == 0 {
		c.HistoryScan = 2000
	}
}

var _ Broker = (*NatsBroker)(nil)

// NatsBroker is the Broker of a room served by several nodes. Events go
// through one JetStream stream: its sequence is the room's order, the same
// on every node, and its storage is the room's history. Usernames are
// claimed in a JetStream key-value bucket with an atomic create; each node
// refreshes its claims, so those of a node that dies expire after ClaimTTL.
type NatsBroker struct {
	cfg NatsConfig
	log logrus.FieldLogger
	nc  *nats.Conn
	js  jetstream.JetStream
	st  jetstream.Stream
	kv  jetstream.KeyValue

	mu      sync.Mutex
	onConn  func(up bool)     // told when the connection to NATS is lost and back
	claims  map[string]uint64 // this node's claims: name -> the key's revision
	consume jetstream.ConsumeContext
	// delivered is the seq of the last event handed to the handler;
	// progress, when someone waits for it to grow, is closed when it does.
	delivered uint64
	progress  chan struct{}
	closed    bool
	stop      chan struct{} // closed by Close: ends the refresher
	wg        sync.WaitGroup
}

// NewNatsBroker connects to NATS and makes sure the stream and the bucket
// exist. NATS unreachable at start is an error: the caller exits with it.
func NewNatsBroker(ctx context.Context, cfg NatsConfig, log logrus.FieldLogger) (*NatsBroker, error) {
	cfg.defaults()
	b := &NatsBroker{cfg: cfg, log: log, claims: make(map[string]uint64), stop: make(chan struct{})}
	nc, err := nats.Connect(cfg.URLs,
		nats.Name("chatroom "+cfg.Node),
		nats.MaxReconnects(-1), // once up, keep trying for ever
		// No buffering while disconnected: a publish then fails at once,
		// so a sender told "not sent" is right, and nothing it gave up on
		// turns up later.
		nats.ReconnectBufSize(-1),
		nats.ReconnectWait(500*time.Millisecond),
		// The handlers run on nats.go's own goroutine, possibly after
		// Close has returned (and the log file is shut): then they are
		// silent.
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if b.isClosed() {
				return
			}
			log.WithField("error", err).Warn("NATS connection lost; reconnecting")
			b.connectionChanged(false)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			if b.isClosed() {
				return
			}
			log.WithField("url", c.ConnectedUrlRedacted()).Info("NATS reconnected")
			b.connectionChanged(true)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to NATS at %s: %w", cfg.URLs, err)
	}
	b.nc = nc
	fail := func(what string, err error) (*NatsBroker, error) {
		nc.Close()
		return nil, fmt.Errorf("NATS %s: %w", what, err)
	}
	if b.js, err = jetstream.New(nc); err != nil {
		return fail("JetStream", err)
	}
	b.st, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      cfg.Stream,
		Subjects:  []string{cfg.Subject},
		Storage:   jetstream.FileStorage,
		MaxMsgs:   cfg.MaxEvents,
		MaxAge:    cfg.MaxAge,
		Discard:   jetstream.DiscardOld,
		Retention: jetstream.LimitsPolicy,
		Replicas:  cfg.Replicas,
	})
	if err != nil {
		return fail("stream "+cfg.Stream, err)
	}
	b.kv, err = b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   cfg.NamesBucket,
		TTL:      cfg.ClaimTTL,
		Storage:  jetstream.FileStorage,
		Replicas: cfg.Replicas,
		// An expired claim leaves a marker that watchers see: that is how
		// the other nodes learn that a node died with users on it.
		LimitMarkerTTL: cfg.ClaimTTL,
	})
	if err != nil {
		return fail("bucket "+cfg.NamesBucket, err)
	}
	// The watch lives as long as the broker (reap stops it), not as long
	// as ctx, which only bounds the set-up.
	watch, err := b.kv.WatchAll(context.Background(), jetstream.UpdatesOnly())
	if err != nil {
		return fail("watching "+cfg.NamesBucket, err)
	}
	b.wg.Add(2)
	go b.refresh()
	go b.reap(watch)
	return b, nil
}

// reap announces the leave of every user whose claim expired: its node
// died (or lost NATS for longer than ClaimTTL) without saying goodbye. A
// goodbye deletes the claim instead, which is not an expiry. Every node
// sees the expiry and publishes the leave; the stream keeps one, by its
// message id.
func (b *NatsBroker) reap(w jetstream.KeyWatcher) {
	defer b.wg.Done()
	defer w.Stop()
	for {
		var e jetstream.KeyValueEntry
		select {
		case <-b.stop:
			return
		case e = <-w.Updates():
		}
		if e == nil || e.Operation() != jetstream.KeyValuePurge {
			continue
		}
		enc, ok := strings.CutPrefix(e.Key(), "u_")
		if !ok {
			continue
		}
		name, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			continue
		}
		ev := &model.ChatRoomRequest{Type: model.TypeLeave, UserName: string(name)}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = b.js.Publish(ctx, b.cfg.Subject, model.Encode(ev), jetstream.WithMsgID(fmt.Sprintf("expired:%s:%d", e.Key(), e.Revision())))
		cancel()
		if err != nil {
			b.log.WithFields(logrus.Fields{"user": string(name), "error": err}).Warn("leave of an expired claim not published")
			continue
		}
		b.log.WithField("user", string(name)).Info("claim expired: its node is gone; leave announced")
	}
}

// OnConnectionChange sets f to be told when the connection to NATS is lost
// (up false) and when it is back: the server tells its users.
func (b *NatsBroker) OnConnectionChange(f func(up bool)) {
	b.mu.Lock()
	b.onConn = f
	b.mu.Unlock()
}

func (b *NatsBroker) connectionChanged(up bool) {
	b.mu.Lock()
	f, closed := b.onConn, b.closed
	b.mu.Unlock()
	if f != nil && !closed {
		f(up)
	}
}

// Connected reports whether the connection to NATS is up now.
func (b *NatsBroker) Connected() bool { return b.nc.IsConnected() }

// nameKey is name as a key-value key: keys allow only [-/_=.a-zA-Z0-9].
func nameKey(name string) string {
	return "u_" + base64.RawURLEncoding.EncodeToString([]byte(name))
}

// Subscribe implements Broker. A node starting in a running cluster first
// learns the room as it is: every claimed name arrives as a join (the
// claims outlive the stream's limits), then the last HistoryScan events
// arrive in order, which fills the room's history and settles who joined or
// left meanwhile (joins and leaves are idempotent). Then the same ordered
// consumer delivers every later event, in the stream's order, across
// reconnects. Subscribe returns once the past is in, before any member
// joins.
func (b *NatsBroker) Subscribe(handler func(*model.ChatRoomRequest)) error {
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
	names, err := b.claimedNames(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		handler(&model.ChatRoomRequest{Type: model.TypeJoin, UserName: name})
	}
	start := info.State.FirstSeq
	if last >= b.cfg.HistoryScan && last-b.cfg.HistoryScan+1 > start {
		start = last - b.cfg.HistoryScan + 1
	}
	start = max(start, 1)
	cons, err := b.st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   start,
	})
	if err != nil {
		return fmt.Errorf("NATS consumer: %w", err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		md, err := msg.Metadata()
		if err != nil {
			b.log.WithField("error", err).Warn("NATS message without metadata")
			return
		}
		seq := md.Sequence.Stream
		defer b.advance(seq)
		ev, err := model.Decode(msg.Data())
		if err != nil {
			b.log.WithFields(logrus.Fields{"seq": seq, "error": err}).Warn("undecodable event in the stream")
			return
		}
		ev.Seq, ev.Timestamp = seq, md.Timestamp.UnixMilli()
		handler(ev)
	})
	if err != nil {
		return fmt.Errorf("NATS consume: %w", err)
	}
	b.mu.Lock()
	b.consume = cc
	b.mu.Unlock()
	if last < start {
		return nil // nothing to read back
	}
	if err := b.waitDelivered(ctx, last); err != nil {
		return fmt.Errorf("NATS: the room's history did not arrive: %w", err)
	}
	return nil
}

// advance records that the events up to seq have been delivered.
func (b *NatsBroker) advance(seq uint64) {
	b.mu.Lock()
	b.delivered = seq
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

// claimedNames lists the usernames claimed in the whole cluster.
func (b *NatsBroker) claimedNames(ctx context.Context) ([]string, error) {
	keys, err := b.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("NATS names: %w", err)
	}
	var names []string
	for k := range keys.Keys() {
		enc, ok := strings.CutPrefix(k, "u_")
		if !ok {
			continue
		}
		if n, err := base64.RawURLEncoding.DecodeString(enc); err == nil {
			names = append(names, string(n))
		}
	}
	return names, nil
}

// Publish implements Broker. It returns once the stream has stored ev: from
// then on every node receives it, NATS outages notwithstanding.
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

// Claim implements Broker with an atomic create of the name's key.
func (b *NatsBroker) Claim(ctx context.Context, name string) error {
	if b.isClosed() {
		return ErrBrokerClosed
	}
	rev, err := b.kv.Create(ctx, nameKey(name), []byte(b.cfg.Node))
	switch {
	case errors.Is(err, jetstream.ErrKeyExists):
		return ErrNameTaken
	case err != nil:
		return fmt.Errorf("claim: %w", err)
	}
	b.mu.Lock()
	b.claims[name] = rev
	b.mu.Unlock()
	return nil
}

// Release implements Broker: the key goes, if it is still this claim.
func (b *NatsBroker) Release(name string) {
	b.mu.Lock()
	rev, ok := b.claims[name]
	delete(b.claims, name)
	b.mu.Unlock()
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.kv.Delete(ctx, nameKey(name), jetstream.LastRevision(rev)); err != nil {
		// It expires after ClaimTTL anyway.
		b.log.WithFields(logrus.Fields{"user": name, "error": err}).Warn("claim not released")
	}
}

// refresh rewrites this node's claims every ClaimTTL/3, so that they live
// as long as the node does.
func (b *NatsBroker) refresh() {
	defer b.wg.Done()
	tick := time.NewTicker(b.cfg.ClaimTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		}
		b.mu.Lock()
		names := make(map[string]uint64, len(b.claims))
		for n, r := range b.claims {
			names[n] = r
		}
		b.mu.Unlock()
		for name, rev := range names {
			ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL/3)
			nrev, err := b.kv.Update(ctx, nameKey(name), []byte(b.cfg.Node), rev)
			cancel()
			b.mu.Lock()
			if cur, ok := b.claims[name]; ok && cur == rev {
				if err == nil {
					b.claims[name] = nrev
				}
			}
			b.mu.Unlock()
			if err != nil {
				b.reclaim(name, rev, err)
			}
		}
	}
}

// reclaim handles a claim that could not be refreshed. NATS may be down
// (the next round tries again), or the claim expired while this node could
// not reach NATS, and the others were told its user left: then the name is
// claimed again and its join announced again.
func (b *NatsBroker) reclaim(name string, rev uint64, err error) {
	log := b.log.WithFields(logrus.Fields{"user": name, "error": err})
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL/3)
	defer cancel()
	if _, gerr := b.kv.Get(ctx, nameKey(name)); !errors.Is(gerr, jetstream.ErrKeyNotFound) {
		log.Warn("claim not refreshed")
		return
	}
	nrev, err := b.kv.Create(ctx, nameKey(name), []byte(b.cfg.Node))
	if err != nil {
		log.WithField("error", err).Warn("claim expired and could not be made again")
		return
	}
	b.mu.Lock()
	if cur, ok := b.claims[name]; !ok || cur != rev {
		b.mu.Unlock()
		return // released meanwhile
	}
	b.claims[name] = nrev
	b.mu.Unlock()
	if _, err := b.js.Publish(ctx, b.cfg.Subject, model.Encode(&model.ChatRoomRequest{Type: model.TypeJoin, UserName: name})); err != nil {
		log.WithField("error", err).Warn("join after a reclaim not published")
		return
	}
	log.Info("claim had expired while NATS was out of reach: claimed and joined again")
}

func (b *NatsBroker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Close implements Broker: delivery stops and the connection drains. The
// claims still held expire after ClaimTTL.
func (b *NatsBroker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	cc := b.consume
	b.mu.Unlock()
	close(b.stop)
	b.wg.Wait()
	if cc != nil {
		cc.Stop()
	}
	b.nc.Close()
	return nil
}
