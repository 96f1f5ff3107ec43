package ctrl

import (
	"net/netip"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/time/rate"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// This file owns the user list's own limit. The user list is the one reply
// that grows with the room (2,000 users with 32-character Chinese names:
// 442 KB for a 16-byte request), so it is an amplifier. Besides the
// -msg-rate token every frame costs, a request takes a token of a tighter
// bucket of the connection's (UserListInterval, UserListBurst) and one of a
// bucket shared by every connection from its address (UserListRatePerIP,
// UserListBurstPerIP; off with MaxConnsPerIP 0 too, since behind a proxy
// every user has the proxy's address, and the scripts pass it). Over
// either, the request gets the error reply config.ReplyUserListLimited and
// no list; the connection stays open (a flood of requests is closed by the
// main rate limit). The defaults let the spec's load scenario, a user list
// every 2 s per user, through.

// userListLogs is how many "user list rate limited" lines one address may
// log per userListLogPeriod.
const (
	userListLogs      = 4
	userListLogPeriod = time.Minute
)

// userListLimits are the per-address buckets, each made at its address's
// first request and kept while a connection that asked holds it.
type userListLimits struct {
	rate  rate.Limit
	burst int
	log   *logSampler

	mu   sync.Mutex
	byIP map[netip.Addr]*ipUserLists
}

// ipUserLists is one address's bucket.
type ipUserLists struct {
	lim     *rate.Limiter
	holders int // connections holding it
}

func newUserListLimits(cfg config.Server) *userListLimits {
	l := &userListLimits{log: newLogSampler(userListLogs, userListLogPeriod)}
	if cfg.UserListRatePerIP > 0 && cfg.MaxConnsPerIP > 0 {
		l.rate, l.burst = rate.Limit(cfg.UserListRatePerIP), cfg.UserListBurstPerIP
		l.byIP = make(map[netip.Addr]*ipUserLists)
	}
	return l
}

// acquire returns ip's bucket, made if need be, for one more holder; nil
// when there is no per-address limit.
func (l *userListLimits) acquire(ip netip.Addr) *ipUserLists {
	if l.byIP == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byIP[ip]
	if b == nil {
		b = &ipUserLists{lim: rate.NewLimiter(l.rate, l.burst)}
		l.byIP[ip] = b
	}
	b.holders++
	return b
}

// release gives back c's hold on its address's bucket, if it took one.
func (l *userListLimits) release(c *conn) {
	if c.ipUserLists == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.ipUserLists.holders--; c.ipUserLists.holders <= 0 {
		delete(l.byIP, c.ip)
	}
}

// sendUserList answers a user list request: the list, or the error reply
// when the connection or its address asked too often.
func (c *conn) sendUserList() {
	if c.allowUserList() {
		c.s.room.SendUserList(c)
		return
	}
	c.s.stats.rejectedFrames.Add(1)
	c.s.stats.userListLimited.Add(1)
	if ok, suppressed := c.s.userLists.log.allow(c.ip, time.Now()); ok {
		c.logger().WithFields(logrus.Fields{"interval": c.s.cfg.UserListInterval, "ip_rate": c.s.userLists.rate, "suppressed": suppressed}).Info("user list rate limited")
	}
	c.s.room.Reply(c, service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypeError, Content: config.ReplyUserListLimited}))
}

// allowUserList takes a token of the connection's user list bucket and
// one of its address's, or neither. Read pump only.
func (c *conn) allowUserList() bool {
	var own *rate.Reservation
	if every := c.s.cfg.UserListInterval; every > 0 {
		if c.userLists == nil {
			c.userLists = rate.NewLimiter(rate.Every(every), c.s.cfg.UserListBurst)
		}
		if own = c.userLists.Reserve(); own.Delay() > 0 {
			own.Cancel()
			return false
		}
	}
	if c.ipUserLists == nil {
		c.ipUserLists = c.s.userLists.acquire(c.ip)
	}
	if c.ipUserLists != nil && !c.ipUserLists.lim.Allow() {
		if own != nil {
			own.Cancel() // the connection's token is not spent on a refusal
		}
		return false
	}
	return true
}
