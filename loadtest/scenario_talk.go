package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"chatroom/internal/poll"
	"chatroom/model"
)

// talk runs the seed, fanout and rooms scenarios: senders send at their
// pace for the duration, churning users (-churn) come and go meanwhile,
// then everyone drains; the results go into sum.
func talk(ctx context.Context, o options, users []*user, log io.Writer, sum *summary, errs *errCounter) {
	period, senders := o.interval, o.total
	if o.scenario == "fanout" || o.scenario == "rooms" {
		senders = o.senders
		period = time.Duration(float64(time.Second) * float64(o.senders) / o.rate)
	}
	sum.Senders = senders
	t := &talking{o: o, users: users, log: log, start: sendStart(ctx, o)}
	if o.scenario == "rooms" {
		t.plan = &roomPlan{sent: make([]atomic.Int64, o.rooms)}
	}
	t.progress = time.NewTicker(o.progress) // from the start on
	defer t.progress.Stop()
	for _, us := range users {
		us.since.Store(t.start.UnixNano() - int64(time.Second)) // a clock step is no reason to ignore a talk
	}
	t.send(ctx, senders, period, errs)
	sendTime := time.Since(t.start)
	sum.Churn = o.churn
	sum.ChurnCycles, sum.ChurnFailures = t.churned.cycles.Load(), t.churned.failures.Load()
	sent0 := t.sent.Load()
	var total int64 // rooms: 0, as loss is counted per room (countRooms)
	var roomTotals []int64
	if t.plan == nil {
		total = t.drain(ctx, sent0)
	} else {
		roomTotals = t.drainRooms(ctx)
	}
	elapsed := time.Since(t.start)

	sum.DurationSec = sendTime.Seconds()
	sum.TalksSent = sent0
	sum.TalksRefused = t.refused()
	t.collect(sum, total, elapsed)
	if t.plan != nil {
		t.countRooms(sum, roomTotals, errs)
	}
}

// talking is one seed, fanout or rooms run in this process.
type talking struct {
	o        options
	users    []*user
	log      io.Writer
	start    time.Time    // when sending starts
	sent     atomic.Int64 // talks sent
	churned  churnCount
	progress *time.Ticker
	plan     *roomPlan // the rooms scenario's; nil for the others
}

// send runs the senders (the users numbered below senders: over all
// processes, the first ones), and the churning users, for the duration;
// it returns once all have stopped.
func (t *talking) send(ctx context.Context, senders int, period time.Duration, errs *errCounter) {
	sendCtx, stopSending := context.WithDeadline(ctx, t.start.Add(t.o.duration))
	defer stopSending()
	var wg sync.WaitGroup
	if t.o.churn > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			churn(sendCtx, t.o, errs, &t.churned)
		}()
	}
	for _, us := range t.users {
		n := us.number
		if n >= senders {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.sender(sendCtx, us, period*time.Duration(n)/time.Duration(senders), period)
		}()
	}
loop:
	for {
		select {
		case <-sendCtx.Done():
			break loop
		case <-t.progress.C:
			t.report("sending")
		}
	}
	wg.Wait() // the senders, and the churning users' last visits
}

// sender is one sending user: a talk every period, the first at phase
// after the start (the senders take turns), until ctx ends or it fails.
func (t *talking) sender(ctx context.Context, us *user, phase, period time.Duration) {
	timer := time.NewTimer(time.Until(t.start.Add(phase)))
	defer timer.Stop()
	for i, next := 0, t.start.Add(phase); ; i, next = i+1, next.Add(period) {
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if us.failed.Load() || t.sendOne(us, i) != nil {
			return
		}
		t.sent.Add(1)
		if t.o.scenario == "seed" && t.o.userlist && (t.o.proto == protoV1 || t.o.proto == protoV2) {
			us.send(&model.ChatRoomRequest{Type: model.TypeUserList})
		}
	}
}

// sendOne sends user us's i-th talk: to the room, or in the rooms
// scenario to one of its rooms.
func (t *talking) sendOne(us *user, i int) error {
	if t.plan != nil {
		return t.plan.send(us, t.o.size, i)
	}
	return us.sendTalk(t.o.size)
}

// received is the talks the users have received so far.
func (t *talking) received() (n int64) {
	for _, us := range t.users {
		n += us.talks.Load()
	}
	return n
}

// refused is the talks the server refused to the users so far.
func (t *talking) refused() (n int64) {
	for _, us := range t.users {
		n += us.refused.Load()
	}
	return n
}

// report prints a progress line.
func (t *talking) report(phase string) {
	got, secs := t.received(), time.Since(t.start).Seconds()
	line := fmt.Sprintf("%-8s %6.1fs sent %d, delivered %d (%.0f/s)", phase, secs, t.sent.Load(), got, float64(got)/secs)
	if t.o.churn > 0 {
		line += fmt.Sprintf(", churn %d cycles, %d failed", t.churned.cycles.Load(), t.churned.failures.Load())
	}
	fmt.Fprintln(t.log, line)
}

// reportDue prints a progress line if one is due.
func (t *talking) reportDue(phase string) {
	select {
	case <-t.progress.C:
		t.report(phase)
	default:
	}
}

// drain waits, at most -drain, until every healthy user has every talk,
// and returns how many that is. A child process tells its parent what it
// sent and learns what all sent: every healthy user should receive all of
// it. A talk the server refused ("message not sent") reaches nobody and is
// not expected. Refusals still on their way when a child process reports
// are missed there (it then counts them as lost).
func (t *talking) drain(ctx context.Context, sent0 int64) (total int64) {
	total = sent0 - t.refused()
	if t.o.exchange != nil {
		total = t.o.exchange([]int64{total})[0]
	}
	poll.Until(ctx, t.o.drain, pollInterval, func() error {
		t.reportDue("draining")
		if t.o.exchange == nil {
			total = sent0 - t.refused()
		}
		for _, us := range t.users {
			if got := us.talks.Load(); !us.failed.Load() && got < total {
				return fmt.Errorf("user %d has %d of %d talks", us.number, got, total)
			}
		}
		return nil
	})
	return total
}

// collect adds what the users received, and its latencies, to sum.
func (t *talking) collect(sum *summary, total int64, elapsed time.Duration) {
	var all histogram
	for _, us := range t.users {
		got := us.talks.Load()
		sum.Deliveries += got
		sum.Frames += us.frames.Load()
		sum.UserlistReplies += us.lists.Load()
		if !us.failed.Load() && got < total {
			sum.Lost += total - got
		}
		us.histMu.Lock()
		if us.hist != nil {
			all.merge(us.hist)
		}
		us.histMu.Unlock()
	}
	sum.DeliveriesPerSec = float64(sum.Deliveries) / elapsed.Seconds()
	sum.LatencyMs = all.latencies()
	if t.o.child {
		sum.LatencyBuckets = all.export()
	}
}
