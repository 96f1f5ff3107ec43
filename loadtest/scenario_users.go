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
		poll.Until(ctx, joinWait, pollInterval, func() error {
			for _, us := range users {
				if !us.joined.Load() && !us.failed.Load() {
					return fmt.Errorf("user %d has not joined", us.number)
				}
			}
			return nil
		})
	}
	return users, failures, readers
}
