// Package poll waits for a condition by asking it again and again, with a
// deadline: the one way the tests and the load tool wait for something,
// never a sleep. Its condition returns an error that says what is still
// missing, so a wait that times out says why.
package poll

import (
	"context"
	"fmt"
	"time"
)

// Until calls cond every interval until it returns nil, wait passes or ctx
// ends. It returns nil, or cond's last error (ctx's error if cond was
// never called).
func Until(ctx context.Context, wait, interval time.Duration, cond func() error) error {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-deadline.C:
			return err
		case <-tick.C:
		}
	}
}

// T is the part of testing.TB that CheckFor uses.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// CheckFor fails the test unless cond returns nil within wait, asking every
// interval (nats-server's checkFor): the failure is cond's last error.
func CheckFor(t T, wait, interval time.Duration, cond func() error) {
	t.Helper()
	if err := Until(context.Background(), wait, interval, cond); err != nil {
		t.Fatalf("after %v: %v", wait, err)
	}
}

// Check is cond as an error: nil when it holds, else "want " and what.
func Check(cond bool, what string, args ...any) error {
	if cond {
		return nil
	}
	return fmt.Errorf("want "+what, args...)
}
