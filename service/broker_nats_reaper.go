package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/model"
)

const (
	// Most claim removals that reap takes in one batch.
	maxReapBatch = 1024
	// Header of a key-value delete or purge entry.
	kvOperation = "KV-Operation"
)

// watch starts a watch of the changes to the claims. It lives as long as
// reap keeps it, not as long as a context.
func (b *NatsBroker) watch() (jetstream.KeyWatcher, error) {
	return b.kv.WatchAll(context.Background(), jetstream.UpdatesOnly())
}

// reap announces the leave of users whose claim vanished without a
// goodbye: it expired because their node died (or lost NATS for longer than
// ClaimTTL), or a node released a name whose join it had published but
// whose publish failed. Every node sees the key go and checks; the stream
// keeps one leave, by its message id (see announceVanished).
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
			} else if gone := removals(e, updates); len(gone) > 0 {
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
	w, err := b.watch()
	if err != nil {
		b.log.WithField("error", err).Warn("claims not watched; retrying")
		return w, nil, time.After(time.Second)
	}
	updates = w.Updates()
	kick(b.recheck) // for what happened while nobody watched
	return w, updates, nil
}

// removals are the keys of the claims that e and the updates already
// waiting remove, up to maxReapBatch entries: a node that dies takes its
// users' claims with it at once, and reap catches up once for all.
func removals(e jetstream.KeyValueEntry, updates <-chan jetstream.KeyValueEntry) []string {
	var gone []string
	if key, removed := removedKey(e); removed {
		gone = append(gone, key)
	}
	for range maxReapBatch - 1 {
		select {
		case e, ok := <-updates:
			if !ok {
				return gone
			}
			if key, removed := removedKey(e); removed {
				gone = append(gone, key)
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

// checkRemovals checks a batch of claims' keys that were removed: once
// this node has delivered the stream as it is now, it announces the leave
// of each user still online who held one (see announceVanished).
func (b *NatsBroker) checkRemovals(keys []string) {
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
	for _, key := range keys {
		b.mu.Lock()
		u, online := b.online[key]
		b.mu.Unlock()
		if online {
			b.announceVanished(ctx, u.name)
		}
	}
}

// announceVanished publishes the leave of name, one user online here but
// whose claim vanished, unless the name is claimed again. Every node that notices publishes
// it with the same message id, made of the key and the revision of its
// latest entry (the purge, delete or expiry marker), so the stream keeps
// one (JetStream drops a repeated id for two minutes). The same claim cannot
// vanish twice, so a later vanishing has another id; the revision is 0 only
// if every entry of the key has aged out, ClaimTTL after it vanished.
func (b *NatsBroker) announceVanished(ctx context.Context, name string) {
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
		id = fmt.Sprintf("gone:%s:j%d", key, b.online[key].seq)
		b.mu.Unlock()
	}
	ev := &model.ChatRoomRequest{Type: model.TypeLeave, UserName: name}
	if _, err := b.js.Publish(ctx, b.cfg.Subject, model.Encode(ev), jetstream.WithMsgID(id)); err != nil {
		log.WithField("error", err).Warn("leave of a vanished claim not published")
		return
	}
	log.Info("claim vanished without a goodbye (its node died or was cut off): leave announced")
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
	for key, u := range b.online {
		if u.seq <= joinedBy && !claimed[key] {
			gone = append(gone, u.name)
		}
	}
	b.mu.Unlock()
	for _, name := range gone {
		b.announceVanished(ctx, name)
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

// claimedNames lists the usernames claimed in the whole cluster.
func (b *NatsBroker) claimedNames(ctx context.Context) ([]string, error) {
	claims, err := b.claimEntries(ctx)
	if err != nil {
		return nil, fmt.Errorf("NATS names: %w", err)
	}
	var names []string
	for _, e := range claims {
		if n, ok := claimUser(e.Value()); ok {
			names = append(names, n)
		}
	}
	return names, nil
}
