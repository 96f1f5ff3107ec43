package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

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
// close handshake (Centrifugo: handshake, connect, subscribe, its reply,
// the close handshake). It returns the handshake time.
func session(d dialer, ep endpoint, name string) (time.Duration, error) {
	us, took, err := d.dial(ep, name)
	if err != nil {
		return 0, err
	}
	defer us.closeNow()
	us.conn.SetDeadline(time.Now().Add(d.timeout))
	if d.proto == protoCentrifugo {
		us.byeOnJoin = true // its join (the subscribe's reply) is yet to come
	} else {
		us.bye()
	}
	if err := us.readLoop(); err != nil {
		return 0, err
	}
	if d.proto != protoLines && !us.joined.Load() {
		return 0, errors.New("closed before the join arrived")
	}
	return took, nil
}
