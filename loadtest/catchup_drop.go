package main

// How a user of the catchup scenario goes away and comes back: it stops
// sending, waits for its own talks to come back (so that none is in flight
// when the connection goes), drops the connection (abruptly, closing the
// socket with no close frame, or cleanly, with exit and the close
// handshake), stays away, and reconnects with since for each of its rooms.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"chatroom/internal/poll"
)

// client is one user of the catchup scenario across its connections.
type client struct {
	h *holding

	mu     sync.Mutex
	conn   *user   // the current connection; nil while away
	paused bool    // a drop is under way: send nothing
	conns  []*user // every connection it has had, for the counts
	failed atomic.Bool
}

// dropCounts counts the drops of a run.
type dropCounts struct {
	abrupt, clean, reconnects, failures atomic.Int64
	away                                atomic.Int64 // users away now
}

// settleWait bounds a dropping user's wait for its own talks to come back.
const settleWait = 5 * time.Second

// reconnectTries is how many times a user tries to come back before it
// counts as failed.
const reconnectTries = 5

// send sends the client's i-th talk to the next of its rooms in turn,
// unless it is away or about to go; it says whether it sent.
func (cl *client) send(size, i int) (bool, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.conn == nil || cl.paused {
		return false, nil
	}
	j := i % len(cl.h.rooms)
	r := cl.h.rooms[j]
	cl.h.written[j].Add(1) // before: its echo may come back before Add would
	us := cl.conn
	us.wmu.Lock()
	defer us.wmu.Unlock()
	content := us.talkContent(size, strconv.Itoa(r)+" "+strconv.Itoa(cl.h.number)+"."+strconv.Itoa(i))
	if err := us.writeRoomTalkLocked(roomName(string(cl.h.prefix), r), content); err != nil {
		return false, err
	}
	return true, nil
}

// drop takes the client away for c.o.dropFor and brings it back; it
// returns once it is back (or has failed to come back).
func (c *catchupRun) drop(ctx context.Context, cl *client, abrupt bool) {
	cl.mu.Lock()
	us := cl.conn
	if us == nil || cl.paused || cl.failed.Load() || us.failed.Load() {
		cl.mu.Unlock()
		return
	}
	cl.paused = true
	cl.mu.Unlock()
	c.drops.away.Add(1)
	defer c.drops.away.Add(-1)
	poll.Until(ctx, settleWait, pollInterval, func() error {
		return poll.Check(cl.h.unsettled() == 0, "user %d's own talks all back or refused", cl.h.number)
	})
	us.dropped.Store(true)
	if abrupt {
		c.drops.abrupt.Add(1)
		us.closeNow() // no close frame: as a network that fails
	} else {
		c.drops.clean.Add(1)
		us.bye()
		us.conn.SetReadDeadline(time.Now().Add(c.d.timeout))
	}
	<-us.ended
	us.closeNow()
	cl.mu.Lock()
	cl.conn = nil
	cl.mu.Unlock()
	away := time.NewTimer(c.o.dropFor)
	defer away.Stop()
	select {
	case <-ctx.Done():
		return
	case <-away.C:
	}
	c.reconnect(ctx, cl)
}

// reconnect brings the client back with since for its rooms, trying a few
// times, and lets it send again once its joins have come. With several
// URLs (one cluster), it comes back to the next one after the one it
// left: it catches up on another node.
func (c *catchupRun) reconnect(ctx context.Context, cl *client) {
	var us *user
	var err error
	cl.mu.Lock()
	ep := c.o.endpoints[(cl.h.number+len(cl.conns))%len(c.o.endpoints)]
	cl.mu.Unlock()
	for try := range reconnectTries {
		since := cl.h.reconnect()
		us, _, err = c.d.dialSince(ep, string(cl.h.name), cl.h.roomNames(), since)
		if err == nil || ctx.Err() != nil {
			break
		}
		c.errs.add(fmt.Errorf("reconnect: %w", err))
		backoff := time.NewTimer(time.Duration(try+1) * 200 * time.Millisecond)
		select {
		case <-ctx.Done():
		case <-backoff.C:
		}
		backoff.Stop()
	}
	if err != nil {
		c.drops.failures.Add(1)
		cl.failed.Store(true)
		return
	}
	c.drops.reconnects.Add(1)
	us.number, us.held = cl.h.number, cl.h
	us.since.Store(c.since)
	startReader(us, &c.readers, c.errs)
	if poll.Until(ctx, joinWait, pollInterval, func() error {
		return poll.Check(us.joined.Load() || us.failed.Load(), "user %d joined again", cl.h.number)
	}) != nil {
		c.errs.add(errors.New("reconnect: the joins did not come"))
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.conn, cl.paused = us, false
	cl.conns = append(cl.conns, us)
}
