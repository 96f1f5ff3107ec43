package service

import "sync"

// maxConversations bounds the direct message conversations a node keeps
// history of; past it, the conversation that began first is forgotten.
const maxConversations = 10_000

// dmHistory keeps the last direct messages of each conversation (a pair of
// users), for a user who opens it: what a room's history is for a joiner.
type dmHistory struct {
	keep int // messages per conversation

	mu    sync.Mutex
	convs map[[2]string]*dmRing
	order [][2]string // conversations, the oldest first, for forgetting
}

type dmRing struct {
	frames []*Frame
	next   int // index of the oldest once full
}

func newDMHistory(keep int) *dmHistory {
	return &dmHistory{keep: keep, convs: make(map[[2]string]*dmRing)}
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
		if len(d.order) >= maxConversations {
			delete(d.convs, d.order[0])
			d.order = d.order[1:]
		}
		c = &dmRing{}
		d.convs[k] = c
		d.order = append(d.order, k)
	}
	if len(c.frames) < d.keep {
		c.frames = append(c.frames, f)
		return
	}
	c.frames[c.next] = f
	c.next = (c.next + 1) % d.keep
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
