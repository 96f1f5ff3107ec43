package session

// This file owns catching up after a reconnect: per room, the seq of the
// last event received (a talk, a join, a leave, or a talk a catch-up
// brought); the since a handshake and a rejoin send with it; and turning
// catch-up frames into talks. The server then sends exactly the talks
// after it, so nothing is de-duplicated here.

import (
	"net/url"
	"strconv"

	"chatroom/model"
)

// saw records m's seq as the last seen of its room, if m is an event of a
// room in its order: a talk, a join or a leave. Our own join answering a
// catch-up is not: its seq is newer than the talks the catch-up replays
// after it, and a drop in between must not skip them. Our own join of a
// fresh join is: the talks it replays are older.
func (s *Session) saw(m *model.ChatRoomRequest) {
	if m.Room == "" || m.Seq == 0 {
		return
	}
	switch m.Type {
	case model.TypeTalk, model.TypeLeave:
	case model.TypeJoin:
		s.mu.Lock()
		catchUp := m.UserName == s.name && s.last[m.Room] != 0
		s.mu.Unlock()
		if catchUp {
			return
		}
	default:
		return
	}
	if m.Type == model.TypeTalk && s.oldHistory(m) {
		return // an old-form History replay is not the room's order
	}
	s.mu.Lock()
	s.last[m.Room] = m.Seq
	s.mu.Unlock()
}

// caughtUp reports the talks of a catch-up frame, in order, as talks.
func (s *Session) caughtUp(m *model.ChatRoomRequest) {
	for _, t := range m.Messages {
		if t.Room == "" {
			t.Room = m.Room
		}
		if t.Type == "" {
			t.Type = model.TypeTalk
		}
		s.saw(t)
		s.onEvent(Talk{Msg: t})
	}
}

// LastSeq is the seq of the last event seen of room (0: none), the since
// a reconnect catches up from.
func (s *Session) LastSeq(room string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last[canonicalRoom(room)]
}

// sinceLocked is room's catch-up point: 0 for a fresh join. s.mu is held.
func (s *Session) sinceLocked(room string) uint64 { return s.last[room] }

// addSince adds ?since=ROOM:SEQ to q for each of rooms seen before.
// s.mu is held.
func (s *Session) addSince(q url.Values, rooms []string) {
	for _, r := range rooms {
		if seq := s.sinceLocked(r); seq != 0 {
			q.Add("since", r+":"+strconv.FormatUint(seq, 10))
		}
	}
}
