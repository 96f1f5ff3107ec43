package service

// This file owns a member's catch-up: a member that joins saying the last
// seq it saw of the room (since) is sent exactly the talks after it, then
// the live events, with no gap and no duplicate. The talks it missed are
// all in the hub's History by the time its join is delivered (they were
// written before they were delivered), up to the join's seq. If the ring
// of the room's last talks holds them all, they are sent at once, under
// the room's lock; otherwise they are read from the History outside it,
// while the room's frames for the member wait in its entry (pending), and
// are sent after them.

import (
	"context"
	"slices"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/model"
)

const (
	// maxHeld bounds the frames a member catching up may have waiting; a
	// member past it is closed as a slow consumer.
	maxHeld = 4096
	// catchUpTimeout bounds the History's reads of one catch-up.
	catchUpTimeout = 10 * time.Second
	// maxPageBytes bounds the content of one history, catch-up or search
	// frame; a page stops short of it (and says there is more).
	maxPageBytes = 256 << 10
)

// catchUp sends e, whose join was just delivered, the room's talks after
// e.since. The caller holds r.mu.
func (r *room) catchUp(e *entry) {
	upto := r.lastSeq // the join's, newer than anything the member saw
	if e.since >= upto {
		// It saw seqs this server never gave: the history it knew is
		// gone (a data directory replaced). It starts anew.
		r.gapThenRing(e, "this server's history was reset: older messages are not available")
		return
	}
	if missed, ok := r.ringAfter(e.since); ok && len(missed) <= r.hub.cfg.CatchUp {
		for _, f := range r.hub.catchUpFrames(r.name, e.since, missed) {
			r.send(e, f)
		}
		return
	}
	if r.hub.cfg.Store == nil {
		r.gapThenRing(e, "older messages are not kept on this server")
		return
	}
	r.deactivate(e)
	e.catching = true
	r.catching = append(r.catching, e)
	go r.hub.catchUp(r, e, e.since, upto)
}

// gapThenRing tells e, catching up, that not everything it missed
// follows (text says why), then sends the ring's talks as a catch-up: the
// same frames as any gap is followed by. The caller holds r.mu.
func (r *room) gapThenRing(e *entry, text string) {
	kept := make([]*model.ChatRoomRequest, len(r.history))
	for i := range r.history {
		kept[i] = r.talk(i).ev
	}
	var first uint64
	if len(kept) > 0 {
		first = kept[0].Seq
	}
	r.send(e, r.hub.frame(gapEvent(r.name, first, text)))
	for _, f := range r.hub.catchUpFrames(r.name, e.since, kept) {
		r.send(e, f)
	}
}

// ringAfter returns the ring's talks after since, if the ring holds every
// talk after since (it holds a talk at or before since).
func (r *room) ringAfter(since uint64) ([]*model.ChatRoomRequest, bool) {
	if len(r.history) == 0 || r.talk(0).ev.Seq > since {
		return nil, false
	}
	var after []*model.ChatRoomRequest
	for i := range r.history {
		if t := r.talk(i); t.ev.Seq > since {
			after = append(after, t.ev)
		}
	}
	return after, true
}

// hold keeps f for e, which is catching up. The caller holds r.mu.
func (r *room) hold(e *entry, f *Frame) {
	if len(e.pending) >= maxHeld {
		r.dropSlow(e)
		return
	}
	e.pending = append(e.pending, f)
}

// stopCatching takes e out of the members catching up, and sends it what
// waited (e is leaving, or closed). The caller holds r.mu.
func (r *room) stopCatching(e *entry) {
	e.catching = false
	r.catching = slices.DeleteFunc(r.catching, func(c *entry) bool { return c == e })
	for _, f := range e.pending {
		e.m.Send(f)
	}
	e.pending = nil
}

// caughtUp makes e, whose catch-up is sent, a member receiving events:
// first what waited, then the live events.
func (r *room) caughtUp(e *entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !e.catching {
		return // it left, or was closed, meanwhile
	}
	pending := e.pending
	e.catching, e.pending = false, nil
	r.catching = slices.DeleteFunc(r.catching, func(c *entry) bool { return c == e })
	e.pos = len(r.active)
	r.active = append(r.active, e)
	for _, f := range pending {
		r.send(e, f)
	}
}

// catchUp reads and sends e's catch-up in room r, the talks with
// since < seq <= upto, then lets e receive events. It runs on its own.
func (h *Hub) catchUp(r *room, e *entry, since, upto uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), catchUpTimeout)
	defer cancel()
	missed, gap, err := h.readCatchUp(ctx, r.name, since, upto)
	if err != nil {
		h.log.WithFields(logrus.Fields{"room": r.name, "error": err}).Warn("catch-up: history unreadable")
		missed, gap = nil, gapEvent(r.name, 0, "older messages cannot be read now: scroll back later")
	}
	frames := h.catchUpFrames(r.name, since, missed)
	if gap != nil {
		frames = append([]*Frame{h.frame(gap)}, frames...)
	}
	for _, f := range frames {
		if !h.sendCatchUp(r, e, f) {
			return
		}
	}
	r.caughtUp(e)
}

// sendCatchUp queues f to e, catching up in r; false if e is closed for
// not keeping up.
func (h *Hub) sendCatchUp(r *room, e *entry, f *Frame) bool {
	switch e.m.Send(f) {
	case Queued:
		h.counts.out(f, 1)
		return true
	case QueueFull:
		r.mu.Lock()
		r.dropSlow(e)
		r.mu.Unlock()
	}
	return false
}

// catchUpFrames builds the history frames of a catch-up in room after
// since: the talks missed, in pages.
func (h *Hub) catchUpFrames(room string, since uint64, missed []*model.ChatRoomRequest) []*Frame {
	var frames []*Frame
	for len(missed) > 0 {
		n := pageLen(missed, false)
		frames = append(frames, h.frame(&model.ChatRoomRequest{Type: model.TypeHistory, Room: room, Since: since, Messages: missed[:n]}))
		missed = missed[n:]
	}
	return frames
}

// pageLen is how many of msgs (at least one) fit one page: at most
// model.MaxHistoryPage, and maxPageBytes of content, counted from the end
// of msgs with fromEnd.
func pageLen(msgs []*model.ChatRoomRequest, fromEnd bool) int {
	n, size := 0, 0
	for n < len(msgs) && n < model.MaxHistoryPage {
		i := n
		if fromEnd {
			i = len(msgs) - 1 - n
		}
		size += talkBytes(msgs[i])
		if n > 0 && size > maxPageBytes {
			break
		}
		n++
	}
	return n
}

// gapEvent tells a member catching up in room that not every talk it
// missed follows: first is the seq of the first that does (0: none).
func gapEvent(room string, first uint64, text string) *model.ChatRoomRequest {
	return &model.ChatRoomRequest{Type: model.TypeGap, Room: room, Seq: first, Content: text}
}
