package service

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// This file owns the ModerationStore kept in memory: the default without
// -data-dir and without NATS. What it keeps is lost at exit (the server
// warns of it at start).

var _ ModerationStore = (*MemoryModeration)(nil)

// MemoryModeration is a ModerationStore in memory.
type MemoryModeration struct {
	mu    sync.Mutex
	restr []Restriction
	rooms map[string]RoomSettings
	audit []AuditEntry // oldest first; IDs 1, 2, …
}

// NewMemoryModeration returns an empty MemoryModeration.
func NewMemoryModeration() *MemoryModeration {
	return &MemoryModeration{rooms: make(map[string]RoomSettings)}
}

// Restrictions implements ModerationStore.
func (s *MemoryModeration) Restrictions(context.Context) ([]Restriction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.restr), nil
}

// PutRestriction implements ModerationStore.
func (s *MemoryModeration) PutRestriction(_ context.Context, r Restriction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.find(r.Room, r.Name, r.Mute); i >= 0 {
		s.restr[i] = r
		return nil
	}
	s.restr = append(s.restr, r)
	return nil
}

// RemoveRestriction implements ModerationStore.
func (s *MemoryModeration) RemoveRestriction(_ context.Context, room, name string, mute bool) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(room, name, mute)
	if i >= 0 {
		s.restr = slices.Delete(s.restr, i, i+1)
	}
	return i >= 0, nil
}

func (s *MemoryModeration) find(room, name string, mute bool) int {
	return slices.IndexFunc(s.restr, func(r Restriction) bool { return r.Room == room && r.Name == name && r.Mute == mute })
}

// Rooms implements ModerationStore.
func (s *MemoryModeration) Rooms(context.Context) ([]RoomSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RoomSettings, 0, len(s.rooms))
	for _, r := range s.rooms {
		r.Moderators = slices.Clone(r.Moderators)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b RoomSettings) int { return strings.Compare(a.Room, b.Room) })
	return out, nil
}

// CreateRoom implements ModerationStore.
func (s *MemoryModeration) CreateRoom(_ context.Context, room, owner string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rooms[room]; ok {
		return false, nil
	}
	s.rooms[room] = RoomSettings{Room: room, Owner: owner}
	return true, nil
}

// PutRoom implements ModerationStore.
func (s *MemoryModeration) PutRoom(_ context.Context, r RoomSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Moderators = slices.Clone(r.Moderators)
	s.rooms[r.Room] = r
	return nil
}

// AddAudit implements ModerationStore.
func (s *MemoryModeration) AddAudit(_ context.Context, e AuditEntry) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.ID = uint64(len(s.audit)) + 1
	s.audit = append(s.audit, e)
	return e.ID, nil
}

// Audit implements ModerationStore.
func (s *MemoryModeration) Audit(_ context.Context, room string, before uint64, limit int) ([]AuditEntry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []AuditEntry
	for i := len(s.audit) - 1; i >= 0; i-- {
		e := s.audit[i]
		if (before != 0 && e.ID >= before) || (room != "" && e.Room != room) {
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, e)
	}
	return out, false, nil
}
