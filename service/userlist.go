package service

import (
	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/model"
)

// userList is the room's online users, kept encoded: user_list entries of a
// userlist message (field 4, name -> name), in chunks. A userlist frame is
// a header plus the chunks as they are, so a joining user's list costs one
// small header however many users are online, and the chunks are shared
// by every list still queued. A chunk's bytes are never changed in place:
// a join appends past what earlier frames hold, a leave rebuilds the chunk.
type userList struct {
	chunks []*userChunk
	where  map[string]*userChunk
	cached *Frame      // nil after a change
	index  *nameIndex  // the names in page order (nameindex.go); nil until a page is asked for
	first  *firstCache // the first page (userlist_page.go); nil until asked for, or after a change to it
}

type userChunk struct {
	names []string
	data  []byte
}

// chunkUsers bounds a chunk: a leave re-encodes this many names at most.
const chunkUsers = 256

func newUserList() *userList { return &userList{where: make(map[string]*userChunk)} }

func (l *userList) len() int { return len(l.where) }

func (l *userList) has(name string) bool { return l.where[name] != nil }

func (l *userList) add(name string) {
	if l.where[name] != nil {
		return
	}
	l.put(name)
	if l.index != nil {
		l.index.add(name)
		l.changedFirst(name)
	}
}

// put adds name, not in the list, to the chunks.
func (l *userList) put(name string) {
	var c *userChunk
	if n := len(l.chunks); n > 0 && len(l.chunks[n-1].names) < chunkUsers {
		c = l.chunks[n-1]
	} else {
		c = &userChunk{}
		l.chunks = append(l.chunks, c)
	}
	c.names = append(c.names, name)
	c.data = appendUserEntry(c.data, name)
	l.where[name] = c
	l.cached = nil
}

func (l *userList) remove(name string) {
	c := l.where[name]
	if c == nil {
		return
	}
	delete(l.where, name)
	l.cached = nil
	if l.index != nil {
		l.index.remove(name)
		l.changedFirst(name)
	}
	for i, n := range c.names {
		if n == name {
			c.names[i] = c.names[len(c.names)-1]
			c.names = c.names[:len(c.names)-1]
			break
		}
	}
	if len(c.names) == 0 {
		for i, x := range l.chunks {
			if x == c {
				l.chunks = append(l.chunks[:i], l.chunks[i+1:]...)
				break
			}
		}
		return
	}
	// Leaves scattered over many chunks would leave many small ones (and
	// a list frame of many pieces): past twice the chunks needed, start
	// over densely. That costs O(users), once per many leaves.
	if len(l.chunks) > 2*(len(l.where)/chunkUsers+1) {
		l.compact()
		return
	}
	var data []byte // new bytes: queued frames may hold the old ones
	for _, n := range c.names {
		data = appendUserEntry(data, n)
	}
	c.data = data
}

// compact rebuilds the chunks full, in new arrays.
func (l *userList) compact() {
	old := l.chunks
	l.chunks = nil
	clear(l.where)
	for _, c := range old {
		for _, n := range c.names {
			l.put(n)
		}
	}
}

// pages returns the names in page order, indexed at the first call.
func (l *userList) pages() *nameIndex {
	if l.index == nil {
		names := make([]string, 0, len(l.where))
		for n := range l.where {
			names = append(names, n)
		}
		l.index = newNameIndex(names)
	}
	return l.index
}

// frame returns the userlist message of room (unlisted if private), with
// the count, built by f once per change.
func (l *userList) frame(f Framer, room string, private bool) *Frame {
	if l.cached == nil {
		head := userListHead(room, private, uint32(l.len()))
		more := make([][]byte, len(l.chunks))
		for i, c := range l.chunks {
			more[i] = c.data[:len(c.data):len(c.data)]
		}
		l.cached = f.Frame(model.TypeUserList, head, more)
	}
	return l.cached
}

// userListHead starts a userlist message of room: its type, room,
// private and count.
func userListHead(room string, private bool, count uint32) []byte {
	head := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), model.TypeUserList)
	head = protowire.AppendString(protowire.AppendTag(head, 7, protowire.BytesType), room)
	if private {
		head = protowire.AppendVarint(protowire.AppendTag(head, 12, protowire.VarintType), 1)
	}
	if count > 0 {
		head = protowire.AppendVarint(protowire.AppendTag(head, 19, protowire.VarintType), uint64(count))
	}
	return head
}

// appendUserEntry appends name's user_list entry, as proto.Marshal encodes it.
func appendUserEntry(dst []byte, name string) []byte {
	kv := protowire.SizeTag(1) + protowire.SizeBytes(len(name))
	dst = protowire.AppendTag(dst, 4, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(2*kv))
	dst = protowire.AppendString(protowire.AppendTag(dst, 1, protowire.BytesType), name)
	return protowire.AppendString(protowire.AppendTag(dst, 2, protowire.BytesType), name)
}
