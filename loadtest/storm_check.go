package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"chatroom/internal/poll"
	sess "chatroom/service/session"
)

// What the reconnect storm measured besides the common counts.
type stormCounts struct {
	ConnectSec   float64 `json:"connect_s"`   // every session connected, the first time
	ReconnectSec float64 `json:"reconnect_s"` // first connection lost to last connected again
	Dropped      int     `json:"dropped"`     // sessions whose connection the restart ended
	Back         int     `json:"back"`        // of those, connected again
	Duplicates   int64   `json:"duplicates"`  // check talks a session got more than once
}

func (c *stormCounts) wrong() int64 {
	if c == nil {
		return 0
	}
	return c.Duplicates + int64(c.Dropped-c.Back)
}

func (c *stormCounts) print(w io.Writer) {
	fmt.Fprintf(w, "first connect      %.1f s\n", c.ConnectSec)
	fmt.Fprintf(w, "storm              %d dropped, %d back, all back %.2f s after the first drop\n", c.Dropped, c.Back, c.ReconnectSec)
	fmt.Fprintf(w, "duplicates         %d\n", c.Duplicates)
}

// ride waits (at most -duration) for the server to drop the sessions,
// then (at most -duration again) until every dropped session is connected
// again, and says how long that took.
func (st *storm) ride(ctx context.Context, o options, log io.Writer, sum *summary) {
	if err := poll.Until(ctx, o.duration, pollInterval, func() error {
		return poll.Check(st.firstOff.Load() != 0, "no connection lost")
	}); err != nil {
		fmt.Fprintf(log, "storm: no connection was lost within %s\n", o.duration)
		return
	}
	fmt.Fprintln(log, "storm: the server went away; waiting for every session to be back")
	away := func(u *stormUser) bool {
		return u.ups.Load() > 0 && (u.ups.Load() < 2 || sess.State(u.state.Load()) != sess.Connected) && !isClosed(u.ended)
	}
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
	first := time.Unix(0, st.firstOff.Load())
	poll.Until(ctx, o.duration, pollInterval, func() error {
		select {
		case <-progress.C:
			fmt.Fprintf(log, "storm %6.1fs %d away\n", time.Since(first).Seconds(), st.count(away))
		default:
		}
		return poll.Check(st.count(away) == 0, "sessions away")
	})
	sum.Storm.Dropped = st.count(func(u *stormUser) bool { return u.ups.Load() > 1 || away(u) || (u.ups.Load() > 0 && isClosed(u.ended)) })
	sum.Storm.Back = st.count(func(u *stormUser) bool { return u.ups.Load() > 1 && sess.State(u.state.Load()) == sess.Connected })
	sum.Storm.ReconnectSec = time.Unix(0, st.lastUp.Load()).Sub(first).Seconds()
	fmt.Fprintf(log, "storm: %d of %d back in %.2f s\n", sum.Storm.Back, sum.Storm.Dropped, sum.Storm.ReconnectSec)
}

// check has the first -senders connected sessions send stormTalks talks
// each, and waits (at most -drain) until every connected session has them
// all; what a connected session lacks then is lost.
func (st *storm) check(ctx context.Context, o options, log io.Writer, sum *summary, errs *errCounter) {
	healthy := func(u *stormUser) bool {
		return u.ups.Load() > 0 && sess.State(u.state.Load()) == sess.Connected && !isClosed(u.ended)
	}
	var senders []*stormUser
	for _, u := range st.users {
		if healthy(u) && len(senders) < o.senders {
			senders = append(senders, u)
		}
	}
	for k := range stormTalks {
		for i, u := range senders {
			if err := u.s.Send(fmt.Sprintf("%s%d-%d", st.marker, i, k)); err != nil {
				errs.add(err)
				continue
			}
			sum.TalksSent++
		}
	}
	want := sum.TalksSent
	poll.Until(ctx, o.drain, pollInterval, func() error {
		return poll.Check(st.count(func(u *stormUser) bool { return healthy(u) && u.got.Load() < want }) == 0, "talks missing")
	})
	for _, u := range st.users {
		sum.Storm.Duplicates += u.dups.Load()
		if !healthy(u) {
			sum.FailedClients++
			if u.ups.Load() > 0 && !isClosed(u.ended) {
				errs.add(errNotBack)
			}
			continue
		}
		sum.Deliveries += u.got.Load()
		sum.Lost += want - u.got.Load()
	}
	fmt.Fprintf(log, "storm: %d talks sent after the storm, %d deliveries, %d lost\n", sum.TalksSent, sum.Deliveries, sum.Lost)
}
