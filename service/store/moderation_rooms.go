package store

// This file owns the rooms table: what moderation keeps of each room, its
// owner, moderators, topic and slow mode (Rooms, CreateRoom, PutRoom).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"chatroom/service"
)

// Rooms returns the settings of every room that has any, by room.
func (s *Store) Rooms(ctx context.Context) ([]service.RoomSettings, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT room, owner, moderators, topic, topic_by, slow_ms FROM rooms ORDER BY room`)
	if err != nil {
		return nil, runError(err)
	}
	defer rows.Close()
	var out []service.RoomSettings
	for rows.Next() {
		var rs service.RoomSettings
		var mods string
		var slow int64
		if err := rows.Scan(&rs.Room, &rs.Owner, &mods, &rs.Topic, &rs.TopicBy, &slow); err != nil {
			return nil, runError(err)
		}
		if err := json.Unmarshal([]byte(mods), &rs.Moderators); err != nil {
			return nil, &Error{Reason: "storage error", Err: fmt.Errorf("room %q keeps its moderators as %q: %w", rs.Room, mods, err)}
		}
		if len(rs.Moderators) == 0 {
			rs.Moderators = nil
		}
		rs.Slow = time.Duration(slow) * time.Millisecond
		out = append(out, rs)
	}
	return out, runError(rows.Err())
}

// CreateRoom records owner as room's owner if room has no settings yet
// (and none else: no moderators, topic or slow mode), and says whether it
// did.
func (s *Store) CreateRoom(ctx context.Context, room, owner string) (bool, error) {
	if err := s.checkWrite(); err != nil {
		return false, err
	}
	if room == "" {
		return false, errors.New("moderation: a room's settings need the room's name")
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO rooms (room, owner, moderators, topic, topic_by, slow_ms)
		VALUES (?, ?, '[]', '', '', 0) ON CONFLICT (room) DO NOTHING`, room, owner)
	if err != nil {
		return false, runError(err)
	}
	n, err := res.RowsAffected()
	return n > 0, runError(err)
}

// PutRoom keeps rs as its room's settings, its moderators sorted and each
// once. A room without a name, a negative slow mode or a moderator's name
// that is not UTF-8 (JSON would change it) is refused.
func (s *Store) PutRoom(ctx context.Context, rs service.RoomSettings) error {
	if err := s.checkWrite(); err != nil {
		return err
	}
	if rs.Room == "" {
		return errors.New("moderation: a room's settings need the room's name")
	}
	if rs.Slow < 0 {
		return fmt.Errorf("moderation: room %q: slow mode %v is negative", rs.Room, rs.Slow)
	}
	for _, m := range rs.Moderators {
		if !utf8.ValidString(m) {
			return fmt.Errorf("moderation: room %q: the moderator's name %q is not valid UTF-8", rs.Room, m)
		}
	}
	mods := slices.Compact(slices.Sorted(slices.Values(rs.Moderators)))
	if mods == nil {
		mods = []string{}
	}
	js, err := json.Marshal(mods)
	if err != nil {
		return fmt.Errorf("moderation: room %q: %w", rs.Room, err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO rooms (room, owner, moderators, topic, topic_by, slow_ms)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (room) DO UPDATE SET owner = excluded.owner, moderators = excluded.moderators,
			topic = excluded.topic, topic_by = excluded.topic_by, slow_ms = excluded.slow_ms`,
		rs.Room, rs.Owner, string(js), rs.Topic, rs.TopicBy, rs.Slow.Milliseconds())
	return runError(err)
}
