package ctrl

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"chatroom/config"
)

// addrs owns what one client address may hold and do. An address is
// clientIP's (an IPv6 client is its /64; behind a trusted proxy, the
// forwarded client's). Per address it counts the
// connections open from accept until they close (addrListener), the chat
// connections among them (MaxConnsPerIP), and keeps three token buckets:
// the chat connections it may open (JoinRatePerIP), the data frames all its
// chat connections may send together (MsgRatePerIP), and the user lists
// they may get together (UserListRatePerIP, userlistlimit.go).
//
// An address's entry goes as soon as it has no connection left and both
// buckets are full again, so the table holds the addresses connected now
// and those busy a few seconds ago, nothing more.

// sweepEvery is how often, at most, the table looks for entries to drop
// whose buckets filled up after their last connection closed.
const sweepEvery = time.Second

// addrEntry is one address's counts and buckets.
type addrEntry struct {
	open  int           // connections from accept until closed, chat ones included
	chats int           // chat connections: admitted handshakes until the connection ends
	joins *rate.Limiter // new chat connections; nil: no JoinRatePerIP
	msgs  *rate.Limiter // frames of every chat connection; nil: no MsgRatePerIP
	lists *rate.Limiter // user lists of every chat connection; nil: no UserListRatePerIP
}

// addrTable is the per-address state of one Server.
type addrTable struct {
	maxChats  int // chat connections per address; 0: no limit
	maxOpen   int // connections of any kind per address; 0: no limit
	maxAll    int // connections of any kind from every address: MaxConns + config.FDReserve/2
	joinRate  rate.Limit
	joinBurst int
	msgRate   rate.Limit
	msgBurst  int
	listRate  rate.Limit
	listBurst int

	mu    sync.Mutex
	m     map[netip.Addr]*addrEntry
	all   int // connections open, from accept until closed
	swept time.Time
}

func newAddrTable(cfg config.Server) *addrTable {
	t := &addrTable{
		maxChats:  cfg.MaxConnsPerIP,
		joinRate:  rate.Limit(cfg.JoinRatePerIP),
		joinBurst: cfg.JoinBurstPerIP,
		msgRate:   rate.Limit(cfg.MsgRatePerIP),
		msgBurst:  cfg.MsgBurstPerIP,
		listRate:  rate.Limit(cfg.UserListRatePerIP),
		listBurst: cfg.UserListBurstPerIP,
		maxAll:    cfg.MaxConns + config.FDReserve/2,
		m:         make(map[netip.Addr]*addrEntry),
	}
	if cfg.MaxConnsPerIP > 0 {
		t.maxOpen = cfg.MaxConnsPerIP + config.PendingPerIP
	}
	return t
}

// entry returns ip's entry, made if new. Called with t.mu held.
func (t *addrTable) entry(ip netip.Addr, now time.Time) *addrEntry {
	if e := t.m[ip]; e != nil {
		return e
	}
	if now.Sub(t.swept) >= sweepEvery {
		t.sweep(now)
	}
	e := &addrEntry{}
	if t.joinRate > 0 {
		e.joins = rate.NewLimiter(t.joinRate, t.joinBurst)
	}
	if t.msgRate > 0 {
		e.msgs = rate.NewLimiter(t.msgRate, t.msgBurst)
	}
	if t.listRate > 0 {
		e.lists = rate.NewLimiter(t.listRate, t.listBurst)
	}
	t.m[ip] = e
	return e
}

// sweep drops every entry with nothing left to remember. Called with t.mu held.
func (t *addrTable) sweep(now time.Time) {
	t.swept = now
	for ip, e := range t.m {
		if e.idle(now) {
			delete(t.m, ip)
		}
	}
}

// idle reports whether e has no connection and full buckets: forgetting it
// changes nothing (an address cannot refill a bucket by reconnecting).
func (e *addrEntry) idle(now time.Time) bool {
	return e.open <= 0 && e.chats <= 0 && full(e.joins, now) && full(e.msgs, now) && full(e.lists, now)
}

func full(l *rate.Limiter, now time.Time) bool {
	return l == nil || l.TokensAt(now) >= float64(l.Burst())
}

// release drops ip's entry if it is idle. Called with t.mu held.
func (t *addrTable) release(ip netip.Addr, e *addrEntry, now time.Time) {
	if e.idle(now) {
		delete(t.m, ip)
	}
}

// accept counts a connection just accepted from ip, or says why it may
// not be served (a drop reason): the address holds all it may
// (MaxConnsPerIP + config.PendingPerIP), or the server does (MaxConns +
// config.FDReserve/2, which leaves the rest of the open files for the log,
// the listeners and the broker).
func (t *addrTable) accept(ip netip.Addr) (drop string) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.all >= t.maxAll {
		return dropPending
	}
	e := t.entry(ip, now)
	if t.maxOpen > 0 && e.open >= t.maxOpen {
		return dropPerIP
	}
	e.open++
	t.all++
	return ""
}

// acceptProxy counts a connection just accepted from a trusted proxy
// (-trusted-proxies), or says why it may not be served: only the server's
// limit applies. The proxy's connections carry many clients, each counted
// under its own address once its request names it (Server.clientIP).
func (t *addrTable) acceptProxy() (drop string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.all >= t.maxAll {
		return dropPending
	}
	t.all++
	return ""
}

// closedProxy gives back what acceptProxy counted.
func (t *addrTable) closedProxy() {
	t.mu.Lock()
	t.all--
	t.mu.Unlock()
}

// closed gives back what accept counted.
func (t *addrTable) closed(ip netip.Addr) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.all--
	if e := t.m[ip]; e != nil {
		e.open--
		t.release(ip, e, now)
	}
}

// join spends one of ip's joins, and reports whether it had one. A join is
// a new chat connection or a room entered: each room a handshake names
// past the first, each join request (each replays the room's history).
func (t *addrTable) join(ip netip.Addr) bool { return t.joinN(ip, 1) }

// joinN takes n of ip's joins (at most its burst, which a handshake naming
// more rooms than that spends whole), or none and reports false.
func (t *addrTable) joinN(ip netip.Addr, n int) bool {
	if t.joinRate <= 0 || n <= 0 {
		return true
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(ip, now)
	ok := e.joins.AllowN(now, min(n, t.joinBurst))
	t.release(ip, e, now)
	return ok
}

// takeChat counts a chat connection from ip, or reports that the address
// has MaxConnsPerIP already.
func (t *addrTable) takeChat(ip netip.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(ip, time.Now())
	if t.maxChats > 0 && e.chats >= t.maxChats {
		return false
	}
	e.chats++
	return true
}

// freeChat gives back what takeChat counted.
func (t *addrTable) freeChat(ip netip.Addr) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.m[ip]; e != nil {
		e.chats--
		t.release(ip, e, now)
	}
}

// buckets are the buckets that every chat connection from ip charges with
// its frames and its user lists; nil where there is no such limit. They
// are looked up once per connection: the entry lives while the connection
// does (takeChat).
func (t *addrTable) buckets(ip netip.Addr) (msgs, lists *rate.Limiter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.m[ip]; e != nil {
		return e.msgs, e.lists
	}
	return nil, nil
}

// size is the number of addresses the table remembers.
func (t *addrTable) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// addrOf is the address a connection is counted under: clientIP's rule
// applied to its remote address. The zero Addr when that is not ip:port.
func addrOf(a net.Addr) netip.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return addrKey(tcp.AddrPort().Addr())
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return addrKey(ap.Addr())
}

// addrKey is ip as counted: unmapped, and an IPv6 address cut to its /64.
func addrKey(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}
