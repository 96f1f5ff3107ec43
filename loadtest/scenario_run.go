package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// errCounter counts errors by kind.
type errCounter struct {
	mu      sync.Mutex
	errs    map[string]int
	stopped bool
}

// stop ends counting.
func (e *errCounter) stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopped = true
}

func (e *errCounter) add(err error) { e.addKind(errorKind(err), 1) }

// addKind counts n errors of one kind.
func (e *errCounter) addKind(kind string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	if e.errs == nil {
		e.errs = map[string]int{}
	}
	e.errs[kind] += n
}

func (e *errCounter) snapshot() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.errs))
	for k, v := range e.errs {
		out[k] = v
	}
	return out
}

// pollInterval is how often a run looks again at what it waits for: every
// user joined, every talk delivered.
const pollInterval = 20 * time.Millisecond

// joinWait bounds the wait for the server to let every user join.
const joinWait = 10 * time.Second

// run runs one scenario in this process.
func run(ctx context.Context, o options, log io.Writer) (*summary, error) {
	switch o.scenario {
	case "connect":
		return runConnect(ctx, o, log)
	case "catchup":
		return runCatchup(ctx, o, log)
	case "storm":
		return runStorm(ctx, o, log)
	}
	return runUsers(ctx, o, log)
}

// runUsers runs the scenarios of the tool's own lean clients: seed,
// fanout, rooms and idle.
func runUsers(ctx context.Context, o options, log io.Writer) (*summary, error) {
	cpu0, scpu0, rss0 := selfCPU(), procCPU(o.pid), rssMiB(o.pid)
	var errs errCounter
	users, failures, readers, joins := connectAll(ctx, o, log, &errs)
	defer func() {
		for _, us := range users {
			us.conn.Close()
		}
	}()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	sum := &summary{Scenario: o.scenario, Protocol: o.proto, URL: o.rawURL, Processes: 1, Clients: o.clients, Connected: len(users), ConnectFailures: failures,
		AllJoinedSec: joins.allAfter.Seconds(), NotJoined: joins.missing}
	rss1, scpu1 := rssMiB(o.pid), procCPU(o.pid)
	if o.start != 0 && time.Now().UnixNano() > o.start {
		errs.add(fmt.Errorf("this process's users were connected after the common start: they started late"))
	}
	if o.scenario == "idle" {
		sum.DurationSec = hold(ctx, o, users, log).Seconds()
	} else {
		talk(ctx, o, users, log, sum, &errs)
	}
	rss2, scpu2 := rssMiB(o.pid), procCPU(o.pid)

	for _, us := range users {
		if us.failed.Load() {
			sum.FailedClients++
		}
	}
	// Say goodbye, then wait (a bounded time) for the readers. What goes
	// wrong from here on is not the run's.
	errs.stop()
	for _, us := range users {
		us.bye()
		us.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	readers.Wait()
	sum.Errors = errs.snapshot()
	if o.pid > 0 {
		sum.ServerRSSMiB = []float64{rss0, rss1, rss2}
		if o.scenario == "idle" {
			sum.ServerCPUSec = scpu2 - scpu0
			if len(users) > 0 {
				sum.RSSPerConnKiB = (rss2 - rss0) * 1024 / float64(len(users))
			}
		} else {
			sum.ServerCPUSec = scpu2 - scpu1
		}
	}
	sum.ToolCPUSec = selfCPU() - cpu0
	sum.perMillion()
	return sum, nil
}

// sendStart is when sending (or holding) starts: now, or the moment the
// parent process chose for all its children.
func sendStart(ctx context.Context, o options) time.Time {
	if o.start == 0 {
		return time.Now()
	}
	at := time.Unix(0, o.start)
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return at
}
