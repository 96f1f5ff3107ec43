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
	afterInfo func()                                      // Subscribe has read the stream's last seq
	wrapKV    func(jetstream.KeyValue) jetstream.KeyValue // the bucket as the broker uses it
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
	kvs jetstream.Stream // the bucket's own stream, for a key's latest entry

	mu      sync.Mutex
	onConn  func(up bool)     // told when the connection to NATS is lost and back
	onLost  func(name string) // told when this node lost a claim
	claims  map[string]uint64 // this node's claims: name -> the key's revision
	consume jetstream.ConsumeContext
	// delivered is the seq of the last event handed to the handler;
	// progress, when someone waits for it to grow, is closed when it does.
	delivered uint64
	progress  chan struct{}
	// online is who is in the room as this node delivered it: name -> the
	// seq of the join (0 for the names Subscribe found claimed).
	online map[string]uint64
	closed bool
	stop   chan struct{} // closed by Close: ends the refresher, reap and reconcile
	wg     sync.WaitGroup

	rewatch chan struct{} // the connection is back: reap watches anew
	recheck chan struct{} // a new watch of the claims is there: reconcile now
	renew   chan struct{} // the connection is back: refresh the claims now
}

// NewNatsBroker connects to NATS and makes sure the stream and the bucket
// exist. NATS unreachable at start is an error: the caller exits with it.
func NewNatsBroker(ctx context.Context, cfg NatsConfig, log logrus.FieldLogger) (*NatsBroker, error) {
	cfg.defaults()
	b := &NatsBroker{cfg: cfg, log: log, claims: make(map[string]uint64), online: make(map[string]uint64),
		stop: make(chan struct{}), rewatch: make(chan struct{}, 1), recheck: make(chan struct{}, 1), renew: make(chan struct{}, 1)}
	nc, err := nats.Connect(cfg.URLs,
		nats.Name("chatroom "+cfg.Node),
		nats.MaxReconnects(-1), // once up, keep trying for ever
		// No buffering while disconnected: a publish then fails at once
		// and is not sent later. Nothing acknowledged to a sender is lost;
		// a talk the sender was told was not sent is normally not
		// delivered, but one whose acknowledgement was lost in transit
		// (stored, then the link went) may still be.
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
			// The watch of the claims does not outlive a NATS restart:
			// it is made anew, and then what it missed is reconciled
			// (reap kicks recheck once the new watch is there).
			kick(b.rewatch)
			// Claims are refreshed at once: waiting for the next tick, up
			// to ClaimTTL/3, would let an outage of a third of the TTL
			// expire them, and end their sessions.
			kick(b.renew)
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
	// An update would change the TTL under every node, which all count
	// on their own: a node with another one does not start.
	if kv, err := b.js.KeyValue(ctx, cfg.NamesBucket); err == nil {
		st, err := kv.Status(ctx)
		if err != nil {
			return fail("bucket "+cfg.NamesBucket, err)
		}
		if st.TTL() != cfg.ClaimTTL {
			nc.Close()
			return nil, fmt.Errorf("NATS bucket %s keeps claims for %v, but this node's claim TTL (-claim-ttl) is %v: every node must use the same one (to change it, stop every node and delete the bucket)", cfg.NamesBucket, st.TTL(), cfg.ClaimTTL)
		}
	} else if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return fail("bucket "+cfg.NamesBucket, err)
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
	if cfg.hooks.wrapKV != nil {
		b.kv = cfg.hooks.wrapKV(b.kv)
	}
	if b.kvs, err = b.js.Stream(ctx, "KV_"+cfg.NamesBucket); err != nil {
		return fail("bucket "+cfg.NamesBucket, err)
	}
	watch, err := b.watch()
	if err != nil {
		return fail("watching "+cfg.NamesBucket, err)
	}
	b.wg.Add(3)
	go b.refresh()
	go b.reap(watch)
	go b.reconcile()
	return b, nil
}

// kick wakes whoever waits on c, once, without blocking.
func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// watch starts a watch of the changes to the claims. It lives as long as
// reap keeps it, not as long as a context.
func (b *NatsBroker) watch() (jetstream.KeyWatcher, error) {
	return b.kv.WatchAll(context.Background(), jetstream.UpdatesOnly())
}

// reap announces the leave of users whose claim vanished without a
// goodbye: it expired because their node died (or lost NATS for longer than
// ClaimTTL), or a node released a name whose join it had published but
// whose publish failed. Every node sees the key go and checks; the stream
// keeps one leave, by its message id (see leaveGone).
//
// A goodbye also removes the key (Release purges it), after the leave: by
// the time this node has delivered the stream up to where it was when it saw
// the key go, that user is no longer online here, and nothing is published.
//
// The watch is made again whenever the connection to NATS is back: the old
// one goes silent after a NATS restart. Whatever happened in between, the
// reconciliation finds.
func (b *NatsBroker) reap(w jetstream.KeyWatcher) {
	defer b.wg.Done()
	defer func() {
		if w != nil {
			w.Stop()
		}
	}()
	updates := w.Updates()
	var retry <-chan time.Time // while there is no watch
	for {
		var e jetstream.KeyValueEntry
		var ok, again bool
		select {
		case <-b.stop:
			return
		case <-b.rewatch:
			again = true
		case <-retry:
			again = true
		case e, ok = <-updates:
			if !ok {
				// The watch ended: made again on reconnecting, or else in
				// a second.
				updates, retry = nil, time.After(time.Second)
				continue
			}
		}
		if again {
			if w != nil {
				w.Stop()
			}
			var err error
			if w, err = b.watch(); err != nil {
				b.log.WithField("error", err).Warn("claims not watched; retrying")
				updates, retry = nil, time.After(time.Second)
				continue
			}
			updates, retry = w.Updates(), nil
			kick(b.recheck) // for what happened while nobody watched
			continue
		}
		// A node that dies takes its users' claims with it at once: take
		// every removal already waiting, and catch up once for all.
		var gone []string
		if name, removed := removedName(e); removed {
			gone = append(gone, name)
		}
	more:
		for range maxReapBatch - 1 {
			select {
			case e, ok = <-updates:
				if !ok {
					break more
				}
				if name, removed := removedName(e); removed {
					gone = append(gone, name)
				}
			default:
				break more
			}
		}
		if len(gone) > 0 {
			b.leaveIfGone(gone)
		}
	}
}

// maxReapBatch bounds the removals reap handles at once.
const maxReapBatch = 1024

// removedName is the username whose key e removes (a delete, a purge or an
// expiry marker), if it is one.
func removedName(e jetstream.KeyValueEntry) (string, bool) {
	if e == nil || e.Operation() == jetstream.KeyValuePut {
		return "", false
	}
	return keyName(e.Key())
}

// leaveIfGone publishes the leave of every name in names still online once
// this node has delivered the stream as it is now, whose claim is not made
// again.
func (b *NatsBroker) leaveIfGone(names []string) {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL)
	defer cancel()
	info, err := b.st.Info(ctx)
	if err == nil {
		err = b.waitDelivered(ctx, info.State.LastSeq)
	}
	if err != nil {
		if !b.isClosed() {
			b.log.WithField("error", err).Warn("removed claims not checked")
		}
		return
	}
	for _, name := range names {
		b.mu.Lock()
		_, online := b.online[name]
		b.mu.Unlock()
		if online {
			b.leaveGone(ctx, name)
		}
	}
}

// leaveGone publishes the leave of name, online here but whose claim is
// gone, unless the name is claimed again. Every node that notices publishes
// it with the same message id, made of the key and the revision of its
// latest entry (the purge, delete or expiry marker), so the stream keeps
// one (JetStream drops a repeated id for two minutes). The same claim cannot
// vanish twice, so a later vanishing has another id; the revision is 0 only
// if every entry of the key has aged out, ClaimTTL after it vanished.
func (b *NatsBroker) leaveGone(ctx context.Context, name string) {
	log := b.log.WithField("user", name)
	key := nameKey(name)
	var rev uint64
	m, err := b.kvs.GetLastMsgForSubject(ctx, b.keySubject(key))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound): // aged out: no revision left
	case err != nil:
		log.WithField("error", err).Warn("claim not checked")
		return
	case m.Header.Get(kvOperation) == "" && m.Header.Get(jetstream.MarkerReasonHeader) == "":
		return // claimed again
	default:
		rev = m.Sequence
	}
	id := fmt.Sprintf("gone:%s:%d", key, rev)
	if rev == 0 {
		// Every entry of the key aged out: the join this leave ends names
		// the vanishing instead (the same on every node), so that two
		// vanishings of one name within JetStream's two-minute dedupe
		// window are not taken for one.
		b.mu.Lock()
		id = fmt.Sprintf("gone:%s:j%d", key, b.online[name])
		b.mu.Unlock()
	}
	ev := &model.ChatRoomRequest{Type: model.TypeLeave, UserName: name}
	if _, err := b.js.Publish(ctx, b.cfg.Subject, model.Encode(ev), jetstream.WithMsgID(id)); err != nil {
		log.WithField("error", err).Warn("leave of a vanished claim not published")
		return
	}
	log.Info("claim vanished without a goodbye (its node died or was cut off): leave announced")
}

// kvOperation is the header of a key-value delete or purge entry.
const kvOperation = "KV-Operation"

// keySubject is the subject of key in the bucket's stream.
func (b *NatsBroker) keySubject(key string) string {
	return "$KV." + b.cfg.NamesBucket + "." + key
}

// reconcile compares, every ClaimTTL/5 and whenever the connection to NATS
// is back, who is online with who holds a claim, and announces the leave of
// every user online without one. Reap does this as claims go; this is for
// what a watch cannot see: removals while it was not watching, a join
// stored after its publish timed out and its name was released, a name
// claimed by a handshake that never joined (which a node started meanwhile
// lists). With the expiry after ClaimTTL, a dead node's users are gone
// within ClaimTTL*6/5 (30 s with the default 25 s) even if reap missed them.
func (b *NatsBroker) reconcile() {
	defer b.wg.Done()
	tick := time.NewTicker(b.cfg.ClaimTTL / 5)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		case <-b.recheck:
		}
		if err := b.reconcileOnce(); err != nil && !b.isClosed() {
			b.log.WithField("error", err).Debug("claims not reconciled; next round")
		}
	}
}

// reconcileOnce is one round of reconcile.
//
// A user online whose join is at most seq L, read before the keys are
// listed, claimed the name before L was stored, so before the listing: a
// missing key is gone. A join after L may come from a claim made during the
// listing, and waits for the next round. The leaves of users who said
// goodbye before their keys went are before the stream's end read after the
// listing: once this node has delivered that far, they are offline here.
func (b *NatsBroker) reconcileOnce() error {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL/5)
	defer cancel()
	info, err := b.st.Info(ctx)
	if err != nil {
		return err
	}
	joinedBy := info.State.LastSeq
	claimed, err := b.claimedKeys(ctx)
	if err != nil {
		return err
	}
	if info, err = b.st.Info(ctx); err != nil {
		return err
	}
	if err := b.waitDelivered(ctx, info.State.LastSeq); err != nil {
		return err
	}
	var gone []string
	b.mu.Lock()
	for name, seq := range b.online {
		if seq <= joinedBy && !claimed[nameKey(name)] {
			gone = append(gone, name)
		}
	}
	b.mu.Unlock()
	for _, name := range gone {
		b.leaveGone(ctx, name)
	}
	return nil
}

// claimedKeys lists the keys of the bucket that hold a claim now. Unlike
// ListKeys, it fails rather than return part of them.
func (b *NatsBroker) claimedKeys(ctx context.Context) (map[string]bool, error) {
	w, err := b.kv.WatchAll(ctx, jetstream.IgnoreDeletes(), jetstream.MetaOnly())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	keys := make(map[string]bool)
	for {
		select {
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return nil, errors.New("listing the claims: the watch ended")
			case e == nil:
				return keys, nil // all there are
			}
			keys[e.Key()] = true
		case <-ctx.Done():
			return nil, fmt.Errorf("listing the claims: %w", ctx.Err())
		}
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

// OnClaimLost sets f to be told when a claim of this node is gone or taken
// when the refresher comes to it: the node was cut off from NATS for longer
// than ClaimTTL. The broker has forgotten the claim; the room ends the
// session (see Room.endLost).
func (b *NatsBroker) OnClaimLost(f func(name string)) {
	b.mu.Lock()
	b.onLost = f
	b.mu.Unlock()
}

// Connected reports whether the connection to NATS is up now.
func (b *NatsBroker) Connected() bool { return b.nc.IsConnected() }

// nameKey is name as a key-value key: keys allow only [-/_=.a-zA-Z0-9].
func nameKey(name string) string {
	return "u_" + base64.RawURLEncoding.EncodeToString([]byte(name))
}

// keyName is the username of a key made by nameKey.
func keyName(key string) (string, bool) {
	enc, ok := strings.CutPrefix(key, "u_")
	if !ok {
		return "", false
	}
	name, err := base64.RawURLEncoding.DecodeString(enc)
	return string(name), err == nil
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
		b.mu.Lock()
		b.online[name] = 0
		b.mu.Unlock()
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
		ev, err := model.Decode(msg.Data())
		if err != nil {
			b.log.WithFields(logrus.Fields{"seq": seq, "error": err}).Warn("undecodable event in the stream")
			b.advance(seq, nil)
			return
		}
		ev.Seq, ev.Timestamp = seq, md.Timestamp.UnixMilli()
		handler(ev)
		b.advance(seq, ev)
	},
		// When the stream's leader goes (a NATS server of a cluster
		// stopped) while this node's connection stays, the consumer only
		// notices by missing two heartbeats: every second, not every five,
		// makes that a stall of 2 s instead of 10.
		jetstream.PullHeartbeat(consumerHeartbeat),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			// Mostly a lost connection or missed heartbeats; the ordered
			// consumer starts again after the last seq it delivered.
			if !b.isClosed() {
				b.log.WithField("error", err).Warn("NATS consumer error")
			}
		}))
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

// consumerHeartbeat is how often the stream's server tells the consumer it
// is there.
const consumerHeartbeat = time.Second

// advance records that the events up to seq, ev the last, have been
// delivered.
func (b *NatsBroker) advance(seq uint64, ev *model.ChatRoomRequest) {
	b.mu.Lock()
	b.delivered = seq
	switch {
	case ev == nil:
	case ev.Type == model.TypeJoin:
		b.online[ev.UserName] = seq
	case ev.Type == model.TypeLeave:
		delete(b.online, ev.UserName)
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

// claimedNames lists the usernames claimed in the whole cluster.
func (b *NatsBroker) claimedNames(ctx context.Context) ([]string, error) {
	keys, err := b.claimedKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("NATS names: %w", err)
	}
	var names []string
	for k := range keys {
		if n, ok := keyName(k); ok {
			names = append(names, n)
		}
	}
	return names, nil
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

// Claim implements Broker with an atomic create of the name's key. A name
// this node holds is taken, even if its key is gone: its session has not
// ended yet, and its end must not release a new claim.
func (b *NatsBroker) Claim(ctx context.Context, name string) error {
	if b.isClosed() {
		return ErrBrokerClosed
	}
	b.mu.Lock()
	_, held := b.claims[name]
	b.mu.Unlock()
	if held {
		return ErrNameTaken
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

// Release implements Broker: the key goes, if it is still this claim. The
// room has published the user's leave before (see reap). If the refresher
// is updating the key meanwhile, the purge fails on the revision, and the
// refresher, finding the name released, purges the new one.
//
// A purge, not a delete: a delete entry turns into an expiry marker when it
// ages out, which reap would take for a node's death, while a purge entry
// ages out without a marker (nats-server's isSubjectDeleteMarker counts a
// KV purge as a marker already).
func (b *NatsBroker) Release(name string) {
	b.mu.Lock()
	rev, ok := b.claims[name]
	delete(b.claims, name)
	closed := b.closed
	b.mu.Unlock()
	if !ok || closed {
		return // after Close, the claims expire
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.kv.Purge(ctx, nameKey(name), jetstream.LastRevision(rev))
	switch {
	case err == nil:
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		// Not this claim any more: it expired, or was taken since.
		b.log.WithField("user", name).Debug("claim already gone")
	default:
		// It expires after ClaimTTL anyway.
		b.log.WithFields(logrus.Fields{"user": name, "error": err}).Warn("claim not released")
	}
}

// refresh rewrites this node's claims every ClaimTTL/3, so that they live
// as long as the node does. A claim found gone or taken is lost: this node
// was cut off from NATS for longer than ClaimTTL, and the others announced
// its user's leave (or someone took the name). Its session ends; claiming
// the name again behind the others' backs would leave it listed nowhere
// and hearing nothing.
func (b *NatsBroker) refresh() {
	defer b.wg.Done()
	tick := time.NewTicker(b.cfg.ClaimTTL / 3)
	defer tick.Stop()
	var retry <-chan time.Time // some claims were not refreshed: again soon
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		case <-b.renew:
		case <-retry:
		}
		retry = nil
		if failed := b.refreshRound(); failed > 0 {
			retry = time.After(refreshRetry)
		}
	}
}

// refreshRetry is how soon claims that could not be refreshed (NATS out of
// reach, a timeout) are tried again, rather than at the next tick.
const refreshRetry = time.Second

// refreshRound refreshes every claim of this node once, maxRefreshes at a
// time: one after another, a round of many claims over a slow link would
// take longer than ClaimTTL.
func (b *NatsBroker) refreshRound() (failed int) {
	b.mu.Lock()
	names := make(map[string]uint64, len(b.claims))
	for n, r := range b.claims {
		names[n] = r
	}
	b.mu.Unlock()
	slots := make(chan struct{}, maxRefreshes)
	var wg sync.WaitGroup
	var mu sync.Mutex // guards failures and firstErr
	var failures int
	var firstErr error
	for name, rev := range names {
		select {
		case slots <- struct{}{}:
		case <-b.stop:
			wg.Wait()
			return 0
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := b.refreshClaim(name, rev); err != nil {
				mu.Lock()
				failures++
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failures > 0 {
		// One line a round, not one a claim: during an outage every claim
		// fails, every second.
		b.log.WithFields(logrus.Fields{"claims": failures, "error": firstErr}).Warn("claims not refreshed; trying again")
	}
	return failures
}

// maxRefreshes bounds the claim updates in flight at once.
const maxRefreshes = 64

// refreshClaim updates name's claim, held at rev. It returns the error if
// the claim is still this node's but could not be refreshed.
func (b *NatsBroker) refreshClaim(name string, rev uint64) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL/3)
	nrev, err := b.kv.Update(ctx, nameKey(name), []byte(b.cfg.Node), rev)
	cancel()
	lost, released := false, false
	b.mu.Lock()
	cur, ok := b.claims[name]
	switch {
	case err == nil && !ok:
		// Released during the update: the release's purge, made with
		// the old revision, failed (or will). The name goes here.
		released = true
	case ok && cur != rev:
		// Released and claimed again meanwhile: not this claim.
	case err == nil:
		b.claims[name] = nrev
	case ok && (errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyNotFound)):
		delete(b.claims, name)
		lost = true
	}
	onLost := b.onLost
	b.mu.Unlock()
	switch {
	case released:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := b.kv.Purge(ctx, nameKey(name), jetstream.LastRevision(nrev)); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			b.log.WithFields(logrus.Fields{"user": name, "error": err}).Warn("claim not released")
		}
		cancel()
	case lost:
		b.log.WithField("user", name).Warn("claim lost while NATS was out of reach: the session ends")
		if onLost != nil {
			onLost(name)
		}
	case err != nil && ok && cur == rev:
		return err
	}
	return nil
}

func (b *NatsBroker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Close implements Broker: the refresher, the watch, the reconciliation
// and delivery stop, and the connection closes (no drain: what Publish
// acknowledged is stored already). The claims still held expire after
// ClaimTTL.
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
