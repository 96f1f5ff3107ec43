package service

import (
	"slices"
	"sync"
)

// What a node keeps of direct messages, at most: past either bound, the
// conversation that began first is forgotten. Without them, one user who
// writes to every user online would make the node keep -history messages
// of -max-content bytes for each of them.
const (
	maxConversations = 10_000
	maxDMBytes       = 64 << 20
)

// dmHistory keeps the last direct messages of each conversation (a pair of
// users), for a user who opens it: what a room's history is for a joiner.
type dmHistory struct {
	keep int // messages per conversation

	mu    sync.Mutex
	convs map[[2]string]*dmRing
	order [][2]string    // conversations, the oldest first, for forgetting
	bytes int            // the frames' bytes, all conversations
	users map[string]int // conversations kept, by user in them
}

type dmRing struct {
	frames []*Frame
	next   int // index of the oldest once full
	bytes  int
}

func frameBytes(f *Frame) int { return len(f.Alone) + len(f.InBatch) }

func newDMHistory(keep int) *dmHistory {
	return &dmHistory{keep: keep, convs: make(map[[2]string]*dmRing), users: make(map[string]int)}
}

func pair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// add keeps f, a direct message between a and b.
func (d *dmHistory) add(a, b string, f *Frame) {
	if d.keep <= 0 {
		return
	}
	k := pair(a, b)
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.convs[k]
	if c == nil {
		c = &dmRing{}
		d.convs[k] = c
		d.order = append(d.order, k)
		d.users[k[0]]++
		d.users[k[1]]++
	}
	n := frameBytes(f)
	c.bytes += n
	d.bytes += n
	if len(c.frames) < d.keep {
		c.frames = append(c.frames, f)
	} else {
		old := frameBytes(c.frames[c.next])
		c.bytes -= old
		d.bytes -= old
		c.frames[c.next] = f
		c.next = (c.next + 1) % d.keep
	}
	for len(d.order) > 1 && (len(d.order) > maxConversations || d.bytes > maxDMBytes) {
		d.forgetOldest()
	}
}

// forgetOldest forgets the conversation that began first.
func (d *dmHistory) forgetOldest() {
	k := d.order[0]
	d.order[0] = [2]string{}
	d.order = d.order[1:]
	d.drop(k)
}

// drop forgets the conversation k, if kept.
func (d *dmHistory) drop(k [2]string) {
	c := d.convs[k]
	if c == nil {
		return
	}
	d.bytes -= c.bytes
	delete(d.convs, k)
	for _, u := range k {
		if d.users[u]--; d.users[u] <= 0 {
			delete(d.users, u)
		}
	}
}

// forget forgets every conversation of name: a session of that name ended,
// or a new one began, and without an account a name is not a person (the
// next one to take it must not read its direct messages).
func (d *dmHistory) forget(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.users[name] == 0 {
		return
	}
	for k := range d.convs {
		if k[0] == name || k[1] == name {
			d.drop(k)
		}
	}
	d.order = slices.DeleteFunc(d.order, func(k [2]string) bool { return d.convs[k] == nil })
}

// last returns the kept messages between a and b, the oldest first.
func (d *dmHistory) last(a, b string) []*Frame {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.convs[pair(a, b)]
	if c == nil {
		return nil
	}
	out := make([]*Frame, 0, len(c.frames))
	for i := range c.frames {
		out = append(out, c.frames[(c.next+i)%len(c.frames)])
	}
	return out
}
