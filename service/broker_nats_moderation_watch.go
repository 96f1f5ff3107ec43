package service

// This file owns the NATS broker's ModerationFeed: a watch of moderation's
// bucket (its restrictions' and rooms' keys) that tells the hub every
// put and delete any node makes. A restriction's key names a hash of its
// name, so the watch remembers what each key keeps, to say which one a
// delete removes. The watch is made anew when the connection to NATS is
// back (the old one goes silent after a NATS restart) or if it ends; its
// first values then bring what changed meanwhile, and a key it remembers
// that they do not bring was removed meanwhile.

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"
)

var _ ModerationFeed = (*NatsModeration)(nil)

// errModWatchEnded is a watch of moderation's bucket that ended before its
// first values were read.
var errModWatchEnded = errors.New("moderation: the watch of the bucket ended")

// modWatch is the state of the watch: the hub's apply, and what each
// restriction's key keeps. Used by one goroutine at a time.
type modWatch struct {
	b     *NatsBroker
	apply func(ModerationChange)
	known map[string]Restriction
}

// WatchChanges implements ModerationFeed.
func (m *NatsModeration) WatchChanges(ctx context.Context, apply func(ModerationChange)) error {
	w := &modWatch{b: m.b, apply: apply, known: make(map[string]Restriction)}
	kw, err := w.start(ctx)
	if err != nil {
		return err
	}
	b := m.b
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		kw.Stop()
		return ErrBrokerClosed
	}
	b.wg.Add(1) // under b.mu: Close waits for it
	b.mu.Unlock()
	go w.run(kw)
	return nil
}

// start watches the bucket's restrictions and rooms, and applies what
// they keep now (ctx bounds that).
func (w *modWatch) start(ctx context.Context) (jetstream.KeyWatcher, error) {
	kw, err := w.b.mod.WatchFiltered(context.Background(), []string{modRestrictionKeys + ".>", modRoomKeys + ".>"})
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	for {
		select {
		case e, ok := <-kw.Updates():
			switch {
			case !ok:
				kw.Stop()
				return nil, errModWatchEnded
			case e == nil: // the first values are all read
				w.sweep(seen)
				return kw, nil
			}
			seen[e.Key()] = true
			w.entry(e)
		case <-ctx.Done():
			kw.Stop()
			return nil, ctx.Err()
		}
	}
}

// run applies the watch's updates until the broker closes, and watches
// anew when the connection is back or the watch ends.
func (w *modWatch) run(kw jetstream.KeyWatcher) {
	defer w.b.wg.Done()
	defer func() {
		if kw != nil {
			kw.Stop()
		}
	}()
	updates := kw.Updates()
	var retry <-chan time.Time // while there is no watch
	for {
		select {
		case <-w.b.stop:
			return
		case <-w.b.modRewatch:
		case <-retry:
		case e, ok := <-updates:
			if !ok {
				updates, retry = nil, time.After(time.Second)
			} else if e != nil {
				w.entry(e)
			}
			continue
		}
		if kw != nil {
			kw.Stop()
		}
		kw, updates, retry = w.again()
	}
}

// again watches the bucket anew; if that fails, there are no updates, and
// retry fires in a second.
func (w *modWatch) again() (jetstream.KeyWatcher, <-chan jetstream.KeyValueEntry, <-chan time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), watchTimeout)
	defer cancel()
	kw, err := w.start(ctx)
	if err != nil {
		w.b.log.WithField("error", err).Warn("moderation: the bucket is not watched; retrying")
		return nil, nil, time.After(time.Second)
	}
	return kw, kw.Updates(), nil
}

// entry applies one entry of the bucket.
func (w *modWatch) entry(e jetstream.KeyValueEntry) {
	key := e.Key()
	if e.Operation() != jetstream.KeyValuePut {
		if r, ok := w.known[key]; ok {
			delete(w.known, key)
			w.apply(ModerationChange{Removed: &r})
		}
		return
	}
	var err error
	switch {
	case strings.HasPrefix(key, modRestrictionKeys+"."):
		var r Restriction
		if r, err = parseRestriction(e.Value()); err == nil {
			w.known[key] = r
			w.apply(ModerationChange{Put: &r})
		}
	case strings.HasPrefix(key, modRoomKeys+"."):
		var rs RoomSettings
		if rs, err = parseRoomSettings(e.Value()); err == nil {
			w.apply(ModerationChange{Room: &rs})
		}
	}
	if err != nil {
		w.b.log.WithFields(logrus.Fields{"key": key, "error": err}).Warn("moderation: a change of the bucket not applied")
	}
}

// sweep removes the restrictions remembered whose keys a new watch's first
// values did not bring (seen): they were removed while nobody watched.
func (w *modWatch) sweep(seen map[string]bool) {
	for key, r := range w.known {
		if !seen[key] {
			delete(w.known, key)
			w.apply(ModerationChange{Removed: &r})
		}
	}
}
