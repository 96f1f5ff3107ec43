package ctrl

// This file owns each room's user list in the desktop client: the members
// (kept from the whole list, per-user joins and leaves, and coalesced
// presence frames), the count shown above the list, and a large room's
// paged list: the pages loaded for the name prefix typed in the filter,
// and asking for the next. In a room that is not large the filter is
// applied here, to the members held.

import (
	"slices"
	"strings"

	"chatroom/model"
	"chatroom/service"
	"chatroom/service/session"
)

// UserPageSize is how many names the client asks for per page of a large
// room's users, unless ClientOptions say otherwise.
const UserPageSize = 100

// presenceLines is the most names of one presence frame shown as their own
// "joined" and "left" lines; more are summed up in one line.
const presenceLines = 3

// Users is a conversation's user list as the window shows it.
type Users struct {
	List  []User // everyone whose name starts with the filter, or (paged) the pages loaded
	Count int    // how many are in the conversation
	Paged bool   // a large room: List holds pages, and the filter asks the server
	More  bool   // paged: there is another page to load (MoreUsers)
	Note  Text   // paged: why the last page asked for was refused; empty Key when none
}

// roomPresence is what the controller holds of a room's users besides the
// members themselves (convState.rooms).
type roomPresence struct {
	count   int      // the server's count of a large room
	large   bool     // past the server's -presence-limit: names come in pages
	filter  string   // the name prefix typed in the filter
	page    []string // large: the names loaded for filter, in order
	next    string   // large: the cursor of the next page ("" none)
	loading bool     // large: a page is on its way
	welcome bool     // we have just joined: the server sends the first list or page itself
	refused string   // large: the server's words on the last page asked for, if it refused it
}

// presenceOf is room's presence, made if new; c.mu is held.
func (c *Client) presenceOf(room string) *roomPresence {
	p := c.convs.presence[room]
	if p == nil {
		p = &roomPresence{}
		c.convs.presence[room] = p
	}
	return p
}

// userList is a room's whole user list: the room is not large (any more).
func (c *Client) userList(ev session.UserList) {
	c.mu.Lock()
	users := c.convs.rooms[ev.Room]
	if users == nil && ev.Room == "" { // a server without rooms
		users = map[string]bool{}
		c.convs.rooms[""] = users
	}
	if users != nil {
		clear(users)
		for _, u := range ev.Users {
			users[u] = true
		}
		p := c.presenceOf(ev.Room)
		p.large, p.page, p.next, p.loading, p.welcome = false, nil, "", false, false
	}
	c.mu.Unlock()
	c.showUsers(ev.Room)
}

// presence applies a presence frame: names that joined and left, or (in a
// large room) the count. A room that has just become large is read in
// pages from now on, from the first for the filter typed (unless we have
// just joined it: the server sends that page with our welcome); one that
// is small again keeps its pages until the whole list that follows.
func (c *Client) presence(ev session.Presence) {
	c.mu.Lock()
	users := c.convs.rooms[ev.Room]
	if users == nil { // not a room we are in
		c.mu.Unlock()
		return
	}
	p := c.presenceOf(ev.Room)
	if p.large && !ev.Large { // small again: the whole list follows, and shows everyone
		p.count = ev.Count
		c.mu.Unlock()
		c.showUsers(ev.Room)
		return
	}
	became := ev.Large && !p.large
	p.large, p.count = ev.Large, ev.Count
	if ev.Large {
		clear(users) // names come no more: what is held would go stale
	} else {
		p.page, p.next, p.loading = nil, "", false
	}
	for _, name := range ev.Left {
		delete(users, name)
	}
	for _, name := range ev.Joined { // in the room now, even if it left in the same window
		users[name] = true
	}
	filter, ask := p.filter, became && !p.welcome
	c.mu.Unlock()
	if ask {
		c.askUsers(ev.Room, filter, "")
	}
	c.showUsers(ev.Room)
	c.presenceLines(ev)
}

// presenceLines shows who joined and left in a presence frame: a line
// each, or one line counting them when they are many.
func (c *Client) presenceLines(ev session.Presence) {
	joined := slices.DeleteFunc(slices.Clone(ev.Joined), func(n string) bool { return n == c.self })
	left := slices.DeleteFunc(slices.Clone(ev.Left), func(n string) bool { return n == c.self })
	conv, now := RoomConv(ev.Room), msgTime(&model.ChatRoomRequest{})
	if len(joined)+len(left) > presenceLines {
		counts := map[string]any{"Joined": len(joined), "Left": len(left)}
		c.view.AppendLine(conv, Line{Kind: LineNotice, Time: now, Info: Text{Key: "{{.Joined}} joined and {{.Left}} left", Data: counts}})
		return
	}
	for _, name := range joined {
		c.view.AppendLine(conv, Line{Kind: LineJoin, Time: now, Sender: name})
	}
	for _, name := range left {
		c.view.AppendLine(conv, Line{Kind: LineLeave, Time: now, Sender: name})
	}
}

// userPage shows a page of a large room's users, if it answers what the
// filter holds now: the first page replaces the list, the next one is
// added to it. A page of a room that is not large is not needed: the
// members held are all of them.
func (c *Client) userPage(ev session.UserPage) {
	c.mu.Lock()
	users := c.convs.rooms[ev.Room]
	if users == nil {
		c.mu.Unlock()
		return
	}
	p := c.presenceOf(ev.Room)
	if ev.Large && !p.large { // the first page of a large room we joined
		p.large, p.page, p.next = true, nil, ""
		clear(users)
	}
	// The first page of a room joined again (a reconnect) with a filter
	// typed is not the filter's: ask for that.
	refilter := p.welcome && p.large && ev.Prefix == "" && ev.After == "" && p.filter != ""
	p.welcome = false
	current := p.large && ev.Prefix == p.filter && (ev.After == "" || ev.After == p.next)
	if current {
		if ev.After == "" {
			p.page = nil
		}
		p.page = append(p.page, ev.Users...)
		p.next, p.count, p.loading, p.refused = ev.Cursor, ev.Count, false, ""
	}
	filter := p.filter
	c.mu.Unlock()
	if refilter {
		c.askUsers(ev.Room, filter, "")
	}
	if current {
		c.showUsers(ev.Room)
	}
}

// userPageRefused is the server refusing a page of a large room's users:
// if it was for the filter typed, the list says why, and the next one
// may be asked for.
func (c *Client) userPageRefused(ev session.UserPageRefused) {
	c.mu.Lock()
	p := c.convs.presence[ev.Room]
	current := p != nil && p.large && ev.Prefix == p.filter
	if current {
		p.loading, p.refused = false, ev.Reason
	}
	c.mu.Unlock()
	if current {
		c.showUsers(ev.Room)
	}
}

// FilterUsers shows only the users of room conv whose names start with
// prefix (case does not matter): in a large room it asks the server.
func (c *Client) FilterUsers(conv Conv, prefix string) *InputError {
	if conv.IsDirect() {
		return nil
	}
	prefix = strings.TrimSpace(prefix)
	if len(prefix) > service.MaxNamePrefix {
		return &InputError{FieldUsers, Text{Key: "A name filter is at most {{.Max}} bytes long", Data: map[string]any{"Max": service.MaxNamePrefix}}}
	}
	c.mu.Lock()
	if _, in := c.convs.rooms[conv.Room]; !in {
		c.mu.Unlock()
		return nil
	}
	p := c.presenceOf(conv.Room)
	changed, large := p.filter != prefix, p.large
	p.filter = prefix
	c.mu.Unlock()
	if !large {
		c.showUsers(conv.Room)
		return nil
	}
	if !changed {
		return nil
	}
	return c.askUsers(conv.Room, prefix, "")
}

// MoreUsers asks for the next page of a large room's users, unless one is
// on its way or there is none.
func (c *Client) MoreUsers(conv Conv) *InputError {
	c.mu.Lock()
	p := c.convs.presence[conv.Room]
	if p == nil || !p.large || p.next == "" || p.loading {
		c.mu.Unlock()
		return nil
	}
	prefix, next := p.filter, p.next
	c.mu.Unlock()
	return c.askUsers(conv.Room, prefix, next)
}

// askUsers asks for a page of room's users.
func (c *Client) askUsers(room, prefix, after string) *InputError {
	s := c.current()
	if s == nil {
		return &InputError{FieldUsers, Text{Key: "Not connected"}}
	}
	c.mu.Lock()
	if p := c.convs.presence[room]; p != nil {
		p.loading = true
	}
	c.mu.Unlock()
	err := s.UserListPage(room, prefix, after, c.opts.UserPageSize)
	if err != nil {
		c.mu.Lock()
		if p := c.convs.presence[room]; p != nil {
			p.loading = false
		}
		c.mu.Unlock()
	}
	return sendError(FieldUsers, err)
}

// showUsers shows room's users: the members whose names start with the
// filter, sorted, or a large room's pages; ours marked.
func (c *Client) showUsers(room string) {
	c.mu.Lock()
	var u Users
	p := c.convs.presence[room]
	if p == nil {
		p = &roomPresence{}
	}
	if p.large {
		u = Users{Count: p.count, Paged: true, More: p.next != ""}
		if p.refused != "" {
			u.Note = Text{Key: "The user list cannot be loaded: {{.Reason}}", Data: map[string]any{"Reason": p.refused}}
		}
		for _, name := range p.page {
			u.List = append(u.List, User{Name: name, Self: name == c.self})
		}
	} else {
		members := c.convs.rooms[room]
		u.Count = len(members)
		for name := range members {
			if hasPrefixFold(name, p.filter) {
				u.List = append(u.List, User{Name: name, Self: name == c.self})
			}
		}
		slices.SortFunc(u.List, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	}
	c.mu.Unlock()
	c.view.SetUsers(RoomConv(room), u)
}

// hasPrefixFold says whether name starts with prefix, case and width
// aside, as the server matches a large room's names.
func hasPrefixFold(name, prefix string) bool {
	return strings.HasPrefix(model.FoldName(name), model.FoldName(prefix))
}

// resetPresence forgets what the connection gone said of the rooms' users
// (not the filters typed); c.mu is held.
func (c *Client) resetPresence() {
	for _, p := range c.convs.presence {
		*p = roomPresence{filter: p.filter}
	}
}
