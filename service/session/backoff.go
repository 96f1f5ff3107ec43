package session

import (
	"errors"
	"math/rand/v2"
	"syscall"
	"time"
)

// The wait before a reconnect. A server restart drops every client at the
// same moment; with the same backoff they would all come back at the same
// moments too, each attempt a thundering herd, the next one further off.
// So each wait is drawn at random from the upper half of the backoff: the
// attempts spread over half the backoff, and no wait is longer than the
// backoff itself, so the jitter costs no client more time than before. The
// reconnecting state's RetryIn is the wait drawn.
//
// While the server's address refuses connections outright (nothing
// listens: it is restarting), an attempt costs the server nothing, so the
// backoff stops growing at listenRetry: a client comes back within about a
// second of the server listening again, not up to MaxBackoff later.

// listenRetry bounds the backoff while connecting is refused by the
// server's host (ECONNREFUSED); MinBackoff if that is longer.
const listenRetry = time.Second

// retryBackoff is the backoff for a retry after err: backoff, or less when
// nothing listened.
func (s *Session) retryBackoff(backoff time.Duration, err error) time.Duration {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return min(backoff, max(listenRetry, s.cfg.MinBackoff))
	}
	return backoff
}

// jittered returns a wait drawn uniformly from [backoff/2, backoff].
func jittered(backoff time.Duration) time.Duration {
	half := backoff / 2
	if half <= 0 {
		return backoff
	}
	return half + rand.N(backoff-half+1)
}
