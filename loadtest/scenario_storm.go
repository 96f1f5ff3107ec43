package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"chatroom/internal/poll"
	"chatroom/service"
	sess "chatroom/service/session"
)

// The reconnect storm: -clients reconnecting client sessions (the desktop
// client's service/session, with its backoff and jitter) connect, 64 at a
// time; then the server is restarted under them (by the caller, e.g.
// scripts/bench-reconnect-storm.sh, once the tool says so on stderr). The
// run measures the time from the first session that lost its connection to
// the last one connected again, then has -senders sessions send stormTalks
// talks each and checks that every session gets every one exactly once.

// stormTalks is how many talks each sender sends after the storm.
const stormTalks = 2

// stormReady starts the line the tool prints once every session is
// connected: the moment to restart the server.
const stormReady = "storm: all connected"

// Session timings for the storm: the desktop client's backoff (500 ms to
// 15 s, jittered), and pings rarer than its 5 s, so that 15,000 sessions'
// heartbeats do not make the load.
const (
	stormPing        = 20 * time.Second
	stormPongTimeout = 60 * time.Second
)

// runStorm runs the reconnect storm.
func runStorm(ctx context.Context, o options, log io.Writer) (*summary, error) {
	cpu0 := selfCPU()
	var errs errCounter
	ctx, cancel := context.WithCancel(ctx)
	st := &storm{marker: "storm-" + o.runID + "-"}
	defer st.closeAll(cancel)
	start := time.Now()
	if err := st.connect(ctx, o, &errs); err != nil {
		return nil, err
	}
	sum := &summary{Scenario: o.scenario, Protocol: "session", URL: o.rawURL, Processes: 1, Clients: o.clients, Storm: &stormCounts{}}
	sum.Connected, sum.ConnectFailures = st.count(func(u *stormUser) bool { return u.ups.Load() > 0 }), int(st.failed.Load())
	sum.Storm.ConnectSec = time.Since(start).Seconds()
	fmt.Fprintf(log, "%s: %d sessions in %.1f s; restart the server now (waiting %s at most)\n", stormReady, sum.Connected, sum.Storm.ConnectSec, o.duration)
	if sum.Connected > 0 {
		st.ride(ctx, o, log, sum)
		st.check(ctx, o, log, sum, &errs)
	}
	sum.Errors = errs.snapshot()
	sum.ToolCPUSec = selfCPU() - cpu0
	return sum, nil
}

// storm is the run's sessions and what they saw.
type storm struct {
	marker   string // starts every check talk's content
	users    []*stormUser
	failed   atomic.Int64 // sessions that never connected
	firstOff atomic.Int64 // unix ns of the first lost connection; 0: none yet
	lastUp   atomic.Int64 // unix ns of the latest connection made
	runs     sync.WaitGroup
}

// stormUser is one session and what its events said.
type stormUser struct {
	s     *sess.Session
	state atomic.Int32 // its sess.State
	ups   atomic.Int32 // connections made
	got   atomic.Int64 // check talks received, each once
	dups  atomic.Int64 // check talks received again
	seen  map[string]bool
	err   error // why its Run ended; set before ended is closed
	ended chan struct{}
}

// event records a session's event; the session reports them one at a time.
func (st *storm) event(u *stormUser, ev sess.Event) {
	switch ev := ev.(type) {
	case sess.StateChanged:
		u.state.Store(int32(ev.State))
		now := time.Now().UnixNano()
		switch ev.State {
		case sess.Connected:
			u.ups.Add(1)
			st.lastUp.Store(now)
		case sess.Reconnecting:
			st.firstOff.CompareAndSwap(0, now)
		}
	case sess.Talk:
		if c := ev.Msg.Content; strings.HasPrefix(c, st.marker) {
			if u.seen[c] {
				u.dups.Add(1)
				return
			}
			u.seen[c] = true
			u.got.Add(1)
		}
	}
}

// connect starts the sessions, 64 connecting at a time, and waits until
// each is connected or has failed.
func (st *storm) connect(ctx context.Context, o options, errs *errCounter) error {
	var secret []byte
	if o.authSecret != "" {
		secret = []byte(o.authSecret)
	}
	ep := o.endpoints[0]
	inflight := make(chan struct{}, 64)
	var dials sync.WaitGroup
	for i := range o.clients {
		cfg := sess.Config{
			URL: ep.url.String(), Username: fmt.Sprintf("load-%s-%d", o.runID, i), TLS: ep.tls,
			Reconnect: true, PingInterval: stormPing, PongTimeout: stormPongTimeout,
		}
		if secret != nil {
			token, err := service.MintToken(secret, cfg.Username, tokenTTL, time.Now())
			if err != nil {
				return fmt.Errorf("cannot mint a token: %w", err)
			}
			cfg.Token = token
		}
		u := &stormUser{seen: map[string]bool{}, ended: make(chan struct{})}
		u.s = sess.New(cfg, func(ev sess.Event) { st.event(u, ev) })
		st.users = append(st.users, u)
		select {
		case inflight <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		dials.Add(1)
		st.runs.Add(1)
		go st.run(ctx, u, errs)
		go func() {
			defer dials.Done()
			defer func() { <-inflight }()
			poll.Until(ctx, joinWait, pollInterval, func() error {
				return poll.Check(u.ups.Load() > 0 || isClosed(u.ended), "not connected")
			})
		}()
	}
	dials.Wait()
	return ctx.Err()
}

// run runs u's session until it ends.
func (st *storm) run(ctx context.Context, u *stormUser, errs *errCounter) {
	defer st.runs.Done()
	u.err = u.s.Run(ctx)
	if u.err != nil {
		errs.add(u.err)
		if u.ups.Load() == 0 {
			st.failed.Add(1)
		}
	}
	close(u.ended)
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// count counts the users for which f holds.
func (st *storm) count(f func(*stormUser) bool) (n int) {
	for _, u := range st.users {
		if f(u) {
			n++
		}
	}
	return n
}

// closeAll says goodbye for every session, all at once, and waits for
// their runs to end.
func (st *storm) closeAll(cancel func()) {
	var wg sync.WaitGroup
	for _, u := range st.users {
		wg.Go(u.s.Close)
	}
	wg.Wait()
	cancel()
	st.runs.Wait()
}

// errNotBack is the error of a session still away at the end of the wait.
var errNotBack = errors.New("storm: not connected again within -duration")
