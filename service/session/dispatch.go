package session

// Turning the server's messages into events, without the history a
// reconnect replays a second time.

import "chatroom/model"

func (s *Session) dispatch(m *model.ChatRoomRequest) {
	if m.Seq != 0 {
		// Seqs count within one server's life: a restarted server starts
		// again from 1, at later times. So an event was seen before only
		// if it is no newer by both.
		s.mu.Lock()
		seen := m.Seq <= s.seq && m.Timestamp <= s.ts
		if !seen {
			s.seq, s.ts = m.Seq, m.Timestamp
		}
		s.mu.Unlock()
		if seen && m.Type == model.TypeTalk {
			return // history we showed before a reconnect
		}
	}
	switch m.Type {
	case model.TypeTalk:
		s.onEvent(Talk{m})
	case model.TypeUserList:
		users := make([]string, 0, len(m.UserList))
		for _, name := range m.UserList {
			users = append(users, name)
		}
		s.onEvent(UserList{users})
	case model.TypeJoin:
		s.onEvent(Joined{m})
	case model.TypeLeave:
		s.onEvent(Left{m})
	case model.TypeError:
		s.onEvent(ServerError{m.Content})
	}
}
