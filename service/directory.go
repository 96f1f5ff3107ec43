package service

// directory is who is in which room: each user's rooms, and each room's
// count. A Broker keeps one for every node (MemoryBroker: its one node's;
// NatsBroker: built from every node's claims).
type directory struct {
	users map[string][]RoomRef
	rooms map[string]*RoomCount
	// singles are the room lists of one room, shared by every user in
	// that room alone (most users, in most deployments: the default
	// room's), so that such a user costs the directory no list of its own.
	singles map[RoomRef][]RoomRef
}

func newDirectory() directory {
	return directory{users: make(map[string][]RoomRef), rooms: make(map[string]*RoomCount), singles: make(map[RoomRef][]RoomRef)}
}

// set makes name's rooms rooms (nil: none, the user is gone).
func (d *directory) set(name string, rooms []RoomRef) {
	for _, r := range d.users[name] {
		if c := d.rooms[r.Name]; c != nil {
			if c.Members--; c.Members <= 0 {
				delete(d.rooms, r.Name)
				delete(d.singles, RoomRef{Name: r.Name})
				delete(d.singles, RoomRef{Name: r.Name, Private: true})
			}
		}
	}
	if len(rooms) == 0 {
		delete(d.users, name)
		return
	}
	if len(rooms) == 1 {
		one := d.singles[rooms[0]]
		if one == nil {
			one = rooms[:1:1]
			d.singles[rooms[0]] = one
		}
		rooms = one // read only, as every list kept here
	}
	d.users[name] = rooms
	for _, r := range rooms {
		c := d.rooms[r.Name]
		if c == nil {
			// A room is private as its first member found it.
			c = &RoomCount{Name: r.Name, Private: r.Private}
			d.rooms[r.Name] = c
		}
		c.Members++
	}
}

// members returns the names in room.
func (d *directory) members(room string) []string {
	var names []string
	for name, rooms := range d.users {
		for _, r := range rooms {
			if r.Name == room {
				names = append(names, name)
				break
			}
		}
	}
	return names
}

// list returns a copy of every room's count.
func (d *directory) list() []RoomCount {
	out := make([]RoomCount, 0, len(d.rooms))
	for _, c := range d.rooms {
		out = append(out, *c)
	}
	return out
}
