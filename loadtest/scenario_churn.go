package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

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
