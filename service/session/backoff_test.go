package session

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// Every wait lies in the upper half of the backoff, and the draws spread
// over it rather than repeat one value.
func TestJitteredWaitsSpreadWithinTheBackoff(t *testing.T) {
	for _, b := range []time.Duration{0, 1, 2, 3, 500 * time.Millisecond, 15 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 1000 {
			w := jittered(b)
			if w < b/2 || w > b {
				t.Fatalf("jittered(%v) = %v, outside [%v, %v]", b, w, b/2, b)
			}
			seen[w] = true
		}
		if b >= 500*time.Millisecond && len(seen) < 100 {
			t.Errorf("jittered(%v): %d distinct waits in 1000 draws", b, len(seen))
		}
	}
}

// A refused connection (nothing listens) keeps the backoff at a second;
// any other failure leaves it to grow.
func TestBackoffStaysShortWhileNothingListens(t *testing.T) {
	s := New(Config{URL: "ws://127.0.0.1:1/ws"}, func(Event) {})
	refused := &UnreachableError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	if got := s.retryBackoff(8*time.Second, refused); got != listenRetry {
		t.Errorf("after a refused connect: %v, want %v", got, listenRetry)
	}
	if got := s.retryBackoff(500*time.Millisecond, refused); got != 500*time.Millisecond {
		t.Errorf("a shorter backoff after a refused connect: %v, want it kept", got)
	}
	if got := s.retryBackoff(8*time.Second, &ClosedError{Code: 1001}); got != 8*time.Second {
		t.Errorf("after a close: %v, want 8s", got)
	}
	slow := New(Config{URL: "ws://127.0.0.1:1/ws", MinBackoff: 3 * time.Second}, func(Event) {})
	if got := slow.retryBackoff(8*time.Second, refused); got != 3*time.Second {
		t.Errorf("with a 3 s MinBackoff: %v, want 3s", got)
	}
}
