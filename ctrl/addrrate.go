package ctrl

import (
	"time"

	"github.com/sirupsen/logrus"
)

// The per-address message rate: every chat connection from one address
// charges its frames to the address's bucket (MsgRatePerIP per second,
// MsgBurstPerIP at most) as well as to its own, so that many connections
// cannot add their allowances up to a flood.

// allowAddr takes a token from the bucket of c's address and reports
// whether there was one. A refusal is counted, and logged a few lines per
// address a minute; the caller answers it like any other rate limit
// (rateLimited: the error reply, and strikes towards a close).
func (c *conn) allowAddr() bool {
	b := c.limits()
	if b.addrMsgs == nil || b.addrMsgs.Allow() {
		return true
	}
	c.s.stats.addrLimited.Add(1)
	if !b.limited {
		if ok, suppressed := c.s.logs.addrRate.allow(c.ip, time.Now()); ok {
			c.logger().WithFields(logrus.Fields{"rate_per_ip": c.s.cfg.MsgRatePerIP, "suppressed": suppressed}).Info("rate limited: the address sends too fast")
		}
	}
	b.limited = true // rateLimited need not log it again
	return false
}
