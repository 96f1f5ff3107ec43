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

// Claim implements Broker with an atomic create of the key of the name's
// comparison key, which holds the name (see nameKey), after a check that
// nobody online has its skeleton (see lookAlikeOnline). A name this node
// holds is taken, even if its key is gone: its session has not ended yet,
// and its end must not release a new claim.
func (b *NatsBroker) Claim(ctx context.Context, name string, _ []RoomRef) error {
	if b.isClosed() {
		return ErrBrokerClosed
	}
	b.mu.Lock()
	_, held := b.claims[name]
	b.mu.Unlock()
	if held {
		return ErrNameTaken
	}
	if b.lookAlikeOnline(name) {
		return ErrNameSimilar
	}
	key := nameKey(name)
	rev, err := b.kv.Create(ctx, key, claimData(b.cfg.Node, name))
	switch {
	case errors.Is(err, jetstream.ErrKeyExists):
		return b.takenBy(ctx, key, name)
	case err != nil:
		return fmt.Errorf("claim: %w", err)
	}
	b.mu.Lock()
	b.claims[name] = rev
	b.mu.Unlock()
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

// refreshClaim updates name's claim, held at rev. It returns the error if
// the claim is still this node's but could not be refreshed.
func (b *NatsBroker) refreshClaim(name string, rev uint64) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ClaimTTL/3)
	nrev, err := b.kv.Update(ctx, nameKey(name), claimData(b.cfg.Node, name), rev)
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
	onLost := b.handlers.ClaimLost
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

// keySubject is the subject of key in the bucket's stream.
func (b *NatsBroker) keySubject(key string) string {
	return "$KV." + b.cfg.NamesBucket + "." + key
}
