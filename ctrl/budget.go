package ctrl

import "golang.org/x/time/rate"

// budget is what a connection may still send: its buckets and its
// address's, for the read pump alone. It is made at the connection's
// first frame, so an idle connection, most of a big room, keeps a nil
// pointer instead (limits).
type budget struct {
	msgs      *rate.Limiter // frames: MsgRate per second, MsgBurst at most; nil: no MsgRate
	strikes   *rate.Limiter // refusals it forgives: RateClose at once, MsgRate a second; nil: never closed
	lists     *rate.Limiter // user lists (userlistlimit.go); nil: no UserListInterval
	addrMsgs  *rate.Limiter // the frames bucket shared by every chat connection of its address (addrrate.go); nil: none
	addrLists *rate.Limiter // the user lists bucket shared likewise; nil: none

	limited bool // the last frame was refused
}

// limits returns c's budget, made at the first call. Read pump only.
func (c *conn) limits() *budget {
	if c.budget != nil {
		return c.budget
	}
	cfg := c.s.cfg
	b := &budget{}
	if cfg.MsgRate > 0 {
		b.msgs = rate.NewLimiter(rate.Limit(cfg.MsgRate), cfg.MsgBurst)
		if cfg.RateClose > 0 {
			b.strikes = rate.NewLimiter(rate.Limit(cfg.MsgRate), cfg.RateClose)
		}
	}
	if cfg.UserListInterval > 0 {
		b.lists = rate.NewLimiter(rate.Every(cfg.UserListInterval), cfg.UserListBurst)
	}
	// The address's entry lives while this connection holds its chat
	// slot, so the buckets are looked up once.
	b.addrMsgs, b.addrLists = c.s.addrs.buckets(c.ip)
	c.budget = b
	return b
}
