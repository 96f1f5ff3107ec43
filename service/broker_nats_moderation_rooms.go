package service

// This file owns the NATS broker's room settings (Rooms, CreateRoom,
// PutRoom): one key of moderation's bucket a room, "s.<room key>", made
// by an atomic create so that of two nodes creating a room at once one
// is its owner's.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// keptRoom is a RoomSettings as its key holds it.
type keptRoom struct {
	Room       string   `json:"room"`
	Owner      string   `json:"owner,omitempty"`
	Moderators []string `json:"moderators,omitempty"`
	Topic      string   `json:"topic,omitempty"`
	TopicBy    string   `json:"topic_by,omitempty"`
	Slow       int64    `json:"slow_ms,omitempty"`
}

// checkModSettings refuses settings without a room, or that JSON would change.
func checkModSettings(s RoomSettings) error {
	switch {
	case s.Room == "":
		return errors.New("moderation: a room's settings need the room's name")
	case s.Slow < 0:
		return fmt.Errorf("moderation: room %q: slow mode %v is negative", s.Room, s.Slow)
	}
	return errors.Join(checkModRoom(s.Room), checkModText("room settings", s.Owner, s.Topic, s.TopicBy),
		checkModText("moderator", s.Moderators...))
}

// parseRoomSettings reads a room's settings' key's value.
func parseRoomSettings(v []byte) (RoomSettings, error) {
	var k keptRoom
	if err := json.Unmarshal(v, &k); err != nil {
		return RoomSettings{}, fmt.Errorf("moderation: a room's settings kept as %q: %w", v, err)
	}
	return RoomSettings{Room: k.Room, Owner: k.Owner, Moderators: k.Moderators,
		Topic: k.Topic, TopicBy: k.TopicBy, Slow: time.Duration(k.Slow) * time.Millisecond}, nil
}

// Rooms implements ModerationStore: every room's settings, by room.
func (m *NatsModeration) Rooms(ctx context.Context) ([]RoomSettings, error) {
	b := m.b
	values, err := b.modValues(ctx, modRoomKeys+".>")
	if err != nil {
		return nil, err
	}
	out := make([]RoomSettings, 0, len(values))
	for _, v := range values {
		rs, err := parseRoomSettings(v)
		if err != nil {
			return nil, err
		}
		out = append(out, rs)
	}
	slices.SortFunc(out, func(x, y RoomSettings) int { return strings.Compare(x.Room, y.Room) })
	return out, nil
}

// CreateRoom implements ModerationStore with the bucket's create, which
// fails if the key exists: one node of those racing records its owner.
func (m *NatsModeration) CreateRoom(ctx context.Context, room, owner string) (bool, error) {
	b := m.b
	if err := checkModSettings(RoomSettings{Room: room, Owner: owner}); err != nil {
		return false, err
	}
	data, err := json.Marshal(keptRoom{Room: room, Owner: owner})
	if err != nil {
		return false, fmt.Errorf("moderation: room %q: %w", room, err)
	}
	_, err = b.mod.Create(ctx, modRoomSettingsKey(room), data)
	switch {
	case errors.Is(err, jetstream.ErrKeyExists):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("moderation: creating room %q: %w", room, err)
	}
	return true, nil
}

// PutRoom implements ModerationStore: s replaces its room's settings, its
// moderators sorted and each once.
func (m *NatsModeration) PutRoom(ctx context.Context, s RoomSettings) error {
	b := m.b
	if err := checkModSettings(s); err != nil {
		return err
	}
	mods := slices.Compact(slices.Sorted(slices.Values(s.Moderators)))
	data, err := json.Marshal(keptRoom{Room: s.Room, Owner: s.Owner, Moderators: mods, Topic: s.Topic,
		TopicBy: s.TopicBy, Slow: s.Slow.Milliseconds()})
	if err != nil {
		return fmt.Errorf("moderation: room %q: %w", s.Room, err)
	}
	if _, err := b.mod.Put(ctx, modRoomSettingsKey(s.Room), data); err != nil {
		return fmt.Errorf("moderation: keeping room %q's settings: %w", s.Room, err)
	}
	return nil
}
