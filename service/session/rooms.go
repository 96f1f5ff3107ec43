package session

// The rooms a session is in, kept from the server's own word (our join
// and leave events), so that every reconnect rejoins all of them; and the
// requests about rooms and direct messages.

import (
	"errors"
	"math"
	"net/url"
	"slices"

	"chatroom/model"
)

// ErrNoTarget is a History call that names neither a room nor a user, or both.
var ErrNoTarget = errors.New("history: name a room or a user, not both")

// inRoom is one room the session is in.
type inRoom struct {
	name    string
	private bool // unlisted (we created it so, or its user list says so): a rejoin must not list it
}

// initialRooms are cfg's starting rooms in the form the server knows them
// by; a name the rules refuse is kept as it is, for the server to refuse
// in words.
func initialRooms(names []string) []inRoom {
	var rooms []inRoom
	for _, n := range names {
		n = canonicalRoom(n)
		if !slices.ContainsFunc(rooms, func(r inRoom) bool { return r.name == n }) {
			rooms = append(rooms, inRoom{name: n})
		}
	}
	return rooms
}

// Rooms returns the rooms the session is in (or will rejoin), home room first.
func (s *Session) Rooms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, len(s.rooms))
	for i, r := range s.rooms {
		names[i] = r.name
	}
	return names
}

// handshakeURL is cfg.URL with the public rooms to start in as ?room=,
// home room first, where to catch up each from as ?since=ROOM:SEQ, and
// ?presence=coalesce: others' joins and leaves as presence frames.
// Private rooms are joined after connecting (rejoin).
func (s *Session) handshakeURL() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := url.Parse(s.cfg.URL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	var public []string
	for _, r := range s.rooms {
		if !r.private {
			q.Add("room", r.name)
			public = append(public, r.name)
		}
	}
	s.addSince(q, public)
	q.Set(model.PresenceParam, model.PresenceCoalesce) // presence.go reads what this brings; old servers ignore it
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// rejoinPrivate joins again, after a reconnect, the private rooms we were
// in, asking for them unlisted in case they ended meanwhile, and catching
// up from the last event seen of each.
func (s *Session) rejoinPrivate() {
	s.mu.Lock()
	var private []*model.ChatRoomRequest
	for _, r := range s.rooms {
		if r.private {
			private = append(private, &model.ChatRoomRequest{Type: model.TypeJoin, Room: r.name, Private: true, Since: s.sinceLocked(r.name)})
		}
	}
	s.mu.Unlock()
	for _, join := range private {
		if s.write(join) != nil {
			return // the connection ended: the next one tries again
		}
	}
}

// joined records our own join event: we are in room now.
func (s *Session) joined(room string) {
	if room == "" {
		return // a server without rooms
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	private := s.wantPrivate[room]
	delete(s.wantPrivate, room)
	if i := slices.IndexFunc(s.rooms, func(r inRoom) bool { return r.name == room }); i >= 0 {
		s.rooms[i].private = s.rooms[i].private || private
		return
	}
	s.rooms = append(s.rooms, inRoom{name: room, private: private})
}

// unlisted records that room, which we are in, is private, as its user
// list says: a reconnect joins it again with private.
func (s *Session) unlisted(room string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.IndexFunc(s.rooms, func(r inRoom) bool { return r.name == room }); i >= 0 {
		s.rooms[i].private = true
	}
}

// parted records our own leave event: we are out of room, and a join of
// it again is a fresh one (its last talks, not a catch-up).
func (s *Session) parted(room string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rooms = slices.DeleteFunc(s.rooms, func(r inRoom) bool { return r.name == room })
	delete(s.last, room)
	delete(s.userPages, room) // their answers, if any come, are not ours to show
}

// Join joins room; private creates it unlisted if it does not exist. The
// answer is our join event (then the room's users and last talks, or, for
// a room we are in already, the talks after the last event seen), or a
// ServerError about the room.
func (s *Session) Join(room string, private bool) error {
	s.mu.Lock()
	if private {
		s.wantPrivate[canonicalRoom(room)] = true
	}
	since := s.sinceLocked(canonicalRoom(room)) // a room we are in already
	s.mu.Unlock()
	return s.write(&model.ChatRoomRequest{Type: model.TypeJoin, Room: room, Private: private, Since: since})
}

// Part leaves room; the answer is our leave event.
func (s *Session) Part(room string) error {
	return s.write(&model.ChatRoomRequest{Type: model.TypePart, Room: room})
}

// ListRooms asks for a page of public rooms after cursor ("" from the
// start); limit 0 is the server's default page. The answer is a RoomList.
func (s *Session) ListRooms(cursor string, limit int) error {
	return s.write(&model.ChatRoomRequest{Type: model.TypeRooms, Cursor: cursor, Limit: uint32(max(0, min(limit, math.MaxInt32)))})
}

// Talk says text in room.
func (s *Session) Talk(room, text string) error {
	return s.write(&model.ChatRoomRequest{Type: model.TypeTalk, Room: room, Content: text})
}

// Direct sends text to the user to alone (and echoes it to us).
func (s *Session) Direct(to, text string) error {
	return s.write(&model.ChatRoomRequest{Type: model.TypeTalk, To: to, Content: text})
}

// UserList asks for room's users; the answer is a UserList, or from a
// large room a UserPage: its first page (presence.go).
func (s *Session) UserList(room string) error {
	return s.UserListPage(room, "", "", 0)
}

// History asks for a room's last talks (room set) or the last direct
// messages with the user to (to set). They arrive as Talks marked History,
// even those reported before, then a HistoryEnd.
func (s *Session) History(room, to string) error {
	if (room == "") == (to == "") {
		return ErrNoTarget
	}
	key := roomKey(canonicalRoom(room))
	if to != "" {
		key = directKey(canonicalUser(to))
	}
	s.mu.Lock()
	s.histories[key]++
	s.mu.Unlock()
	err := s.write(&model.ChatRoomRequest{Type: model.TypeHistory, Room: room, To: to})
	if err != nil {
		s.mu.Lock()
		s.histories[key]--
		s.mu.Unlock()
	}
	return err
}

// roomKey and directKey name a conversation for the history requests.
func roomKey(room string) string { return "#" + room }
func directKey(to string) string { return "@" + to }

// canonicalRoom and canonicalUser are names as the server sends them back;
// a name the rules refuse stays as it is (the server refuses it in words).
func canonicalRoom(room string) string {
	if n, err := model.NormalizeRoom(room); err == nil {
		return n
	}
	return room
}

func canonicalUser(name string) string {
	if n, err := model.NormalizeUsername(name); err == nil {
		return n
	}
	return name
}
