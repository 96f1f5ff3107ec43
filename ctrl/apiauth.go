package ctrl

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// This file owns the server API's key check: the key is taken from
// Authorization: Bearer or X-API-Key and compared in constant time; a
// request without the right one gets 401. Each address may fail a few
// times (apiFailBurst), then once per apiFailEvery: past that, every
// request from it gets 429 until its allowance refills, so guessing goes
// no faster than that (and a key of 16 bytes or more is not guessed).
// Addresses past the table's size share one allowance, which an attacker
// with many addresses can spend; an address that has sent the right key
// (the last apiKnownAddrs of them) never shares it, so such an attack
// does not lock the operator's back end out.

const (
	apiFailBurst  = 10               // failed key checks an address may make at once
	apiFailEvery  = 6 * time.Second  // then one more per this long
	apiFailAddrs  = 4096             // addresses with failures remembered; more share one allowance
	apiRetryAfter = apiFailEvery / 2 // what 429's Retry-After suggests, rounded up to seconds
	apiKnownAddrs = 64               // addresses that sent the right key, remembered
)

// apiGuard checks keys and remembers each address's failures.
type apiGuard struct {
	sum [sha256.Size]byte // of the key: every compare is of equal lengths

	served, unauthorized, throttled atomic.Uint64

	mu    sync.Mutex
	fails map[netip.Addr]*rate.Limiter // addresses that failed, while their allowance refills
	known map[netip.Addr]time.Time     // addresses that sent the right key, and when last
	swept time.Time
}

func newAPIGuard(key string) *apiGuard {
	return &apiGuard{sum: sha256.Sum256([]byte(key)), fails: make(map[netip.Addr]*rate.Limiter), known: make(map[netip.Addr]time.Time)}
}

// APIStats are the server API's counters since start.
type APIStats struct {
	Served       uint64 // requests with the right key
	Unauthorized uint64 // answered 401: no key, or a wrong one
	Throttled    uint64 // answered 429: from an address that failed too often
}

// Stats returns the API's counters (all zero when it is off).
func (a *API) Stats() APIStats {
	if a.guard == nil {
		return APIStats{}
	}
	g := a.guard
	return APIStats{Served: g.served.Load(), Unauthorized: g.unauthorized.Load(), Throttled: g.throttled.Load()}
}

// authorize reports whether r carries the key; if not, it has answered
// 401, or 429 for an address out of allowance.
func (a *API) authorize(w http.ResponseWriter, r *http.Request) bool {
	g, ip, now := a.guard, a.chat.clientIP(r), time.Now()
	if g.exhausted(ip, now) {
		g.throttled.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int((apiRetryAfter+time.Second-1)/time.Second)))
		writeJSONError(w, http.StatusTooManyRequests, "too many requests with a wrong API key from your address: wait and try again")
		return false
	}
	key, sent := presentedKey(r)
	if sent {
		sum := sha256.Sum256([]byte(key))
		if subtle.ConstantTimeCompare(sum[:], g.sum[:]) == 1 {
			g.served.Add(1)
			g.remember(ip, now)
			return true
		}
	}
	g.unauthorized.Add(1)
	if g.fail(ip, now) {
		a.log.WithField("addr", ip.String()).Warn("server API: too many wrong keys from one address; it gets 429 for a while")
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="chatroom API"`)
	msg := "the server API needs its key: send Authorization: Bearer KEY or X-API-Key: KEY"
	if sent {
		msg = "wrong API key"
	}
	writeJSONError(w, http.StatusUnauthorized, msg)
	return false
}

// presentedKey is the key r sends: Authorization's Bearer token, else
// X-API-Key.
func presentedKey(r *http.Request) (string, bool) {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok), true
	}
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k, true
	}
	return "", false
}

// exhausted reports whether ip has no failure left to spend.
func (g *apiGuard) exhausted(ip netip.Addr, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.fails[g.slot(ip)]
	return l != nil && l.TokensAt(now) < 1
}

// fail spends one of ip's failures, and reports whether that was its
// last (the moment to say so in the log, once).
func (g *apiGuard) fail(ip netip.Addr, now time.Time) (last bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.swept) >= apiFailEvery {
		g.swept = now
		for k, l := range g.fails {
			if l.TokensAt(now) >= apiFailBurst {
				delete(g.fails, k)
			}
		}
	}
	k := g.slot(ip)
	l := g.fails[k]
	if l == nil {
		l = rate.NewLimiter(rate.Every(apiFailEvery), apiFailBurst)
		g.fails[k] = l
	}
	l.AllowN(now, 1)
	return l.TokensAt(now) < 1
}

// slot is the key of ip's allowance: its own, unless the table is full
// of others (then the zero address's, which all such addresses share).
// Called with g.mu held.
func (g *apiGuard) slot(ip netip.Addr) netip.Addr {
	if _, ok := g.fails[ip]; ok || len(g.fails) < apiFailAddrs {
		return ip
	}
	if _, ok := g.known[ip]; ok {
		return ip // its own allowance, past the table's size
	}
	return netip.Addr{}
}

// remember keeps ip as one that sent the right key, forgetting the one
// least lately seen if there are apiKnownAddrs already.
func (g *apiGuard) remember(ip netip.Addr, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.known[ip]; !ok && len(g.known) >= apiKnownAddrs {
		oldest := ip
		for k, at := range g.known {
			if oldest == ip || at.Before(g.known[oldest]) {
				oldest = k
			}
		}
		delete(g.known, oldest)
	}
	g.known[ip] = now
}
