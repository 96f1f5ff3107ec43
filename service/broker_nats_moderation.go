package service

// This file owns the NATS broker as a ModerationStore: restrictions and
// room settings in a key-value bucket of their own (ModBucket; the names
// bucket's keys expire), one key each, which every node reads and writes.
// A key names what it keeps, never who holds it: keys allow only
// [-/_=.a-zA-Z0-9], so a room is its model.RoomKey ("_" for the whole
// server) and a name the SHA-256 of it, base64url. The values are JSON,
// times in Unix milliseconds as service/store keeps them. The audit trail
// is in broker_nats_moderation_audit.go, tombstones of deleted talks in
// broker_nats_moderation_delete.go.

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/model"
)

var _ ModerationStore = (*NatsModeration)(nil)

// NatsModeration is the NATS broker's ModerationStore. The broker cannot
// be one itself: its Rooms is the Broker's (the directory's).
type NatsModeration struct{ b *NatsBroker }

// Moderation returns b's ModerationStore, which uses b's connection.
func (b *NatsBroker) Moderation() *NatsModeration { return &NatsModeration{b: b} }

const (
	modRestrictionKeys = "r" // r.<room>.<name>.ban|mute
	modRoomKeys        = "s" // s.<room>
	modServerToken     = "_" // the room token of a server-wide ban
	// modTimeout bounds a read of the bucket whose context has no end.
	modTimeout = 30 * time.Second
	// modMarkerTTL is how long a forgotten tombstone's purge marker stays.
	modMarkerTTL = time.Minute
	// maxModUpdates bounds the tries of a compare-and-set.
	maxModUpdates = 100
)

// ensureModeration creates moderation's bucket and the audit trail's
// stream, or updates them to this config. Neither expires anything.
func (b *NatsBroker) ensureModeration(ctx context.Context) error {
	var err error
	b.mod, err = b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   b.cfg.ModBucket,
		Storage:  jetstream.FileStorage,
		Replicas: b.cfg.Replicas,
		// No key expires, but a purge marker may (see forgetTombstone).
		LimitMarkerTTL: modMarkerTTL,
	})
	if err != nil {
		return fmt.Errorf("NATS bucket %s: %w", b.cfg.ModBucket, err)
	}
	b.audit, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        b.cfg.AuditStream,
		Subjects:    []string{b.auditSubject("*")},
		Storage:     jetstream.FileStorage,
		AllowDirect: true,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    b.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("NATS stream %s: %w", b.cfg.AuditStream, err)
	}
	return nil
}

// modRoomToken is room in a key or a subject: "_" for "" (the whole server).
func modRoomToken(room string) string {
	if room == "" {
		return modServerToken
	}
	return model.RoomKey(room)
}

// modNameToken is the SHA-256 of s, base64url: a key's token of fixed length
// for a name of any length.
func modNameToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func modRestrictionKey(room, name string, mute bool) string {
	kind := "ban"
	if mute {
		kind = "mute"
	}
	return modRestrictionKeys + "." + modRoomToken(room) + "." + modNameToken(name) + "." + kind
}

func modRoomSettingsKey(room string) string { return modRoomKeys + "." + modRoomToken(room) }

// checkModText refuses a string JSON would change (not UTF-8), or a room too
// long to be one.
func checkModText(what string, values ...string) error {
	for _, v := range values {
		if !utf8.ValidString(v) {
			return fmt.Errorf("moderation: %s: %q is not valid UTF-8", what, v)
		}
	}
	return nil
}

func checkModRoom(room string) error {
	if len(room) > maxRoomBytes {
		return fmt.Errorf("moderation: room name is longer than %d characters", model.MaxRoomRunes)
	}
	return checkModText("room", room)
}

// keptRestriction is a Restriction as its key holds it.
type keptRestriction struct {
	Room   string `json:"room,omitempty"`
	Name   string `json:"name"`
	Addr   string `json:"addr,omitempty"`
	Mute   bool   `json:"mute,omitempty"`
	Until  int64  `json:"until,omitempty"`
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
	At     int64  `json:"at,omitempty"`
}

func (k keptRestriction) restriction() (Restriction, error) {
	r := Restriction{Room: k.Room, Name: k.Name, Mute: k.Mute, Until: StoredTime(k.Until),
		By: k.By, Reason: k.Reason, At: StoredTime(k.At)}
	if k.Addr != "" {
		a, err := netip.ParseAddr(k.Addr)
		if err != nil {
			return Restriction{}, fmt.Errorf("moderation: the restriction of %q keeps the address %q: %w", k.Name, k.Addr, err)
		}
		r.Addr = a
	}
	return r, nil
}

// parseRestriction reads a restriction's key's value.
func parseRestriction(v []byte) (Restriction, error) {
	var k keptRestriction
	if err := json.Unmarshal(v, &k); err != nil {
		return Restriction{}, fmt.Errorf("moderation: a restriction kept as %q: %w", v, err)
	}
	return k.restriction()
}

// Restrictions implements ModerationStore: every restriction the bucket
// keeps, expired ones too, by room, name, then bans before mutes.
func (m *NatsModeration) Restrictions(ctx context.Context) ([]Restriction, error) {
	b := m.b
	values, err := b.modValues(ctx, modRestrictionKeys+".>")
	if err != nil {
		return nil, err
	}
	out := make([]Restriction, 0, len(values))
	for _, v := range values {
		r, err := parseRestriction(v)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y Restriction) int {
		if c := cmp.Or(strings.Compare(x.Room, y.Room), strings.Compare(x.Name, y.Name)); c != 0 {
			return c
		}
		return modBoolOrder(x.Mute, y.Mute)
	})
	return out, nil
}

// modBoolOrder orders false (a ban) before true (a mute).
func modBoolOrder(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}

// PutRestriction implements ModerationStore: r replaces what the key of
// its room, name and kind held.
func (m *NatsModeration) PutRestriction(ctx context.Context, r Restriction) error {
	b := m.b
	if r.Name == "" {
		return errors.New("moderation: a restriction needs a name")
	}
	if err := errors.Join(checkModRoom(r.Room), checkModText("restriction", r.Name, r.By, r.Reason)); err != nil {
		return err
	}
	k := keptRestriction{Room: r.Room, Name: r.Name, Mute: r.Mute, Until: StoredMillis(r.Until), By: r.By,
		Reason: r.Reason, At: StoredMillis(r.At)}
	if r.Addr.IsValid() {
		k.Addr = r.Addr.String()
	}
	data, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("moderation: restriction: %w", err)
	}
	if _, err := b.mod.Put(ctx, modRestrictionKey(r.Room, r.Name, r.Mute), data); err != nil {
		return fmt.Errorf("moderation: keeping the restriction of %q: %w", r.Name, err)
	}
	return nil
}

// RemoveRestriction implements ModerationStore: a delete of the key at the
// revision read, so that of two nodes removing it at once one says true.
func (m *NatsModeration) RemoveRestriction(ctx context.Context, room, name string, mute bool) (bool, error) {
	b := m.b
	if err := checkModRoom(room); err != nil {
		return false, err
	}
	key := modRestrictionKey(room, name, mute)
	for range maxModUpdates {
		e, err := b.mod.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("moderation: reading the restriction of %q: %w", name, err)
		}
		err = b.mod.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, jetstream.ErrKeyRevisionMismatch):
			return false, fmt.Errorf("moderation: removing the restriction of %q: %w", name, err)
		}
	}
	return false, fmt.Errorf("moderation: the restriction of %q changed %d times while being removed", name, maxModUpdates)
}

// modValues returns the values of the bucket's keys that match filter,
// from a watch that ends at the last of them.
func (b *NatsBroker) modValues(ctx context.Context, filter string) ([][]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, modTimeout)
		defer cancel()
	}
	w, err := b.mod.WatchFiltered(ctx, []string{filter}, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("moderation: reading %s: %w", b.cfg.ModBucket, err)
	}
	defer w.Stop()
	var values [][]byte
	for {
		select {
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return nil, fmt.Errorf("moderation: reading %s: the watch ended", b.cfg.ModBucket)
			case e == nil: // the values there were when the watch began are all read
				return values, nil
			}
			values = append(values, e.Value())
		case <-ctx.Done():
			return nil, fmt.Errorf("moderation: reading %s: %w", b.cfg.ModBucket, ctx.Err())
		}
	}
}
