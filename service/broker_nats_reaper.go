package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"

	"chatroom/model"
)

const (
	// Most claim removals that reap takes in one batch.
	maxReapBatch = 1024
	// Header of a key-value delete or purge entry.
	kvOperation = "KV-Operation"
)

// watch starts a watch of every claim, and loads what it finds first into
// the index. The watch lives as long as reap keeps it, not as long as ctx,
// which bounds the load.
func (b *NatsBroker) watch(ctx context.Context) (jetstream.KeyWatcher, error) {
	info, err := b.kvs.Info(ctx)
	if err != nil {
		return nil, err
	}
	w, err := b.kv.WatchAll(context.Background())
	if err != nil {
		return nil, err
	}
	if err := b.index.load(ctx, w, info.State.LastSeq, b.cfg.DefaultRoom); err != nil {
		w.Stop()
		return nil, err
	}
	return w, nil
}

// errNoWatch is a watch of the claims that ended before its first values.
var errNoWatch = errors.New("the watch of the claims ended")

// reap keeps the index of the claims up to date, and announces the leave of
// users whose claim vanished without a goodbye: it expired because their
// node died (or lost NATS for longer than ClaimTTL), or a node released a
// name whose join it had published but whose publish failed. Every node
// sees the key go and checks, in every room it follows; the stream keeps
// one leave per room, by its message id (see announceVanished).
//
// A goodbye also removes the key (Release purges it), after the leaves: by
// the time this node has delivered a room's subject up to where it was when
// it saw the key go, that user is no longer in the room here, and nothing
// is published.
//
// The watch is made again whenever the connection to NATS is back: the old
// one goes silent after a NATS restart. Whatever happened in between, the
// new watch's first values and the reconciliation find.
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
		select {
		case <-b.stop:
			return
		case <-b.rewatch:
		case <-retry:
		case e, ok := <-updates:
			if !ok {
				// The watch ended: made again on reconnecting, or else in
				// a second.
				updates, retry = nil, time.After(time.Second)
			} else if gone := b.applyEntries(e, updates); len(gone) > 0 {
				b.checkRemovals(gone)
			}
			continue
		}
		w, updates, retry = b.watchAgain(w)
	}
}

// watchAgain stops w, if any, and watches the claims anew. If that fails,
// there are no updates, and retry fires in a second.
func (b *NatsBroker) watchAgain(w jetstream.KeyWatcher) (_ jetstream.KeyWatcher, updates <-chan jetstream.KeyValueEntry, retry <-chan time.Time) {
	if w != nil {
		w.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), watchTimeout)
	defer cancel()
	w, err := b.watch(ctx)
	if err != nil {
		b.log.WithField("error", err).Warn("claims not watched; retrying")
		return nil, nil, time.After(time.Second)
	}
	updates = w.Updates()
	kick(b.recheck) // for what happened while nobody watched
	return w, updates, nil
}

// applyEntries applies e and the updates already waiting, up to
// maxReapBatch entries, to the index, and returns the keys of the claims
// they remove: a node that dies takes its users' claims with it at once,
// and reap catches up once for all.
func (b *NatsBroker) applyEntries(e jetstream.KeyValueEntry, updates <-chan jetstream.KeyValueEntry) []string {
	var gone []string
	apply := func(e jetstream.KeyValueEntry) {
		b.index.apply(e, b.cfg.DefaultRoom)
		b.index.advance(e.Revision())
		if key, removed := removedKey(e); removed {
			gone = append(gone, key)
		}
	}
	if e != nil {
		apply(e)
	}
	for range maxReapBatch - 1 {
		select {
		case e, ok := <-updates:
			if !ok {
				return gone
			}
			if e != nil {
				apply(e)
			}
		default:
			return gone
		}
	}
	return gone
}

// removedKey is the claim's key that e removes (a delete, a purge or an
// expiry marker), if it is one.
func removedKey(e jetstream.KeyValueEntry) (string, bool) {
	if e == nil || e.Operation() == jetstream.KeyValuePut || !isClaimKey(e.Key()) {
		return "", false
	}
	return e.Key(), true
}

// checkRemovals checks a batch of claims' keys that were removed: in every
// room this node follows where one of their users is, once this node has
// delivered the room as it is now, it announces the leave of each such
// user still there (see announceVanished).
func (b *NatsBroker) checkRemovals(keys []string) {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL)
	defer cancel()
	in := func(f *feed) []onlineUser {
		f.mu.Lock()
		defer f.mu.Unlock()
		var us []onlineUser
		for _, key := range keys {
			if u, ok := f.online[key]; ok {
				us = append(us, u)
			}
		}
		return us
	}
	for _, f := range b.followed() {
		if len(in(f)) == 0 {
			continue
		}
		if err := b.catchUp(ctx, f); err != nil {
			if !b.isClosed() && !errors.Is(err, errUnfollowed) {
				b.log.WithFields(logrus.Fields{"room": f.room, "error": err}).Warn("removed claims not checked")
			}
			continue
		}
		for _, u := range in(f) {
			b.announceVanished(ctx, f, u)
		}
	}
}

// announceVanished publishes the leave of u from f's room, where it is as
// this node delivered it but whose claim vanished, unless the name is
// claimed again. Every node that notices publishes it with the same
// message id, made of the room, the key and the revision of its latest
// entry (the purge, delete or expiry marker), so the stream keeps one per
// room (JetStream drops a repeated id for two minutes). The same claim
// cannot vanish twice, so a later vanishing has another id; the revision is
// 0 only if every entry of the key has aged out, ClaimTTL after it
// vanished.
func (b *NatsBroker) announceVanished(ctx context.Context, f *feed, u onlineUser) {
	log := b.log.WithFields(logrus.Fields{"user": u.name, "room": f.room})
	key := nameKey(u.name)
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
	id := fmt.Sprintf("gone:%s:%s:%d", model.RoomKey(f.room), key, rev)
	if rev == 0 {
		// Every entry of the key aged out: the join this leave ends names
		// the vanishing instead (the same on every node), so that two
		// vanishings of one name within JetStream's two-minute dedupe
		// window are not taken for one.
		id = fmt.Sprintf("gone:%s:%s:j%d", model.RoomKey(f.room), key, u.seq)
	}
	ev := &model.ChatRoomRequest{Type: model.TypeLeave, UserName: u.name, Room: f.room}
	if _, err := b.js.Publish(ctx, f.subject, model.Encode(ev), jetstream.WithMsgID(id)); err != nil {
		log.WithField("error", err).Warn("leave of a vanished claim not published")
		return
	}
	log.Info("claim vanished without a goodbye (its node died or was cut off): leave announced")
}

// reconcile compares, every ClaimTTL/5 and whenever the connection to NATS
// is back, who is in the rooms this node follows with who holds a claim,
// and announces the leave of every user in one without a claim. Reap does this as claims go; this is for
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

// reconcileOnce is one round of reconcile, over the rooms this node
// follows.
//
// A user in a room whose join is at most seq L, read before the keys are
// listed, claimed the name before L was stored, so before the listing: a
// missing key is gone. A join after L may come from a claim made during the
// listing, and waits for the next round. The leaves of users who said
// goodbye before their keys went are before the room's end read after the
// listing: once this node has delivered that far, they are offline here.
func (b *NatsBroker) reconcileOnce() error {
	feeds := b.followed()
	if len(feeds) == 0 {
		return nil
	}
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
	unclaimed := func(f *feed) []onlineUser {
		f.mu.Lock()
		defer f.mu.Unlock()
		var us []onlineUser
		for key, u := range f.online {
			if u.seq <= joinedBy && !claimed[key] {
				us = append(us, u)
			}
		}
		return us
	}
	for _, f := range feeds {
		if len(unclaimed(f)) == 0 {
			continue
		}
		if err := b.catchUp(ctx, f); err != nil {
			if errors.Is(err, errUnfollowed) {
				continue
			}
			return err
		}
		for _, u := range unclaimed(f) {
			b.announceVanished(ctx, f, u)
		}
	}
	return nil
}

// claimedKeys lists the keys of the bucket that hold a claim now. Unlike
// ListKeys, it fails rather than return part of them.
func (b *NatsBroker) claimedKeys(ctx context.Context) (map[string]bool, error) {
	claims, err := b.claimEntries(ctx, jetstream.MetaOnly())
	if err != nil {
		return nil, err
	}
	keys := make(map[string]bool, len(claims))
	for _, e := range claims {
		keys[e.Key()] = true
	}
	return keys, nil
}

// claimEntries lists the entries of the bucket that hold a claim now, all
// or none.
func (b *NatsBroker) claimEntries(ctx context.Context, opts ...jetstream.WatchOpt) ([]jetstream.KeyValueEntry, error) {
	w, err := b.kv.WatchAll(ctx, append(opts, jetstream.IgnoreDeletes())...)
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	var claims []jetstream.KeyValueEntry
	for {
		select {
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return nil, errors.New("listing the claims: the watch ended")
			case e == nil:
				return claims, nil // all there are
			case isClaimKey(e.Key()):
				claims = append(claims, e)
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("listing the claims: %w", ctx.Err())
		}
	}
}
