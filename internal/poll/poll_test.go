package poll

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	err := Until(context.Background(), 10*time.Second, time.Millisecond, func() error {
		if calls++; calls < 3 {
			return fmt.Errorf("call %d", calls)
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Until: %v after %d calls, want nil after 3", err, calls)
	}
}

func TestUntilGivesTheLastErrorWhenTimeIsUp(t *testing.T) {
	calls := 0
	err := Until(context.Background(), 20*time.Millisecond, time.Millisecond, func() error {
		calls++
		return fmt.Errorf("still missing (call %d)", calls)
	})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("call %d)", calls)) {
		t.Fatalf("Until: %v, want the last of %d errors", err, calls)
	}
}

func TestUntilStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	missing := errors.New("missing")
	if err := Until(ctx, time.Hour, time.Hour, func() error { return missing }); err != missing {
		t.Fatalf("Until after cancel: %v, want the condition's error", err)
	}
}

// fatal records CheckFor's failure instead of ending the test.
type fatal struct{ msg string }

func (f *fatal) Helper()                           {}
func (f *fatal) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestCheckForSaysWhatIsMissing(t *testing.T) {
	var f fatal
	CheckFor(&f, 10*time.Millisecond, time.Millisecond, func() error { return Check(false, "%d users", 2) })
	if !strings.Contains(f.msg, "want 2 users") {
		t.Fatalf("CheckFor failed with %q, want it to say what is missing", f.msg)
	}
	f = fatal{}
	CheckFor(&f, 10*time.Millisecond, time.Millisecond, func() error { return Check(true, "anything") })
	if f.msg != "" {
		t.Fatalf("CheckFor failed with %q on a condition that holds", f.msg)
	}
}
