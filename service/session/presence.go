package session

// This file owns presence at scale as the session sees it: userlist
// frames told apart into a room's whole user list and pages of it, the
// pages matched to the UserListPage requests that asked for them, and
// those requests. Presence frames (others' joins and leaves, coalesced,
// and a large room's count) are asked for in the handshake (rooms.go) and
// reported as they come (dispatch.go).

import (
	"slices"
	"strings"

	"chatroom/model"
)

// pageAsk is one UserListPage request awaiting its answer.
type pageAsk struct{ prefix, after string }

// UserListPage asks for at most limit (at most model.MaxUserListPage) of
// room's users whose names start with prefix (case does not matter),
// after the name cursor ("" from the first); limit 0 with no prefix and
// no cursor asks for the whole room, or a large room's first page. The
// answer is a UserPage naming the prefix and cursor asked (or a UserList:
// the whole room), or a UserPageRefused.
func (s *Session) UserListPage(room, prefix, cursor string, limit int) error {
	limit = max(0, min(limit, model.MaxUserListPage))
	room = canonicalRoom(room)
	ask := pageAsk{prefix, cursor}
	s.asking.Lock() // requests go out in the order they are recorded in
	defer s.asking.Unlock()
	s.mu.Lock()
	s.userPages[room] = append(s.userPages[room], ask)
	s.mu.Unlock()
	err := s.write(&model.ChatRoomRequest{Type: model.TypeUserList, Room: room, Content: prefix, Cursor: cursor, Limit: uint32(limit)})
	if err != nil { // not sent: no answer comes (the connection's end clears them all anyway)
		s.mu.Lock()
		asks := s.userPages[room]
		if i := slices.Index(asks, ask); i >= 0 {
			s.userPages[room] = slices.Delete(asks, i, i+1)
		}
		s.mu.Unlock()
	}
	return err
}

// userList reports userlist frame m: the whole room (not large, no next
// page, and as many names as the room's count, which a server without
// pages does not send), or else a page, matched to the oldest request for
// room's pages (none: the first page of a large room we joined). The
// server answers requests in order; a whole list it sends on its own (the
// room stopped being large) may come between, and is taken for the
// answer to the oldest request if it can be that answer (wholeAnswers).
func (s *Session) userList(m *model.ChatRoomRequest) {
	users := make([]string, 0, len(m.UserList))
	for _, name := range m.UserList {
		users = append(users, name)
	}
	if !m.Large && m.Cursor == "" && len(users) >= int(m.Count) {
		s.mu.Lock()
		if asks := s.userPages[m.Room]; len(asks) > 0 && wholeAnswers(asks[0], users) {
			s.userPages[m.Room] = asks[1:] // it may answer that: the whole room is its page
		}
		s.mu.Unlock()
		s.onEvent(UserList{Room: m.Room, Users: users, Count: int(m.Count)})
		return
	}
	slices.SortFunc(users, model.CompareNames) // a map has no order; a page is a run of names in the server's
	s.mu.Lock()
	var ask pageAsk
	if asks := s.userPages[m.Room]; len(asks) > 0 {
		ask = asks[0]
		s.userPages[m.Room] = asks[1:]
	}
	s.mu.Unlock()
	s.onEvent(UserPage{Room: m.Room, Prefix: ask.prefix, After: ask.after, Users: users, Cursor: m.Cursor, Count: int(m.Count), Large: m.Large})
}

// wholeAnswers says whether a room's whole user list, users, can be the
// answer to ask: every name is after its cursor and starts with its
// prefix. A room that is not large answers a page with a cursor or a
// prefix that every member fits just so (no cursor, as many names as the
// count); were it not taken for that answer, the ask would stay, and each
// later page be matched to the request before its own.
func wholeAnswers(ask pageAsk, users []string) bool {
	prefix := model.FoldName(ask.prefix)
	for _, u := range users {
		if !strings.HasPrefix(model.FoldName(u), prefix) || (ask.after != "" && model.CompareNames(u, ask.after) <= 0) {
			return false
		}
	}
	return true
}

// userPageRefused reports error m as the refusal of the oldest page asked
// of its room, if it is one: the server answers requests in order, and
// words a user list's refusals with "user list" (too many asked, a prefix
// too long). It says whether it was.
func (s *Session) userPageRefused(m *model.ChatRoomRequest) bool {
	if m.Room == "" || !strings.Contains(m.Content, "user list") {
		return false
	}
	s.mu.Lock()
	asks := s.userPages[m.Room]
	if len(asks) == 0 {
		s.mu.Unlock()
		return false
	}
	s.userPages[m.Room] = asks[1:]
	s.mu.Unlock()
	s.onEvent(UserPageRefused{Room: m.Room, Prefix: asks[0].prefix, After: asks[0].after, Reason: m.Content})
	return true
}
