package service

import (
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/model"
)

// This file owns the userlist request and its pages: a client asks for a
// room's names after a cursor, starting with a prefix, at most a limit of
// them; the reply has the room's count, the cursor of the next page and
// whether the room is large. Without limit, cursor and prefix a room that
// is not large answers with its whole list, as the original protocol does;
// a large room answers with its first page.

// A NamesQuery is a userlist request.
type NamesQuery struct {
	Room string // the room; "": the member's home room
	// Limit is the most names of the page; 0: the whole list (the first
	// FirstPage names in a large room, or with a cursor or prefix). More
	// than model.MaxUserListPage is read as model.MaxUserListPage.
	Limit int
	// Cursor: only names after this one (in page order, nameindex.go).
	Cursor string
	// Prefix: only names whose fold starts with its fold (the request's
	// content); at most MaxNamePrefix bytes of UTF-8.
	Prefix string
}

// FirstPage is the page a large room's joiner is sent, and a request
// without limit gets when it cannot be sent the whole list.
const FirstPage = 100

// MaxNamePrefix is the longest prefix a userlist request may search by,
// in bytes.
const MaxNamePrefix = 64

// maxCursor bounds a userlist request's cursor, in bytes: a name's most
// characters, at four bytes each.
const maxCursor = 4 * model.MaxUsernameRunes

// check refuses a query it cannot answer, in words.
func (q NamesQuery) check(room string) error {
	switch {
	case len(q.Prefix) > MaxNamePrefix:
		return refuseRoom(RefuseBadList, room, "a user list's name prefix (content) is longer than %d bytes", MaxNamePrefix)
	case !utf8.ValidString(q.Prefix):
		return refuseRoom(RefuseBadList, room, "a user list's name prefix (content) is not valid UTF-8")
	case len(q.Cursor) > maxCursor:
		return refuseRoom(RefuseBadList, room, "a user list's cursor is longer than %d bytes: send the last name of the page before", maxCursor)
	case !utf8.ValidString(q.Cursor):
		return refuseRoom(RefuseBadList, room, "a user list's cursor is not valid UTF-8")
	case q.Limit < 0:
		return refuseRoom(RefuseBadList, room, "a user list's limit is negative")
	}
	return nil
}

// whole says whether q asks for the whole list, which a room that is not
// large sends as the original protocol does.
func (q NamesQuery) whole() bool { return q.Limit == 0 && q.Cursor == "" && q.Prefix == "" }

// UserListPage queues the userlist reply to q to m alone, who must be in
// its room. A query against the rules is refused in words.
func (h *Hub) UserListPage(m Member, q NamesQuery) error {
	room, err := h.roomOf(m, q.Room)
	if err != nil {
		return err
	}
	if err := q.check(room); err != nil {
		return err
	}
	if r := h.room(room); r == nil || !r.sendNames(m, q) {
		return notIn(room)
	}
	return nil
}

// sendNames queues q's reply to m, a member. It is queued under the
// room's lock, so it cannot arrive after a join or leave it does not show.
func (r *room) sendNames(m Member, q NamesQuery) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.member(m)
	if e != nil {
		r.send(e, r.namesLocked(q))
	}
	return e != nil
}

// namesLocked builds q's reply: the whole list, or a page.
func (r *room) namesLocked(q NamesQuery) *Frame {
	if q.whole() && !r.p.large {
		return r.userListLocked()
	}
	var body []byte
	var cursor string
	if q.whole() {
		body, cursor = r.users.firstPage()
	} else {
		limit := q.Limit
		switch {
		case limit == 0:
			limit = FirstPage
		case limit > model.MaxUserListPage:
			limit = model.MaxUserListPage
		}
		names, more := r.users.pages().page(q.Cursor, model.FoldName(q.Prefix), limit)
		for _, n := range names {
			body = appendUserEntry(body, n)
		}
		if more {
			cursor = names[len(names)-1]
		}
	}
	head := userListHead(r.name, r.private, uint32(r.users.len()))
	if r.p.large {
		head = protowire.AppendVarint(protowire.AppendTag(head, 20, protowire.VarintType), 1)
	}
	if cursor != "" {
		head = protowire.AppendString(protowire.AppendTag(head, 10, protowire.BytesType), cursor)
	}
	return r.hub.framer.Frame(model.TypeUserList, head, [][]byte{body})
}

// firstCache is the encoded first page of a room's list (no cursor, no
// prefix), which every joiner of a large room is sent: it stays as it is
// until a name at or before its last joins or leaves, which in a big room
// is rare, so a storm of joiners shares one.
type firstCache struct {
	body []byte // user_list entries; never changed in place
	last sortedName
	full bool // it has FirstPage names: more may follow
}

// firstPage returns the first page's entries, and its cursor ("" if it
// holds every name).
func (l *userList) firstPage() (body []byte, cursor string) {
	if l.first == nil {
		names, _ := l.pages().page("", "", FirstPage)
		c := &firstCache{full: len(names) == FirstPage}
		for _, n := range names {
			c.body = appendUserEntry(c.body, n)
		}
		if len(names) > 0 {
			c.last = sortedName{model.FoldName(names[len(names)-1]), names[len(names)-1]}
		}
		l.first = c
	}
	if l.first.full && l.len() > FirstPage {
		cursor = l.first.last.name
	}
	return l.first.body, cursor
}

// changedFirst forgets the first page if name, which joined or left,
// is on it (or the page holds every name).
func (l *userList) changedFirst(name string) {
	if c := l.first; c != nil && (!c.full || compareSorted(sortedName{model.FoldName(name), name}, c.last) <= 0) {
		l.first = nil
	}
}

// firstPage is the user list a joiner is sent: the whole list, or in a
// large room its first page.
func (r *room) firstPage() *Frame { return r.namesLocked(NamesQuery{}) }
