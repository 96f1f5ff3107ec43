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

// talk runs the seed and fanout scenarios: senders send at their pace for
// the duration, churning users (-churn) come and go meanwhile, then
// everyone drains; the results go into sum.
func talk(ctx context.Context, o options, users []*user, log io.Writer, sum *summary, errs *errCounter) {
	period, senders := o.interval, o.total
	if o.scenario == "fanout" {
		senders = o.senders
		period = time.Duration(float64(time.Second) * float64(o.senders) / o.rate)
	}
	sum.Senders = senders
	start := sendStart(ctx, o)
	for _, us := range users {
		us.since.Store(start.UnixNano() - int64(time.Second)) // a clock step is no reason to ignore a talk
	}
	var sent atomic.Int64
	sendCtx, stopSending := context.WithDeadline(ctx, start.Add(o.duration))
	defer stopSending()
	var wg sync.WaitGroup
	var churned churnCount
	if o.churn > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			churn(sendCtx, o, errs, &churned)
		}()
	}
	for _, us := range users {
		n := us.number
		if n >= senders {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			phase := period * time.Duration(n) / time.Duration(senders)
			t := time.NewTimer(time.Until(start.Add(phase)))
			defer t.Stop()
			for next := start.Add(phase); ; next = next.Add(period) {
				t.Reset(time.Until(next))
				select {
				case <-sendCtx.Done():
					return
				case <-t.C:
				}
				if us.failed.Load() || us.sendTalk(o.size) != nil {
					return
				}
				sent.Add(1)
				if o.scenario == "seed" && o.userlist && o.proto != protoLines {
					us.send(&model.ChatRoomRequest{Type: model.TypeUserList})
				}
			}
		}()
	}
	received := func() (n int64) {
		for _, us := range users {
			n += us.talks.Load()
		}
		return n
	}
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
	report := func(phase string) {
		got, secs := received(), time.Since(start).Seconds()
		line := fmt.Sprintf("%-8s %6.1fs sent %d, delivered %d (%.0f/s)", phase, secs, sent.Load(), got, float64(got)/secs)
		if o.churn > 0 {
			line += fmt.Sprintf(", churn %d cycles, %d failed", churned.cycles.Load(), churned.failures.Load())
		}
		fmt.Fprintln(log, line)
	}
loop:
	for {
		select {
		case <-sendCtx.Done():
			break loop
		case <-progress.C:
			report("sending")
		}
	}
	wg.Wait() // the senders, and the churning users' last visits
	sendTime := time.Since(start)
	sum.Churn = o.churn
	sum.ChurnCycles, sum.ChurnFailures = churned.cycles.Load(), churned.failures.Load()

	// Drain until every healthy user has every talk. A child process does
	// not know what the others sent: it drains until deliveries stop.
	// A child process tells its parent what it sent and learns what all
	// sent: every healthy user should receive all of it.
	// A talk the server refused ("message not sent") reaches nobody and
	// is not expected. Refusals still on their way when a child process
	// reports are missed there (it then counts them as lost).
	refused := func() int64 {
		var n int64
		for _, us := range users {
			n += us.refused.Load()
		}
		return n
	}
	sent0 := sent.Load()
	total := sent0 - refused()
	if o.exchange != nil {
		total = o.exchange(total)
	}
	poll.Until(ctx, o.drain, pollInterval, func() error {
		select {
		case <-progress.C:
			report("draining")
		default:
		}
		if o.exchange == nil {
			total = sent0 - refused()
		}
		for _, us := range users {
			if got := us.talks.Load(); !us.failed.Load() && got < total {
				return fmt.Errorf("user %d has %d of %d talks", us.number, got, total)
			}
		}
		return nil
	})
	elapsed := time.Since(start)

	sum.DurationSec = sendTime.Seconds()
	sum.TalksSent = sent0
	sum.TalksRefused = refused()
	var all histogram
	for _, us := range users {
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
	if o.child {
		sum.LatencyBuckets = all.export()
	}
}
