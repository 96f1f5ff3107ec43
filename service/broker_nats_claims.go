package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"
)

const (
	// How soon claims not refreshed (NATS out of reach, a timeout) are tried again.
	refreshRetry = time.Second
	// Most claim updates in flight at once.
	maxRefreshes = 64
)

// heldClaim is one of this node's claims.
type heldClaim struct {
	// update is held while the claim is rewritten (refreshed, or its rooms
	// changed): one update at a time, each with the revision the last made.
	update sync.Mutex
	rev    uint64 // the key's revision; guarded by NatsBroker.mu
	value  []byte // what it holds; guarded by NatsBroker.mu
	admin  bool   // claimed as a server admin (ClaimOptions); set once
}

var (
	// errClaimLost is a claim found gone or taken while this node held it.
	errClaimLost = errors.New("claim lost")
	// errReleased is a claim released while it was being rewritten.
	errReleased = errors.New("claim released")
)

// Claim implements Broker with an atomic create of the key of the name's
// comparison key, which holds the name and its rooms (see nameKey,
// claimData), after a check that nobody online has its skeleton (see
// claimIndex.lookAlike). A name this node holds is taken, even if its key
// is gone: its session has not ended yet, and its end must not release a
// new claim.
func (b *NatsBroker) Claim(ctx context.Context, name string, rooms []RoomRef, opts ...ClaimOptions) error {
	if b.isClosed() {
		return ErrBrokerClosed
	}
	b.mu.Lock()
	_, held := b.claims[name]
	b.mu.Unlock()
	if held {
		return ErrNameTaken
	}
	if b.index.lookAlike(name) {
		return ErrNameSimilar
	}
	admin := claimOpts(opts).Admin
	key, value := nameKey(name), claimData(b.cfg.Node, name, rooms, admin)
	rev, err := b.kv.Create(ctx, key, value)
	switch {
	case errors.Is(err, jetstream.ErrKeyExists):
		return b.takenBy(ctx, key, name)
	case err != nil:
		return fmt.Errorf("claim: %w", err)
	}
	b.mu.Lock()
	b.claims[name] = &heldClaim{rev: rev, value: value, admin: admin}
	// Into the index at once, under b.mu: a Release, which takes the
	// claim out under b.mu first, cannot come between.
	b.index.put(key, name, rooms, rev, admin)
	b.mu.Unlock()
	return nil
}

// SetRooms implements Broker: this node's claim of name is rewritten with
// rooms, and the refresher keeps them. A claim found lost meanwhile is
// forgotten, and h.ClaimLost told, as when the refresher finds it.
func (b *NatsBroker) SetRooms(ctx context.Context, name string, rooms []RoomRef) error {
	b.mu.Lock()
	c, closed := b.claims[name], b.closed
	b.mu.Unlock()
	switch {
	case closed:
		return ErrBrokerClosed
	case c == nil:
		return fmt.Errorf("set rooms: %q is not claimed on this node", name)
	}
	key := nameKey(name)
	_, err := b.updateClaim(ctx, name, c, claimData(b.cfg.Node, name, rooms, c.admin), func(rev uint64) { b.index.put(key, name, rooms, rev, c.admin) })
	if err != nil {
		return fmt.Errorf("set rooms of %q: %w", name, err)
	}
	return nil
}

// takenBy says who holds key, which name could not claim: ErrNameTaken if
// name itself (or if the key cannot be read), ErrNameSimilar if a name
// that looks the same.
func (b *NatsBroker) takenBy(ctx context.Context, key, name string) error {
	e, err := b.kv.Get(ctx, key)
	if err != nil {
		return ErrNameTaken
	}
	if holder, ok := claimUser(e.Value()); ok && holder != name {
		return ErrNameSimilar
	}
	return ErrNameTaken
}

// Release implements Broker: the key goes, if it is still this claim. The
// room has published the user's leave before (see reap). If the refresher
// is updating the key meanwhile, the purge fails on the revision, and the
// refresher, finding the name released, purges the new one.
//
// Its rooms leave the directory when the watch brings the purge.
//
// A purge, not a delete: a delete entry turns into an expiry marker when it
// ages out, which reap would take for a node's death, while a purge entry
// ages out without a marker (nats-server's isSubjectDeleteMarker counts a
// KV purge as a marker already).
func (b *NatsBroker) Release(name string) {
	b.mu.Lock()
	c, ok := b.claims[name]
	delete(b.claims, name)
	closed := b.closed
	var rev uint64
	if ok {
		rev = c.rev
	}
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

// refreshRound refreshes every claim of this node once, maxRefreshes at a
// time: one after another, a round of many claims over a slow link would
// take longer than ClaimTTL.
func (b *NatsBroker) refreshRound() (failed int) {
	b.mu.Lock()
	names := make(map[string]*heldClaim, len(b.claims))
	for n, c := range b.claims {
		names[n] = c
	}
	b.mu.Unlock()
	slots := make(chan struct{}, maxRefreshes)
	var wg sync.WaitGroup
	var mu sync.Mutex // guards failures and firstErr
	var failures int
	var firstErr error
	for name, c := range names {
		select {
		case slots <- struct{}{}:
		case <-b.stop:
			wg.Wait()
			return 0
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := b.refreshClaim(name, c); err != nil {
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

// refreshClaim rewrites c, name's claim, as it is. It returns the error if
// the claim is still this node's but could not be refreshed.
func (b *NatsBroker) refreshClaim(name string, c *heldClaim) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL/3)
	defer cancel()
	_, err := b.updateClaim(ctx, name, c, nil, nil)
	if errors.Is(err, errClaimLost) || errors.Is(err, errReleased) {
		return nil
	}
	return err
}

// updateClaim rewrites c, this node's claim of name, with value (nil: the
// value it has), and returns the key's new revision. A claim found gone or
// taken is lost (errClaimLost): it is forgotten, and h.ClaimLost told. A
// claim released meanwhile (errReleased) is not this node's to rewrite:
// if the rewrite went through, the release's purge, made with the old
// revision, failed (or will), and the key is purged here. applied, if
// set, is called with the new revision while the claim is surely still
// this node's (under b.mu, which Release takes to take it out).
func (b *NatsBroker) updateClaim(ctx context.Context, name string, c *heldClaim, value []byte, applied func(rev uint64)) (uint64, error) {
	c.update.Lock()
	defer c.update.Unlock()
	b.mu.Lock()
	rev := c.rev
	if value == nil {
		value = c.value
	}
	b.mu.Unlock()
	nrev, err := b.kv.Update(ctx, nameKey(name), value, rev)
	lost := false
	b.mu.Lock()
	ours := b.claims[name] == c
	switch {
	case ours && err == nil:
		c.rev, c.value = nrev, value
		if applied != nil {
			applied(nrev)
		}
	case ours && (errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyNotFound)):
		delete(b.claims, name)
		lost = true
	}
	onLost := b.handlers.ClaimLost
	b.mu.Unlock()
	switch {
	case !ours && err == nil:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := b.kv.Purge(ctx, nameKey(name), jetstream.LastRevision(nrev)); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			b.log.WithFields(logrus.Fields{"user": name, "error": err}).Warn("claim not released")
		}
		cancel()
		return 0, errReleased
	case !ours:
		return 0, errReleased
	case lost:
		b.log.WithField("user", name).Warn("claim lost while NATS was out of reach: the session ends")
		if onLost != nil {
			onLost(name)
		}
		return 0, errClaimLost
	}
	return nrev, err
}

// keySubject is the subject of key in the bucket's stream.
func (b *NatsBroker) keySubject(key string) string {
	return "$KV." + b.cfg.NamesBucket + "." + key
}
