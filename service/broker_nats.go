package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"
)

// NatsConfig says how a NatsBroker reaches NATS and names what it keeps
// there. Every node of one chat service must use the same Stream, Subject,
// Prefix, DefaultRoom, NamesBucket, ModBucket and AuditStream.
type NatsConfig struct {
	URLs        string        // nats://host:4222[,nats://…]
	Node        string        // this node's name, for claims and logs
	Stream      string        // JetStream stream of the rooms' events and the direct messages; default CHATROOM
	Subject     string        // the default room's subject; default chatroom.events
	Prefix      string        // the other subjects': <prefix>.room.<room key>, <prefix>.dm; default chatroom
	DefaultRoom string        // the room of the events that name none (-default-room); default lobby
	NamesBucket string        // key-value bucket of claimed usernames; default chatroom-names
	ModBucket   string        // key-value bucket of moderation's restrictions, room settings and tombstones; default chatroom-moderation
	AuditStream string        // JetStream stream of the audit trail, on <prefix>.audit.*; default CHATROOM_AUDIT
	Keep        int64         // events the stream keeps per room (joins and leaves count), and of all direct messages together (-history-keep); default 100000, negative: no bound
	MaxAge      time.Duration // and for how long (-history-max-age); 0: for ever
	MaxEvents   int64         // events the stream keeps, all subjects together; 0: no bound but Keep's and MaxAge's
	ClaimTTL    time.Duration // a claim not refreshed for this long expires (its node died); default 25s
	HistoryScan uint64        // the last events of a room (and of the direct messages) a Follow (and Subscribe) replays; default 2000
	Replicas    int           // copies of the stream and the bucket in a NATS cluster; default 1

	hooks natsHooks // for tests
}

// natsHooks let a test step into the broker where timing cannot be
// arranged from outside. Nil hooks do nothing.
type natsHooks struct {
	afterInfo func()                                      // Subscribe or Follow has read its subject's last seq
	wrapKV    func(jetstream.KeyValue) jetstream.KeyValue // the bucket as the broker uses it
}

func (c *NatsConfig) defaults() {
	if c.Stream == "" {
		c.Stream = "CHATROOM"
	}
	if c.Subject == "" {
		c.Subject = "chatroom.events"
	}
	if c.Prefix == "" {
		c.Prefix = "chatroom"
	}
	if c.DefaultRoom == "" {
		c.DefaultRoom = "lobby"
	}
	if c.NamesBucket == "" {
		c.NamesBucket = "chatroom-names"
	}
	if c.ModBucket == "" {
		c.ModBucket = "chatroom-moderation"
	}
	if c.AuditStream == "" {
		c.AuditStream = "CHATROOM_AUDIT"
	}
	if c.Keep == 0 {
		c.Keep = 100_000
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

// NatsBroker is the Broker of a chat service served by several nodes.
// Events go through one JetStream stream, a subject per room and one for
// the direct messages: its sequence is every room's order, the same on
// every node, and its storage is the rooms' history. A node reads only the
// subjects of the rooms it follows, and the direct messages'. Usernames are
// claimed in a JetStream key-value bucket with an atomic create, each value
// naming the user's rooms; each node refreshes its claims, so those of a
// node that dies expire after ClaimTTL, and watches every claim, which
// makes the directory of who is in which room.
type NatsBroker struct {
	cfg NatsConfig
	log logrus.FieldLogger
	nc  *nats.Conn
	js  jetstream.JetStream
	st  jetstream.Stream
	kv  jetstream.KeyValue
	kvs jetstream.Stream // the bucket's own stream, for a key's latest entry

	mod   jetstream.KeyValue // moderation's bucket (broker_nats_moderation.go)
	audit jetstream.Stream   // the audit trail's stream

	index *claimIndex // every claim of the cluster, from the watch

	mu       sync.Mutex
	handlers Handlers              // the subscriber's, set by Subscribe
	claims   map[string]*heldClaim // this node's claims, by name
	dms      *feed                 // the direct messages' feed, from Subscribe
	feeds    map[string]*feed      // the followed rooms' feeds, by room
	closed   bool
	stop     chan struct{} // closed by Close: ends the refresher, reap and reconcile
	wg       sync.WaitGroup
	stopping sync.WaitGroup // the stops of unfollowed feeds' consumers

	rewatch chan struct{} // the connection is back: reap watches anew
	// modRewatch: the connection is back: the watch of moderation's
	// bucket is made anew (broker_nats_moderation_watch.go).
	modRewatch chan struct{}
	recheck    chan struct{} // a new watch of the claims is there: reconcile now
	renew      chan struct{} // the connection is back: refresh the claims now
}

// NewNatsBroker connects to NATS and makes sure the stream and the bucket
// exist. NATS unreachable at start is an error: the caller exits with it.
func NewNatsBroker(ctx context.Context, cfg NatsConfig, log logrus.FieldLogger) (*NatsBroker, error) {
	cfg.defaults()
	if err := cfg.checkSubjects(); err != nil {
		return nil, err
	}
	b := &NatsBroker{cfg: cfg, log: log, claims: make(map[string]*heldClaim),
		index: newClaimIndex(), feeds: make(map[string]*feed),
		stop: make(chan struct{}), rewatch: make(chan struct{}, 1), modRewatch: make(chan struct{}, 1), recheck: make(chan struct{}, 1), renew: make(chan struct{}, 1)}
	if err := b.connect(); err != nil {
		return nil, err
	}
	watch, err := b.setUp(ctx)
	if err != nil {
		b.mu.Lock()
		b.closed = true // closing the connection is no loss of it: nothing to report
		b.mu.Unlock()
		b.nc.Close()
		return nil, err
	}
	b.start(watch)
	return b, nil
}

// connect opens the connection to NATS, which is then kept for ever.
func (b *NatsBroker) connect() error {
	nc, err := nats.Connect(b.cfg.URLs,
		nats.Name("chatroom "+b.cfg.Node),
		nats.MaxReconnects(-1), // once up, keep trying for ever
		// No buffering while disconnected: a publish then fails at once
		// and is not sent later. Nothing acknowledged to a sender is lost;
		// a talk the sender was told was not sent is normally not
		// delivered, but one whose acknowledgement was lost in transit
		// (stored, then the link went) may still be.
		nats.ReconnectBufSize(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.DisconnectErrHandler(b.disconnected),
		nats.ReconnectHandler(b.reconnected),
	)
	if err != nil {
		return fmt.Errorf("cannot connect to NATS at %s: %w", b.cfg.URLs, err)
	}
	b.nc = nc
	return nil
}

// disconnected and reconnected are told by nats.go, on its own goroutine,
// when the connection is lost and back: possibly after Close has returned
// (and the log file is shut), and then they are silent.
func (b *NatsBroker) disconnected(_ *nats.Conn, err error) {
	if b.isClosed() {
		return
	}
	b.log.WithField("error", err).Warn("NATS connection lost; reconnecting")
	b.connectionChanged(false)
}

func (b *NatsBroker) reconnected(c *nats.Conn) {
	if b.isClosed() {
		return
	}
	b.log.WithField("url", c.ConnectedUrlRedacted()).Info("NATS reconnected")
	// The watch of the claims does not outlive a NATS restart: it is made
	// anew, and then what it missed is reconciled (reap kicks recheck once
	// the new watch is there).
	kick(b.rewatch)
	kick(b.modRewatch)
	// Claims are refreshed at once: waiting for the next tick, up to
	// ClaimTTL/3, would let an outage of a third of the TTL expire them,
	// and end their sessions.
	kick(b.renew)
	b.connectionChanged(true)
}

// connectionChanged tells the subscriber's Link, if any, that the
// connection to NATS is lost or back.
func (b *NatsBroker) connectionChanged(up bool) {
	b.mu.Lock()
	f, closed := b.handlers.Link, b.closed
	b.mu.Unlock()
	if f != nil && !closed {
		f(up)
	}
}

// setUp makes sure the stream and the bucket exist, and starts watching
// the claims. On error, the caller closes the connection.
func (b *NatsBroker) setUp(ctx context.Context) (jetstream.KeyWatcher, error) {
	var err error
	if b.js, err = jetstream.New(b.nc); err != nil {
		return nil, fmt.Errorf("NATS JetStream: %w", err)
	}
	if err := b.ensureStream(ctx); err != nil {
		return nil, err
	}
	if err := b.ensureBucket(ctx); err != nil {
		return nil, err
	}
	if err := b.ensureModeration(ctx); err != nil {
		return nil, err
	}
	watch, err := b.watch(ctx)
	if err != nil {
		return nil, fmt.Errorf("NATS watching %s: %w", b.cfg.NamesBucket, err)
	}
	return watch, nil
}

// ensureStream creates the stream, or updates it to this config (a stream
// made by an older node kept 2000 events per subject for 24 hours, and had
// no direct get). Each subject keeps its last Keep events, for MaxAge; the
// stream its last MaxEvents. History reads it by direct get.
func (b *NatsBroker) ensureStream(ctx context.Context) error {
	var err error
	b.st, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              b.cfg.Stream,
		Subjects:          b.streamSubjects(),
		Storage:           jetstream.FileStorage,
		MaxMsgs:           noBound(b.cfg.MaxEvents),
		MaxMsgsPerSubject: noBound(b.cfg.Keep),
		MaxAge:            max(b.cfg.MaxAge, 0),
		AllowDirect:       true,
		Discard:           jetstream.DiscardOld,
		Retention:         jetstream.LimitsPolicy,
		Replicas:          b.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("NATS stream %s: %w", b.cfg.Stream, err)
	}
	return nil
}

// noBound is n as a JetStream limit: -1 (none) for 0 or less.
func noBound(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

// ensureBucket creates the bucket of claims, or updates it to this config
// if its TTL is this node's.
func (b *NatsBroker) ensureBucket(ctx context.Context) error {
	if err := b.checkBucketTTL(ctx); err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("NATS bucket %s: %w", b.cfg.NamesBucket, err) }
	var err error
	b.kv, err = b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   b.cfg.NamesBucket,
		TTL:      b.cfg.ClaimTTL,
		Storage:  jetstream.FileStorage,
		Replicas: b.cfg.Replicas,
		// An expired claim leaves a marker that watchers see: that is how
		// the other nodes learn that a node died with users on it.
		LimitMarkerTTL: b.cfg.ClaimTTL,
	})
	if err != nil {
		return fail(err)
	}
	if b.cfg.hooks.wrapKV != nil {
		b.kv = b.cfg.hooks.wrapKV(b.kv)
	}
	if b.kvs, err = b.js.Stream(ctx, "KV_"+b.cfg.NamesBucket); err != nil {
		return fail(err)
	}
	return nil
}

// checkBucketTTL refuses a bucket that exists with another TTL than
// ClaimTTL. An update would change the TTL under every node, which all
// count on their own: a node with another one does not start.
func (b *NatsBroker) checkBucketTTL(ctx context.Context) error {
	kv, err := b.js.KeyValue(ctx, b.cfg.NamesBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil
	}
	var st jetstream.KeyValueStatus
	if err == nil {
		st, err = kv.Status(ctx)
	}
	if err != nil {
		return fmt.Errorf("NATS bucket %s: %w", b.cfg.NamesBucket, err)
	}
	if st.TTL() != b.cfg.ClaimTTL {
		return fmt.Errorf("NATS bucket %s keeps claims for %v, but this node's claim TTL (-claim-ttl) is %v: every node must use the same one (to change it, stop every node and delete the bucket, see docs/operations.md)", b.cfg.NamesBucket, st.TTL(), b.cfg.ClaimTTL)
	}
	return nil
}

// start runs what goes on until Close: the refresher of this node's
// claims, the reaper of vanished ones (on watch) and the reconciliation.
func (b *NatsBroker) start(watch jetstream.KeyWatcher) {
	b.wg.Add(3)
	go b.refresh()
	go b.reap(watch)
	go b.reconcile()
}

// kick wakes whoever waits on c, once, without blocking.
func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Connected implements Broker: the connection to NATS is up now.
func (b *NatsBroker) Connected() bool { return b.nc.IsConnected() }

func (b *NatsBroker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Close implements Broker: the refresher, the watch, the reconciliation
// and every feed stop, and the connection closes (no drain: what Publish
// acknowledged is stored already). The claims still held expire after
// ClaimTTL.
func (b *NatsBroker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	feeds := make([]*feed, 0, len(b.feeds)+1)
	for _, f := range b.feeds {
		feeds = append(feeds, f)
	}
	if b.dms != nil {
		feeds = append(feeds, b.dms)
	}
	b.mu.Unlock()
	close(b.stop)
	b.wg.Wait()
	for _, f := range feeds {
		if cc := f.stop(); cc != nil {
			cc.Stop()
		}
	}
	b.stopping.Wait()
	b.nc.Close()
	return nil
}
