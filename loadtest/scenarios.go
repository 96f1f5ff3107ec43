package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"chatroom/model"
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

func (e *errCounter) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	if e.errs == nil {
		e.errs = map[string]int{}
	}
	e.errs[errorKind(err)]++
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

// run runs one scenario in this process.
func run(ctx context.Context, o options, log io.Writer) (*summary, error) {
	if o.scenario == "connect" {
		return runConnect(ctx, o, log)
	}
	cpu0, scpu0, rss0 := selfCPU(), procCPU(o.pid), rssMiB(o.pid)
	var errs errCounter
	users, failures, readers := connectAll(ctx, o, log, &errs)
	defer func() {
		for _, us := range users {
			us.conn.Close()
		}
	}()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	sum := &summary{Scenario: o.scenario, Protocol: o.proto, URL: o.rawURL, Processes: 1, Clients: o.clients, Connected: len(users), ConnectFailures: failures}
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

// connectAll connects o.clients users spread over the ramp, each with a
// reader goroutine, and waits until the server has let each of them join.
func connectAll(ctx context.Context, o options, log io.Writer, errs *errCounter) (users []*user, failures int, readers *sync.WaitGroup) {
	readers = new(sync.WaitGroup)
	fmt.Fprintf(log, "connecting %d clients over %s to %s (%s)\n", o.clients, o.ramp, o.rawURL, o.proto)
	start := time.Now()
	var mu sync.Mutex
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
			return users, failures, readers
		case <-progress.C:
			mu.Lock()
			fmt.Fprintf(log, "connecting %6.1fs %d connected, %d failed\n", time.Since(start).Seconds(), len(users), failures)
			mu.Unlock()
			<-pace.C
		case <-pace.C:
		}
		inflight <- struct{}{}
		dials.Add(1)
		go func() {
			defer dials.Done()
			defer func() { <-inflight }()
			n := o.offset + i
			us, _, err := d.dial(o.endpoints[n%len(o.endpoints)], fmt.Sprintf("load-%s-%d", o.runID, n))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures++
				errs.add(err)
				return
			}
			us.number = n
			users = append(users, us)
			readers.Add(1)
			go func() {
				defer readers.Done()
				if err := us.readLoop(); err != nil && !us.failed.Swap(true) {
					errs.add(err)
				}
			}()
		}()
	}
	dials.Wait()
	fmt.Fprintf(log, "%d connected in %s, %d failed\n", len(users), time.Since(start).Round(time.Millisecond), failures)
	// A talk sent before a user has joined does not reach it: wait for the
	// server's join (plain-text servers send none).
	if o.proto != protoLines {
		waitUntil(ctx, 10*time.Second, func() bool {
			for _, us := range users {
				if !us.joined.Load() && !us.failed.Load() {
					return false
				}
			}
			return true
		})
	}
	return users, failures, readers
}

// waitUntil polls cond until it holds, ctx ends or the timeout passes.
func waitUntil(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-poll.C:
		}
	}
	return true
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

// hold keeps idle connections open for the duration.
func hold(ctx context.Context, o options, users []*user, log io.Writer) (held time.Duration) {
	start := sendStart(ctx, o)
	defer func() { held = time.Since(start) }()
	end := time.NewTimer(time.Until(start.Add(o.duration)))
	defer end.Stop()
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-progress.C:
			alive := 0
			for _, us := range users {
				if !us.failed.Load() {
					alive++
				}
			}
			line := fmt.Sprintf("holding %6.1fs %d open", time.Since(start).Seconds(), alive)
			if o.pid > 0 {
				line += fmt.Sprintf(", server RSS %.1f MiB", rssMiB(o.pid))
			}
			fmt.Fprintln(log, line)
		}
	}
}

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
	waitUntil(ctx, o.drain, func() bool {
		select {
		case <-progress.C:
			report("draining")
		default:
		}
		if o.exchange == nil {
			total = sent0 - refused()
		}
		for _, us := range users {
			if !us.failed.Load() && us.talks.Load() < total {
				return false
			}
		}
		return true
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

// runConnect measures connection setup: workers connect, wait for their
// join, say goodbye and close, again and again for the duration.
func runConnect(ctx context.Context, o options, log io.Writer) (*summary, error) {
	cpu0, scpu0, rss0 := selfCPU(), procCPU(o.pid), rssMiB(o.pid)
	var errs errCounter
	var done, failed atomic.Int64
	var histMu sync.Mutex
	var hist histogram
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	fmt.Fprintf(log, "connecting with %d workers for %s to %s (%s)\n", o.concurrency, o.duration, o.rawURL, o.proto)
	var wg sync.WaitGroup
	d := o.dialer()
	for w := range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				n := w*1_000_000 + i
				took, err := session(d, o.endpoints[n%len(o.endpoints)], fmt.Sprintf("load-%s-c%d", o.runID, n))
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
						errs.add(err)
					}
					continue
				}
				done.Add(1)
				histMu.Lock()
				hist.add(uint64(took.Microseconds()))
				histMu.Unlock()
			}
		}()
	}
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-progress.C:
			fmt.Fprintf(log, "connect  %6.1fs %d sessions, %d failed\n", time.Since(start).Seconds(), done.Load(), failed.Load())
		}
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	sum := &summary{
		Scenario: o.scenario, Protocol: o.proto, URL: o.rawURL, Processes: 1,
		Clients: int(done.Load() + failed.Load()), Connected: int(done.Load()), ConnectFailures: int(failed.Load()),
		Errors: errs.snapshot(), DurationSec: secs, ConnectsPerSec: float64(done.Load()) / secs, HandshakeMs: hist.latencies(),
		ToolCPUSec: selfCPU() - cpu0,
	}
	if o.pid > 0 {
		sum.ServerRSSMiB = []float64{rss0, rss0, rssMiB(o.pid)}
		sum.ServerCPUSec = procCPU(o.pid) - scpu0
	}
	return sum, nil
}

// session is one short visit: handshake, the server's join, goodbye, the
// close handshake. It returns the handshake time.
func session(d dialer, ep endpoint, name string) (time.Duration, error) {
	us, took, err := d.dial(ep, name)
	if err != nil {
		return 0, err
	}
	defer us.closeNow()
	us.conn.SetDeadline(time.Now().Add(d.timeout))
	us.bye()
	if err := us.readLoop(); err != nil {
		return 0, err
	}
	if d.proto != protoLines && !us.joined.Load() {
		return 0, errors.New("closed before the join arrived")
	}
	return took, nil
}

// churnCount counts the churning users' visits.
type churnCount struct {
	cycles   atomic.Int64 // visits completed: connected, joined, left with exit
	failures atomic.Int64
}

// churn runs o.churn users who visit the room again and again until ctx
// ends: each visit is someone new (a fresh name) who joins, stays 0.5-3 s
// and says exit. A visit cut short by ctx still says exit properly.
func churn(ctx context.Context, o options, errs *errCounter, count *churnCount) {
	d := o.dialer()
	var wg sync.WaitGroup
	for k := range o.churn {
		n := o.churnOffset + k
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				err := visit(ctx, d, o.endpoints[n%len(o.endpoints)], fmt.Sprintf("load-%s-churn%d-%d", o.runID, n, i))
				if err == nil {
					count.cycles.Add(1)
					continue
				}
				count.failures.Add(1)
				errs.add(fmt.Errorf("churn: %w", err))
				// A refused connection fails at once: do not spin.
				backoff := time.NewTimer(100 * time.Millisecond)
				select {
				case <-ctx.Done():
				case <-backoff.C:
				}
				backoff.Stop()
			}
		}()
	}
	wg.Wait()
}

// visit is one churning user's stay: connect, join, stay 0.5-3 s (less if
// ctx ends first), exit, the close handshake. The talks it receives are not
// counted.
func visit(ctx context.Context, d dialer, ep endpoint, name string) error {
	us, _, err := d.dial(ep, name)
	if err != nil {
		return err
	}
	defer us.closeNow()
	us.since.Store(math.MaxInt64) // counts no talk
	read := make(chan error, 1)
	go func() { read <- us.readLoop() }()
	stay := time.NewTimer(500*time.Millisecond + rand.N(2500*time.Millisecond))
	defer stay.Stop()
	select {
	case err := <-read:
		if err == nil {
			err = errors.New("closed by the server before saying exit")
		}
		return err
	case <-stay.C:
	case <-ctx.Done():
	}
	us.bye()
	us.conn.SetReadDeadline(time.Now().Add(d.timeout))
	if err := <-read; err != nil {
		return err
	}
	if d.proto != protoLines && !us.joined.Load() {
		return errors.New("closed before the join arrived")
	}
	return nil
}
