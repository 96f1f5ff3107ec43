package session

// This file owns reading back: pages of a conversation's older talks
// (scroll back) and searching its talks, and telling their answers from
// the end of an old-form History request.

import (
	"errors"
	"strings"

	"chatroom/model"
)

// PageSize is the talks a page of scroll back asks for.
const PageSize = 50

// MaxQuery is the longest search query, in bytes, as the server allows.
const MaxQuery = 256

// Errors of Search.
var (
	ErrEmptyQuery   = errors.New("search: empty query")
	ErrQueryTooLong = errors.New("search: the query is longer than 256 bytes")
)

// target names room or the direct conversation with to in a request; it
// returns the key its answer is counted under.
func target(room, to string) (key string, err error) {
	if (room == "") == (to == "") {
		return "", ErrNoTarget
	}
	if to != "" {
		return directKey(canonicalUser(to)), nil
	}
	return roomKey(canonicalRoom(room)), nil
}

// clampLimit is limit within 1..model.MaxHistoryPage; 0 is PageSize.
func clampLimit(limit int) uint32 {
	if limit <= 0 {
		return PageSize
	}
	return uint32(min(limit, model.MaxHistoryPage))
}

// Page asks for the talks of room (or of the direct conversation with to)
// older than before (0: the newest), at most limit (0: PageSize; at most
// model.MaxHistoryPage). The answer is a Page, or a ServerError about the
// room or user.
func (s *Session) Page(room, to string, before uint64, limit int) error {
	key, err := target(room, to)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.pages[key]++
	s.mu.Unlock()
	err = s.write(&model.ChatRoomRequest{Type: model.TypeHistory, Room: room, To: to, Before: before, Limit: clampLimit(limit)})
	if err != nil {
		s.mu.Lock()
		s.pages[key] = max(0, s.pages[key]-1)
		s.mu.Unlock()
	}
	return err
}

// pageAnswered says whether history frame m answers a Page request (else
// it ends an old-form History request), and counts it answered.
func (s *Session) pageAnswered(m *model.ChatRoomRequest) bool {
	key := replyKey(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pages[key] == 0 {
		return len(m.Messages) > 0 || m.More || m.Before != 0
	}
	s.pages[key]--
	return true
}

// Search asks for the talks of room (or of the direct conversation with
// to) whose text matches query, older than before (0: the newest), newest
// first, at most limit (0: PageSize). The answer is a Found, or a
// ServerError about the room or user.
func (s *Session) Search(room, to, query string, before uint64, limit int) error {
	if _, err := target(room, to); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(query) == "":
		return ErrEmptyQuery
	case len(query) > MaxQuery:
		return ErrQueryTooLong
	}
	return s.write(&model.ChatRoomRequest{Type: model.TypeSearch, Room: room, To: to, Content: query, Before: before, Limit: clampLimit(limit)})
}

// found reports a search's answer.
func (s *Session) found(m *model.ChatRoomRequest) {
	s.onEvent(Found{Room: m.Room, To: m.To, Query: m.Content, Before: m.Before, Messages: m.Messages, More: m.More})
}
