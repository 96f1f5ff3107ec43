package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"chatroom/model"
)

// This file owns what moderation tells of the rooms and says in them for
// the operator (the server API): rooms' details and users, the
// restrictions in force, and system messages.

// SystemMessage says content in room as model.SystemName, and returns its
// seq.
func (h *Hub) SystemMessage(ctx context.Context, room, content string) (uint64, error) {
	room, err := h.roomName(room)
	if err != nil {
		return 0, err
	}
	if content == "" || !utf8.ValidString(content) {
		return 0, errors.New("a system message is text (UTF-8), not empty")
	}
	ev := event(model.TypeTalk, model.SystemName, room, content)
	if err := h.broker.Publish(ctx, ev); err != nil {
		return 0, notStored(err, room, "")
	}
	h.logTalk(ev)
	return ev.Seq, nil
}

// RoomDetails returns what the server API says of room, and whether it
// exists (someone is in it, or it has settings).
func (h *Hub) RoomDetails(room string) (RoomDetails, bool) {
	room, err := h.roomName(room)
	if err != nil {
		return RoomDetails{}, false
	}
	dir, _ := h.broker.Rooms()
	i := slices.IndexFunc(dir, func(c RoomCount) bool { return c.Name == room })
	rs, kept := h.mod.settings(room)
	if i < 0 && !kept && room != h.cfg.DefaultRoom {
		return RoomDetails{}, false
	}
	d := details(rs)
	if i >= 0 {
		d.Members, d.Private = dir[i].Members, dir[i].Private
	}
	return d, true
}

func details(rs RoomSettings) RoomDetails {
	mods := rs.Moderators
	if mods == nil {
		mods = []string{}
	}
	return RoomDetails{Name: rs.Room, Topic: rs.Topic, Slow: int(rs.Slow / time.Second), Owner: rs.Owner, Moderators: mods}
}

// AllRoomDetails returns every room that exists, by name.
func (h *Hub) AllRoomDetails() []RoomDetails {
	dir, _ := h.broker.Rooms()
	byName := make(map[string]RoomDetails)
	byName[h.cfg.DefaultRoom] = RoomDetails{Name: h.cfg.DefaultRoom, Moderators: []string{}}
	for _, rs := range h.mod.allSettings() {
		byName[rs.Room] = details(rs)
	}
	for _, c := range dir {
		d, ok := byName[c.Name]
		if !ok {
			d = RoomDetails{Name: c.Name, Moderators: []string{}}
		}
		d.Members, d.Private = c.Members, c.Private
		byName[c.Name] = d
	}
	out := make([]RoomDetails, 0, len(byName))
	for _, d := range byName {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b RoomDetails) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// RoomUsers returns one page of room's users (as the userlist request's
// pages: at most limit after cursor, starting with prefix), the cursor of
// the next page ("" after the last) and how many are in it.
func (h *Hub) RoomUsers(room, cursor, prefix string, limit int) (names []string, next string, count int, err error) {
	room, err = h.roomName(room)
	if err != nil {
		return nil, "", 0, err
	}
	q := NamesQuery{Room: room, Cursor: cursor, Prefix: prefix, Limit: limit}
	if err := q.check(room); err != nil {
		return nil, "", 0, err
	}
	if limit <= 0 || limit > model.MaxUserListPage {
		limit = model.MaxUserListPage
	}
	r := h.room(room)
	if r == nil {
		return nil, "", 0, refuseRoom(RefuseNotIn, room, "no one is in room %s on this node", room)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	names, more := r.users.pages().page(cursor, model.FoldName(prefix), limit)
	if more {
		next = names[len(names)-1]
	}
	return names, next, r.users.len(), nil
}

// Restrictions returns the bans and mutes in force, of room only if room
// is not "" (server-wide bans have Room "").
func (h *Hub) Restrictions(room string) []Restriction {
	if room != "" {
		if n, err := h.roomName(room); err == nil {
			room = n
		}
	}
	return h.mod.list(room, time.Now())
}
