package main

// The catchup scenario: users in rooms as in the rooms scenario, the
// senders talking at -rate; every -drop-every a -drop-share of the users
// goes away (half abruptly, half cleanly) for -drop-for and comes back
// with since for each of its rooms. After sending stops, the users away
// come back and everyone drains; then each user's talks, room by room,
// are compared with the room's (catchup_check.go).

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
)

// catchupRun is one run of the catchup scenario.
type catchupRun struct {
	o        options
	log      io.Writer
	errs     *errCounter
	d        dialer
	clients  []*client      // by user number
	readers  sync.WaitGroup // the readers of the connections made again
	start    time.Time      // when sending starts
	since    int64          // unix ns: talks sent earlier are not this run's
	sent     atomic.Int64
	drops    dropCounts
	progress *time.Ticker
}

// runCatchup runs the catchup scenario in this process.
func runCatchup(ctx context.Context, o options, log io.Writer) (*summary, error) {
	cpu0, rss0 := selfCPU(), rssMiB(o.pid)
	var errs errCounter
	users, failures, readers, _ := connectAll(ctx, o, log, &errs)
	c := &catchupRun{o: o, log: log, errs: &errs, d: o.dialer()}
	c.adopt(users)
	defer c.closeAll()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	sum := &summary{Scenario: o.scenario, Protocol: o.proto, URL: o.rawURL, Processes: 1, Clients: o.clients, Connected: len(users), ConnectFailures: failures}
	rss1, scpu1 := rssMiB(o.pid), procCPU(o.pid)
	c.start = time.Now()
	c.since = c.start.UnixNano() - int64(time.Second) // a clock step is no reason to ignore a talk
	for _, us := range users {
		us.since.Store(c.since)
	}
	c.progress = time.NewTicker(o.progress)
	defer c.progress.Stop()
	sum.DurationSec = c.talkAndDrop(ctx).Seconds()
	c.drain(ctx)
	elapsed := time.Since(c.start)
	rss2, scpu2 := rssMiB(o.pid), procCPU(o.pid)
	c.keepErrors()
	errs.stop()
	c.goodbye()
	readers.Wait()
	c.readers.Wait()
	c.collect(sum, elapsed)
	sum.Catchup = c.check()
	sum.Lost = sum.Catchup.Gaps + sum.Catchup.Announced
	sum.Errors = errs.snapshot()
	if o.pid > 0 {
		sum.ServerRSSMiB = []float64{rss0, rss1, rss2}
		sum.ServerCPUSec = scpu2 - scpu1
	}
	sum.ToolCPUSec = selfCPU() - cpu0
	sum.perMillion()
	return sum, nil
}

// adopt makes the connected users the run's clients, by number.
func (c *catchupRun) adopt(users []*user) {
	for _, us := range users {
		c.clients = append(c.clients, &client{h: us.held, conn: us, conns: []*user{us}})
	}
	slices.SortFunc(c.clients, func(a, b *client) int { return a.h.number - b.h.number })
}

// talkAndDrop runs the senders for the duration and drops users every
// -drop-every meanwhile; it returns once the senders have stopped and the
// users away have come back, with how long the senders sent.
func (c *catchupRun) talkAndDrop(ctx context.Context) time.Duration {
	sendCtx, stop := context.WithDeadline(ctx, c.start.Add(c.o.duration))
	defer stop()
	period := time.Duration(float64(time.Second) * float64(c.o.senders) / c.o.rate)
	var senders, drops sync.WaitGroup
	for _, cl := range c.clients {
		if n := cl.h.number; n < c.o.senders {
			senders.Add(1)
			go func() {
				defer senders.Done()
				c.sender(sendCtx, cl, period*time.Duration(n)/time.Duration(c.o.senders), period)
			}()
		}
	}
	dropping := time.NewTicker(c.o.dropEvery)
	defer dropping.Stop()
loop:
	for {
		select {
		case <-sendCtx.Done():
			break loop
		case <-c.progress.C:
			c.report("sending")
		case <-dropping.C:
			c.dropSome(ctx, &drops)
		}
	}
	senders.Wait()
	sending := time.Since(c.start)
	drops.Wait()
	return sending
}

// sender is one sending user: a talk every period (skipped while it is
// away), the first at phase after the start, until ctx ends or it fails.
func (c *catchupRun) sender(ctx context.Context, cl *client, phase, period time.Duration) {
	timer := time.NewTimer(time.Until(c.start.Add(phase)))
	defer timer.Stop()
	for i, next := 0, c.start.Add(phase); ; i, next = i+1, next.Add(period) {
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		sent, err := cl.send(c.o.size, i)
		if err != nil {
			c.errs.add(err)
			cl.failed.Store(true)
			return
		}
		if sent {
			c.sent.Add(1)
		}
	}
}

// dropSome takes -drop-share of the users away, chosen at random among
// those connected, half of them abruptly.
func (c *catchupRun) dropSome(ctx context.Context, drops *sync.WaitGroup) {
	var here []*client
	for _, cl := range c.clients {
		cl.mu.Lock()
		if cl.conn != nil && !cl.paused && !cl.failed.Load() {
			here = append(here, cl)
		}
		cl.mu.Unlock()
	}
	rand.Shuffle(len(here), func(i, j int) { here[i], here[j] = here[j], here[i] })
	n := min(len(here), int(math.Round(c.o.dropShare*float64(len(c.clients)))))
	for i, cl := range here[:n] {
		drops.Add(1)
		go func() {
			defer drops.Done()
			c.drop(ctx, cl, i%2 == 0)
		}()
	}
}

// drain waits, at most -drain, until every healthy user's talks are all
// back (or refused) and every healthy user holds, in each of its rooms,
// as many talks in order as the senders got back there.
func (c *catchupRun) drain(ctx context.Context) {
	poll.Until(ctx, c.o.drain, pollInterval, func() error {
		c.reportDue("draining")
		totals := make([]int64, c.o.rooms)
		for _, cl := range c.clients {
			for j, r := range cl.h.rooms {
				totals[r] += cl.h.own[j].Load()
			}
			if n := cl.h.unsettled(); n != 0 && !cl.failed.Load() {
				return fmt.Errorf("user %d has %d talks neither back nor refused", cl.h.number, n)
			}
		}
		for _, cl := range c.clients {
			for j, r := range cl.h.rooms {
				if got := cl.h.inOrder[j].Load(); got < totals[r] && !cl.failed.Load() {
					return fmt.Errorf("user %d has %d of %d talks in %s", cl.h.number, got, totals[r], roomName(c.o.roomPrefix, r))
				}
			}
		}
		return nil
	})
}

// keepErrors adds the server's error replies the users got to the run's.
func (c *catchupRun) keepErrors() {
	for _, cl := range c.clients {
		cl.h.mu.Lock()
		for text, n := range cl.h.errs {
			c.errs.addKind(text, n)
		}
		cl.h.mu.Unlock()
	}
}

// goodbye asks the server to end every connection, and bounds the wait
// for it.
func (c *catchupRun) goodbye() {
	for _, cl := range c.clients {
		cl.mu.Lock()
		if us := cl.conn; us != nil {
			us.bye()
			us.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		}
		cl.mu.Unlock()
	}
}

// closeAll closes every connection.
func (c *catchupRun) closeAll() {
	for _, cl := range c.clients {
		cl.mu.Lock()
		for _, us := range cl.conns {
			us.conn.Close()
		}
		cl.mu.Unlock()
	}
}

// collect adds what all the connections received, and its latency, to
// sum.
func (c *catchupRun) collect(sum *summary, elapsed time.Duration) {
	var all histogram
	for _, cl := range c.clients {
		cl.mu.Lock()
		if cl.failed.Load() || cl.conn != nil && cl.conn.failed.Load() {
			sum.FailedClients++
		}
		for _, us := range cl.conns {
			sum.Deliveries += us.talks.Load()
			sum.Frames += us.frames.Load()
			sum.UserlistReplies += us.lists.Load()
			sum.TalksRefused += us.refused.Load()
			us.histMu.Lock()
			if us.hist != nil {
				all.merge(us.hist)
			}
			us.histMu.Unlock()
		}
		cl.mu.Unlock()
	}
	sum.Senders = c.o.senders
	sum.TalksSent = c.sent.Load()
	sum.DeliveriesPerSec = float64(sum.Deliveries) / elapsed.Seconds()
	sum.LatencyMs = all.latencies()
}

// report prints a progress line.
func (c *catchupRun) report(phase string) {
	fmt.Fprintf(c.log, "%-8s %6.1fs sent %d; drops %d abrupt, %d clean, %d away now, %d back, %d failed to come back\n",
		phase, time.Since(c.start).Seconds(), c.sent.Load(), c.drops.abrupt.Load(), c.drops.clean.Load(),
		c.drops.away.Load(), c.drops.reconnects.Load(), c.drops.failures.Load())
}

// reportDue prints a progress line if one is due.
func (c *catchupRun) reportDue(phase string) {
	select {
	case <-c.progress.C:
		c.report(phase)
	default:
	}
}

// writeRoomTalkLocked writes a talk to room; for the caller holding wmu.
func (us *user) writeRoomTalkLocked(room string, content []byte) error {
	return us.writeFrameLocked(0x2, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Room: room, Content: string(content)}))
}
