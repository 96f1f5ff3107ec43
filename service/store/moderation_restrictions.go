package store

// This file owns the restrictions table: the bans and mutes a
// ModerationStore keeps (Restrictions, PutRestriction, RemoveRestriction).

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"chatroom/service"
)

// Restrictions returns every restriction kept, expired ones too (they are
// kept until RemoveRestriction), by room, name, then bans before mutes.
func (s *Store) Restrictions(ctx context.Context) ([]service.Restriction, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT room, name, mute, addr, until_ms, by, reason, at_ms
		FROM restrictions ORDER BY room, name, mute`)
	if err != nil {
		return nil, runError(err)
	}
	defer rows.Close()
	var out []service.Restriction
	for rows.Next() {
		var r service.Restriction
		var addr string
		var until, at int64
		if err := rows.Scan(&r.Room, &r.Name, &r.Mute, &addr, &until, &r.By, &r.Reason, &at); err != nil {
			return nil, runError(err)
		}
		if addr != "" {
			a, err := netip.ParseAddr(addr)
			if err != nil {
				return nil, &Error{Reason: "storage error", Err: fmt.Errorf("the ban of %q keeps the address %q: %w", r.Name, addr, err)}
			}
			r.Addr = a
		}
		r.Until, r.At = service.StoredTime(until), service.StoredTime(at)
		out = append(out, r)
	}
	return out, runError(rows.Err())
}

// PutRestriction keeps r, replacing the restriction of the same Room, Name
// and Mute; it is committed when PutRestriction returns. A restriction
// without a name is refused.
func (s *Store) PutRestriction(ctx context.Context, r service.Restriction) error {
	if err := s.checkWrite(); err != nil {
		return err
	}
	if r.Name == "" {
		return errors.New("moderation: a restriction needs a name")
	}
	var addr string
	if r.Addr.IsValid() {
		addr = r.Addr.String()
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO restrictions (room, name, mute, addr, until_ms, by, reason, at_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (room, name, mute) DO UPDATE SET addr = excluded.addr, until_ms = excluded.until_ms,
			by = excluded.by, reason = excluded.reason, at_ms = excluded.at_ms`,
		r.Room, r.Name, r.Mute, addr, service.StoredMillis(r.Until), r.By, r.Reason, service.StoredMillis(r.At))
	return runError(err)
}

// RemoveRestriction removes the restriction of room, name and mute, and
// says whether there was one.
func (s *Store) RemoveRestriction(ctx context.Context, room, name string, mute bool) (bool, error) {
	if err := s.checkWrite(); err != nil {
		return false, err
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM restrictions WHERE room = ? AND name = ? AND mute = ?`, room, name, mute)
	if err != nil {
		return false, runError(err)
	}
	n, err := res.RowsAffected()
	return n > 0, runError(err)
}
