package ctrl

// This file owns the desktop client's rooms and direct conversations: which
// ones the window lists, their users, where each event and error belongs,
// and the user's requests to join, part, list rooms and talk to one person.

import (
	"errors"
	"strings"
	"unicode/utf8"

	"chatroom/model"
	"chatroom/service/session"
)

// Conv names one conversation of the window: a room, or the direct messages
// with one user. The zero Conv is the home room of a server without rooms
// (and, given to AppendLine, the conversation shown).
type Conv struct {
	Room string // the room's name; "" in a direct conversation
	With string // the other user of a direct conversation
}

// RoomConv and DirectConv make Convs.
func RoomConv(room string) Conv   { return Conv{Room: room} }
func DirectConv(user string) Conv { return Conv{With: user} }

// IsDirect says whether c is a direct conversation.
func (c Conv) IsDirect() bool { return c.With != "" }

// RoomInfo is one public room of the server's list.
type RoomInfo struct {
	Name    string
	Members int
	Topic   string
}

// RoomPage is a page of the rooms list. First: it starts the list (else it
// follows the page before); More: there are more pages.
type RoomPage struct {
	Rooms       []RoomInfo
	First, More bool
}

// convState is what the controller knows of the conversations; Client.mu
// guards it.
type convState struct {
	rooms    map[string]map[string]bool // the rooms we are in, and their users
	direct   map[string]bool            // the direct conversations open, by partner
	joining  map[string]bool            // rooms we asked to join: their errors go under the join field
	since    map[string]uint64          // per room, the seq of our first join: the talks it replays are older
	history  map[Conv]*convHistory      // per conversation, reading back (clienthistory.go)
	presence map[string]*roomPresence   // per room, its count, filter and pages (clientpresence.go)
	mod      map[string]*RoomMod        // per room, its topic, slow mode and our role (clientmodevents.go)
	selected map[Conv]uint64            // per conversation, the talk selected: what /delete deletes
	next     string                     // the cursor of the rooms list's next page
	asked    string                     // the cursor of the page asked for last
}

func newConvState() convState {
	return convState{
		rooms: map[string]map[string]bool{}, direct: map[string]bool{},
		joining: map[string]bool{}, since: map[string]uint64{}, history: map[Conv]*convHistory{},
		presence: map[string]*roomPresence{}, mod: map[string]*RoomMod{}, selected: map[Conv]uint64{},
	}
}

// ValidateRoom applies the server's room name rules and returns the name
// the room is known by.
func ValidateRoom(name string) (string, *InputError) {
	n, err := model.NormalizeRoom(strings.TrimSpace(name))
	if err == nil {
		return n, nil
	}
	key := "A room name may hold only letters, digits, marks and - _ ."
	switch {
	case errors.Is(err, model.ErrRoomEmpty):
		key = "Enter a room name"
	case utf8.RuneCountInString(strings.TrimSpace(name)) > model.MaxRoomRunes:
		key = "A room name has at most 64 characters"
	case strings.Contains(err.Error(), "must start"):
		key = "A room name must start with a letter or a digit"
	}
	return "", &InputError{FieldRoom, Text{Key: key}}
}

// Join checks name and asks to join that room (private: created unlisted).
// The window shows the room once the server has let us in.
func (c *Client) Join(name string, private bool) *InputError {
	room, ierr := ValidateRoom(name)
	if ierr != nil {
		return ierr
	}
	s := c.current()
	if s == nil {
		return &InputError{FieldRoom, Text{Key: "Not connected"}}
	}
	c.mu.Lock()
	_, in := c.convs.rooms[room]
	c.convs.joining[room] = !in
	c.mu.Unlock()
	if in { // joined already: just show it
		c.view.OpenConv(RoomConv(room), true)
		return nil
	}
	return sendError(FieldRoom, s.Join(room, private))
}

// Part asks to leave room; the window drops it on the server's answer.
func (c *Client) Part(room string) *InputError {
	s := c.current()
	if s == nil {
		return &InputError{FieldMessage, Text{Key: "Not connected"}}
	}
	return sendError(FieldMessage, s.Part(room))
}

// ListRooms asks for the first page of public rooms, or (more) the next.
func (c *Client) ListRooms(more bool) *InputError {
	s := c.current()
	if s == nil {
		return &InputError{FieldRoom, Text{Key: "Not connected"}}
	}
	c.mu.Lock()
	cursor := ""
	if more {
		cursor = c.convs.next
	}
	c.convs.asked = cursor
	c.mu.Unlock()
	return sendError(FieldRoom, s.ListRooms(cursor, 0))
}

// OpenDirect shows the direct conversation with user, opening it (and
// asking for its last messages) if it is new.
func (c *Client) OpenDirect(user string) *InputError {
	s := c.current()
	if s == nil {
		return &InputError{FieldMessage, Text{Key: "Not connected"}}
	}
	if user == s.Name() {
		return &InputError{FieldMessage, Text{Key: "That is you: choose someone else to write to"}}
	}
	if !c.openDirect(user, true, s.Name()) {
		return nil
	}
	return c.LoadOlder(DirectConv(user))
}

// CloseDirect takes the direct conversation with user off the list; a
// message from them opens it again.
func (c *Client) CloseDirect(user string) {
	c.mu.Lock()
	delete(c.convs.direct, user)
	if h := c.convs.history[DirectConv(user)]; h != nil {
		// Forget what it held, but not a page on its way: its answer, or
		// its refusal, must not open the conversation again.
		c.convs.history[DirectConv(user)] = &convHistory{loading: h.loading}
	}
	c.mu.Unlock()
	c.view.CloseConv(DirectConv(user))
}

// openDirect lists the direct conversation with user (show: and shows it);
// it says whether it is new.
func (c *Client) openDirect(user string, show bool, me string) bool {
	c.mu.Lock()
	open := c.convs.direct[user]
	c.convs.direct[user] = true
	c.mu.Unlock()
	if open {
		if show {
			c.view.OpenConv(DirectConv(user), true)
		}
		return false
	}
	c.view.OpenConv(DirectConv(user), show)
	c.view.SetUsers(DirectConv(user), Users{List: []User{{Name: me, Self: true}, {Name: user}}, Count: 2})
	return true
}

// forgetUsers empties every room's user list (the connection is gone) and
// returns the rooms.
func (c *Client) forgetUsers() []Conv {
	c.mu.Lock()
	defer c.mu.Unlock()
	var convs []Conv
	for room, users := range c.convs.rooms {
		clear(users)
		convs = append(convs, RoomConv(room))
	}
	c.resetPresence()
	return convs
}

func (c *Client) joined(m *model.ChatRoomRequest) {
	conv := RoomConv(m.Room)
	c.mu.Lock()
	users, in := c.convs.rooms[m.Room]
	own := m.UserName == c.self
	if own && !in {
		users = map[string]bool{}
		c.convs.rooms[m.Room] = users
		// A rejoin after a reconnect keeps the first join's mark: what was
		// said while we were away is news.
		c.convs.since[m.Room] = m.Seq
	}
	// A room we asked for, or the first one, is shown at once.
	show := own && !in && (c.convs.joining[m.Room] || len(c.convs.rooms) == 1)
	if own {
		delete(c.convs.joining, m.Room)
		c.presenceOf(m.Room).welcome = true // its user list, or first page, follows
		c.convs.mod[m.Room] = &RoomMod{}    // its topic, slow mode and our role follow, if set (clientmodevents.go)
	}
	if users != nil {
		users[m.UserName] = true
	}
	c.mu.Unlock()
	if own && !in && m.Room != "" {
		c.view.OpenConv(conv, show)
	}
	if own && in { // a rejoin: what was set while we were away follows
		c.view.SetRoomMod(conv, RoomMod{})
	}
	c.showUsers(m.Room)
	if !own { // our own join is the room appearing
		c.view.AppendLine(conv, Line{Kind: LineJoin, Time: msgTime(m), Sender: m.UserName})
	}
}

func (c *Client) left(m *model.ChatRoomRequest) {
	conv := RoomConv(m.Room)
	c.mu.Lock()
	own := m.UserName == c.self
	if own {
		delete(c.convs.rooms, m.Room)
		delete(c.convs.since, m.Room)
		delete(c.convs.presence, m.Room)
		delete(c.convs.mod, m.Room)
		delete(c.convs.selected, conv)
		if h := c.convs.history[conv]; h != nil { // as CloseDirect
			c.convs.history[conv] = &convHistory{loading: h.loading}
		}
	} else if users := c.convs.rooms[m.Room]; users != nil {
		delete(users, m.UserName)
	}
	c.mu.Unlock()
	if own {
		c.view.CloseConv(conv)
		return
	}
	c.showUsers(m.Room)
	c.view.AppendLine(conv, Line{Kind: LineLeave, Time: msgTime(m), Sender: m.UserName})
}

// talk shows a talk in its room or direct conversation (opening that).
// Nothing is de-duplicated: the server sends each talk once, and a
// reconnect catches up from the last seq seen.
func (c *Client) talk(ev session.Talk) {
	m := ev.Msg
	line := c.talkLine(m)
	conv := RoomConv(m.Room)
	if m.To != "" && m.Room == "" {
		conv = DirectConv(session.Partner(m, c.self))
		c.openDirect(conv.With, false, c.self)
	}
	c.mu.Lock()
	if !conv.IsDirect() {
		line.Past = m.Seq < c.convs.since[m.Room]
	}
	c.held(conv, m.Seq)
	c.mu.Unlock()
	c.view.AppendLine(conv, line)
}

// talkLine is talk m as a line of the message list.
func (c *Client) talkLine(m *model.ChatRoomRequest) Line {
	switch {
	case m.Type == model.TypeDelete: // a tombstone, in a page, a search or a catch-up
		return tombstone(m, m.Seq)
	case m.UserName == model.SystemName:
		return Line{Kind: LineOperator, Time: msgTime(m), Sender: m.UserName, Text: m.Content, Seq: m.Seq}
	}
	return Line{Kind: LineTalk, Time: msgTime(m), Sender: m.UserName, Text: m.Content, Own: m.UserName == c.self, Seq: m.Seq}
}

// serverError shows a refusal where it belongs: in its room or direct
// conversation, under the join field for a room we are not in, else in
// the conversation shown.
func (c *Client) serverError(ev session.ServerError) {
	text := Text{Key: "The server said: {{.Reason}}", Data: map[string]any{"Reason": ev.Reason}}
	line := Line{Kind: LineError, Time: msgTime(&model.ChatRoomRequest{}), Info: text}
	switch {
	case ev.Room != "" && c.readFailed(RoomConv(ev.Room), pageRefused(ev.Reason)):
		// its page's: the note above the list says it
	case ev.Room != "":
		c.mu.Lock()
		_, in := c.convs.rooms[ev.Room]
		delete(c.convs.joining, ev.Room)
		c.mu.Unlock()
		if !in {
			c.view.JoinFailed(&InputError{FieldRoom, text})
			return
		}
		c.view.AppendLine(RoomConv(ev.Room), line)
	case ev.To != "" && c.readFailed(DirectConv(ev.To), pageRefused(ev.Reason)):
		// its page's (the conversation may be closed meanwhile: not opened again)
	case ev.To != "":
		c.openDirect(ev.To, false, c.self)
		c.view.AppendLine(DirectConv(ev.To), line)
	default:
		c.view.AppendLine(Conv{}, line)
	}
}

func (c *Client) roomList(ev session.RoomList) {
	page := RoomPage{More: ev.Cursor != ""}
	for _, r := range ev.Rooms {
		page.Rooms = append(page.Rooms, RoomInfo{Name: r.Name, Members: int(r.Members), Topic: r.Topic})
	}
	c.mu.Lock()
	page.First = c.convs.asked == ""
	c.convs.next = ev.Cursor
	c.mu.Unlock()
	c.view.SetRoomList(page)
}
