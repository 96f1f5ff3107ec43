package session

// This file owns the session's side of moderation: sending a moderation
// request, reporting the server's moderation events and audit pages, and
// forgetting a room we were kicked or banned from (so a reconnect does
// not try to rejoin it).

import (
	"errors"
	"slices"

	"chatroom/model"
)

// CloseKicked and CloseBanned are the close codes of a connection ended
// by a kick from its home room (reconnecting is fine) and by a ban from
// the server (reconnecting is not).
const (
	CloseKicked = 4001
	CloseBanned = 4003
)

// ErrNotModeration is a Moderate call with a type that is not one of
// moderation's requests.
var ErrNotModeration = errors.New("not a moderation request")

// Moderate sends a moderation request (kick, ban, unban, mute, unmute,
// delete, topic, slow, role, audit; see model.ModerationTypes). The
// server answers with the action's event to the room, or an error in
// words.
func (s *Session) Moderate(m *model.ChatRoomRequest) error {
	if m == nil || !slices.Contains(model.ModerationTypes(), m.Type) {
		return ErrNotModeration
	}
	return s.write(m)
}

// moderated reports a moderation event or an audit page. Our own kick or
// ban from a room other than our home room takes us out of it: the server
// parts us, and sends us no leave of our own.
func (s *Session) moderated(m *model.ChatRoomRequest) {
	if m.Type == model.TypeAudit {
		s.onEvent(Audit{Room: m.Room, Messages: m.Messages, More: m.More})
		return
	}
	if (m.Type == model.TypeKick || m.Type == model.TypeBan) && m.Room != "" && m.UserName == s.Name() && !m.Server {
		s.mu.Lock()
		home := len(s.rooms) > 0 && s.rooms[0].name == m.Room
		s.mu.Unlock()
		if !home { // kicked from the home room, the server closes the connection (4001)
			s.parted(m.Room)
		}
	}
	s.onEvent(Moderation{Msg: m})
}

// isModeration says whether type t is a moderation event or reply.
func isModeration(t string) bool { return slices.Contains(model.ModerationTypes(), t) }

// banned says whether err is the server closing the connection for a ban:
// a reconnect would be refused.
func banned(err error) bool {
	var closed *ClosedError
	return errors.As(err, &closed) && closed.Code == CloseBanned
}
