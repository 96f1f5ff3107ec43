package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"chatroom/internal/poll"
)

// connectAll connects o.clients users spread over the ramp, each with a
// reader goroutine, and waits until the server has let each of them join.
// j says how long that took.
func connectAll(ctx context.Context, o options, log io.Writer, errs *errCounter) (users []*user, failures int, readers *sync.WaitGroup, j joining) {
	c := &connecting{readers: new(sync.WaitGroup), errs: errs}
	fmt.Fprintf(log, "connecting %d clients over %s to %s (%s)\n", o.clients, o.ramp, o.rawURL, o.proto)
	start := time.Now()
	var dials sync.WaitGroup
	inflight := make(chan struct{}, 64)
	pace := time.NewTicker(max(o.ramp/time.Duration(o.clients), time.Microsecond))
	defer pace.Stop()
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
	d := o.dialer()
	for i := range o.clients {
		select {
		case <-ctx.Done():
			dials.Wait()
			return c.users, c.failures, c.readers, j
		case <-progress.C:
			c.mu.Lock()
			fmt.Fprintf(log, "connecting %6.1fs %d connected, %d failed\n", time.Since(start).Seconds(), len(c.users), c.failures)
			c.mu.Unlock()
			<-pace.C
		case <-pace.C:
		}
		inflight <- struct{}{}
		dials.Add(1)
		go func() {
			defer dials.Done()
			defer func() { <-inflight }()
			c.connect(d, o, o.offset+i)
		}()
	}
	dials.Wait()
	fmt.Fprintf(log, "%d connected in %s, %d failed\n", len(c.users), time.Since(start).Round(time.Millisecond), c.failures)
	// A talk sent before a user has joined does not reach it: wait for the
	// server's join (plain-text servers send none).
	if o.proto != protoLines {
		j.missing = waitForJoins(ctx, c.users, joinWaitFor(o))
	}
	switch {
	case j.missing == 0 && c.failures == 0:
		j.allAfter = time.Since(start)
		fmt.Fprintf(log, "all %d joined after %s\n", len(c.users), j.allAfter.Round(time.Millisecond))
	case j.missing > 0:
		fmt.Fprintf(log, "%d of %d not joined after %s\n", j.missing, len(c.users), time.Since(start).Round(time.Millisecond))
	}
	return c.users, c.failures, c.readers, j
}

// joining is how connecting went: the time from the first dial until
// every user had connected and joined (0 if some never did), and how many
// connected users, not failed, had not joined when the wait ended.
type joining struct {
	allAfter time.Duration
	missing  int
}

// idleJoinWait bounds the wait for joins in the idle scenario, which
// measures how long a crowd takes to join: longer than joinWait.
const idleJoinWait = 60 * time.Second

// joinWaitFor is how long connectAll waits for the joins in o's scenario.
func joinWaitFor(o options) time.Duration {
	if o.scenario == "idle" {
		return idleJoinWait
	}
	return joinWait
}

// connecting is what connectAll's dials have done so far.
type connecting struct {
	mu       sync.Mutex
	users    []*user
	failures int
	readers  *sync.WaitGroup // the connected users' readers
	errs     *errCounter
}

// connect connects user n (of all processes), in the rooms scenario to
// its rooms, and starts its reader.
func (c *connecting) connect(d dialer, o options, n int) {
	name := fmt.Sprintf("load-%s-%d", o.runID, n)
	var m *membership
	var h *holding
	rooms := []string(nil)
	switch o.scenario {
	case "rooms":
		m = newMembership(name, o.roomPrefix, roomsOf(n, o.rooms, o.roomsPer))
		rooms = m.roomNames()
	case "catchup":
		h = newHolding(n, name, o.roomPrefix, roomsOf(n, o.rooms, o.roomsPer))
		rooms = h.roomNames()
	}
	us, _, err := d.dial(o.endpoints[n%len(o.endpoints)], name, rooms...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failures++
		c.errs.add(err)
		return
	}
	us.number = n
	us.member = m
	us.held = h
	c.users = append(c.users, us)
	startReader(us, c.readers, c.errs)
}

// startReader runs us's reader until its connection ends. An error ends
// the user as failed, unless the connection was dropped on purpose (the
// catchup scenario).
func startReader(us *user, readers *sync.WaitGroup, errs *errCounter) {
	us.ended = make(chan struct{})
	readers.Add(1)
	go func() {
		defer readers.Done()
		defer close(us.ended)
		if err := us.readLoop(); err != nil && !us.dropped.Load() && !us.failed.Swap(true) {
			errs.add(err)
		}
	}()
}

// waitForJoins waits, at most wait, until the server has let every user
// that has not failed join (in the rooms scenario, all its rooms). It
// returns how many had not.
func waitForJoins(ctx context.Context, users []*user, wait time.Duration) (missing int) {
	poll.Until(ctx, wait, pollInterval, func() error {
		for _, us := range users {
			if !us.joined.Load() && !us.failed.Load() {
				return fmt.Errorf("user %d has not joined", us.number)
			}
		}
		return nil
	})
	for _, us := range users {
		if !us.joined.Load() && !us.failed.Load() {
			missing++
		}
	}
	return missing
}
