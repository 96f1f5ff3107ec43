package ctrl

import (
	"fmt"
	"net/netip"
	"sync"
	"time"
	"unicode/utf8"
)

// What a client can make the server write to its log is bounded twice: each
// value it chose is cut to maxLogValue bytes (clip), and the lines one
// address causes are sampled (logSampler).

// maxLogValue is the most bytes of a client's value (a username, an
// origin, a reason quoting them) that one log field keeps.
const maxLogValue = 64

// clip cuts s to maxLogValue bytes at a character boundary and says how
// long it was, so that a 15 KB username costs the log 80 bytes.
func clip(s string) string { return clipTo(s, maxLogValue) }

// clipTo is clip with max bytes kept, for text longer than one value (a
// reason, a line of net/http's).
func clipTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

// logSampler lets through the first perAddr log lines of one kind from an
// address in each period, and counts the rest, so that a flood from one
// address writes a few lines a period, not one per attempt. The first line
// written from an address in a new period says how many were dropped in
// the period before. Its memory is one entry per address that logged in
// the current period or was dropped in the previous one.
type logSampler struct {
	perAddr int
	period  time.Duration

	mu      sync.Mutex
	start   time.Time          // of the current period
	seen    map[netip.Addr]int // lines asked for in this period
	dropped map[netip.Addr]int // lines dropped in the previous period, not yet reported
}

func newLogSampler(perAddr int, period time.Duration) *logSampler {
	return &logSampler{perAddr: perAddr, period: period, seen: make(map[netip.Addr]int), dropped: make(map[netip.Addr]int)}
}

// allow says whether a line from ip may be written at now and, when it
// may, how many lines from ip were dropped before it (for the line's
// "suppressed" field; 0 most of the time).
func (s *logSampler) allow(ip netip.Addr, now time.Time) (ok bool, suppressed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.start) >= s.period {
		clear(s.dropped)
		for a, n := range s.seen {
			if n > s.perAddr {
				s.dropped[a] = n - s.perAddr
			}
		}
		clear(s.seen)
		s.start = now
	}
	n := s.seen[ip] + 1
	s.seen[ip] = n
	if n > s.perAddr {
		return false, 0
	}
	suppressed = s.dropped[ip]
	delete(s.dropped, ip)
	return true, suppressed
}
