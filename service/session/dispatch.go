package session

// Turning the server's messages into events. Nothing is de-duplicated: a
// reconnect catches up from the last seq seen of each room (catchup.go),
// so the server sends every talk once.

import "chatroom/model"

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

// oldHistory says whether talk m answers a History request of the old form.
func (s *Session) oldHistory(m *model.ChatRoomRequest) bool {
	key := s.conversation(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.histories[key] > 0
}

func (s *Session) dispatch(m *model.ChatRoomRequest) {
	s.saw(m)
	switch m.Type {
	case model.TypeTalk:
		s.onEvent(Talk{Msg: m, History: s.oldHistory(m)})
	case model.TypeUserList:
		if m.Private {
			s.unlisted(m.Room)
		}
		s.userList(m)
	case model.TypePresence:
		s.onEvent(Presence{Room: m.Room, Joined: m.Joined, Left: m.Left, Count: int(m.Count), Large: m.Large})
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
		if !s.userPageRefused(m) {
			s.onEvent(ServerError{Reason: m.Content, Room: m.Room, To: m.To})
		}
	case model.TypeRooms:
		s.onEvent(RoomList{Rooms: m.Rooms, Cursor: m.Cursor})
	case model.TypeHistory:
		s.history(m)
	case model.TypeGap:
		s.onEvent(Gap{Room: m.Room, Reason: m.Content, Seq: m.Seq})
	case model.TypeSearch:
		s.found(m)
	default:
		if isModeration(m.Type) {
			s.moderated(m)
		}
	}
}

// history is a history frame: a catch-up (since set), a page of scroll
// back, or the end of an old-form History request.
func (s *Session) history(m *model.ChatRoomRequest) {
	switch {
	case m.Since != 0:
		s.caughtUp(m)
	case s.pageAnswered(m):
		s.onEvent(Page{Room: m.Room, To: m.To, Before: m.Before, Messages: m.Messages, More: m.More})
	default:
		s.historyEnd(m)
	}
}

// historyEnd closes one History request.
func (s *Session) historyEnd(m *model.ChatRoomRequest) {
	key := replyKey(m)
	s.mu.Lock()
	if s.histories[key] > 0 {
		s.histories[key]--
	}
	s.mu.Unlock()
	s.onEvent(HistoryEnd{Room: m.Room, To: m.To})
}

// replyKey is the conversation a reply to our request names: a room, or
// (in to) the partner itself.
func replyKey(m *model.ChatRoomRequest) string {
	if m.To != "" {
		return directKey(m.To)
	}
	return roomKey(m.Room)
}
