package session

// Turning the server's messages into events, without the history a
// reconnect replays a second time.

import "chatroom/model"

// mark is the newest event seen in one conversation (a room, or the direct
// messages with one user): its seq and server time.
type mark struct {
	seq uint64
	ts  int64
}

// conversation is the key of the room or direct conversation m is about.
func (s *Session) conversation(m *model.ChatRoomRequest) string {
	if m.To != "" && m.Room == "" {
		s.mu.Lock()
		me := s.name
		s.mu.Unlock()
		return directKey(Partner(m, me))
	}
	return roomKey(m.Room)
}

// replayed says whether m was reported before: history a reconnect or a
// rejoin replays. Seqs count per room and within one server's life: a
// restarted server starts again from 1, at later times. So an event was
// seen before only if it is no newer by both. A talk that answers a History
// request is never skipped; it is marked History instead.
func (s *Session) replayed(m *model.ChatRoomRequest) (seen, history bool) {
	key := s.conversation(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	history = m.Type == model.TypeTalk && s.histories[key] > 0
	if m.Seq == 0 || m.Type == model.TypeJoin && m.UserName == s.name {
		// Our own join comes before the room's history, which has lower
		// seqs: it must not make that history look seen.
		return false, history
	}
	last := s.seen[key]
	seen = m.Seq <= last.seq && m.Timestamp <= last.ts
	if !seen {
		s.seen[key] = mark{m.Seq, m.Timestamp}
	}
	return seen && !history && m.Type == model.TypeTalk, history
}

func (s *Session) dispatch(m *model.ChatRoomRequest) {
	seen, history := s.replayed(m)
	if seen {
		return // history we showed before a reconnect
	}
	switch m.Type {
	case model.TypeTalk:
		s.onEvent(Talk{Msg: m, History: history})
	case model.TypeUserList:
		if m.Private {
			s.unlisted(m.Room)
		}
		users := make([]string, 0, len(m.UserList))
		for _, name := range m.UserList {
			users = append(users, name)
		}
		s.onEvent(UserList{Room: m.Room, Users: users})
	case model.TypeJoin:
		if m.UserName == s.Name() {
			s.joined(m.Room)
		}
		s.onEvent(Joined{m})
	case model.TypeLeave:
		if m.UserName == s.Name() {
			s.parted(m.Room)
		}
		s.onEvent(Left{m})
	case model.TypeError:
		s.onEvent(ServerError{Reason: m.Content, Room: m.Room, To: m.To})
	case model.TypeRooms:
		s.onEvent(RoomList{Rooms: m.Rooms, Cursor: m.Cursor})
	case model.TypeHistory:
		s.historyEnd(m)
	}
}

// historyEnd closes one History request.
func (s *Session) historyEnd(m *model.ChatRoomRequest) {
	key := s.conversation(m)
	if m.To != "" {
		key = directKey(m.To) // the end marker names the partner itself
	}
	s.mu.Lock()
	if s.histories[key] > 0 {
		s.histories[key]--
	}
	s.mu.Unlock()
	s.onEvent(HistoryEnd{Room: m.Room, To: m.To})
}
