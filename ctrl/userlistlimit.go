package ctrl

import (
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
// UserListBurstPerIP; kept in addrs.go with the address's other buckets).
// Over either, the request gets the error reply config.ReplyUserListLimited
// and no list; the connection stays open (a flood of requests is closed by
// the main rate limit). The defaults let the spec's load scenario, a user
// list every 2 s per user, through.

// sendUserList answers a user list request: the list or the page asked
// for (room, limit, cursor, and content as the names' prefix), or the
// error reply when the connection or its address asked too often. Every
// page costs a request, as a whole list does. The same limit holds for
// the other lists that grow with the server: rooms lists and histories
// (listLimited).
func (c *conn) sendUserList(msg *model.ChatRoomRequest) {
	if c.allowUserList() {
		q := service.NamesQuery{Room: msg.Room, Limit: int(msg.Limit), Cursor: msg.Cursor, Prefix: msg.Content}
		if err := c.s.hub.UserListPage(c, q); err != nil {
			c.refuse(err)
		}
		return
	}
	c.listLimited(config.ReplyUserListLimited, msg.Room, "")
}

// listLimited answers a list asked for too often with text, naming the
// room or the user (to) it was about, if they are names at all.
func (c *conn) listLimited(text, room, to string) {
	c.s.stats.rejectedFrames.Add(1)
	c.s.stats.userListLimited.Add(1)
	if ok, suppressed := c.s.logs.lists.allow(c.ip, time.Now()); ok {
		c.logger().WithFields(logrus.Fields{"interval": c.s.cfg.UserListInterval, "rate_per_ip": c.s.cfg.UserListRatePerIP, "suppressed": suppressed}).Info("user list rate limited")
	}
	room, _ = model.NormalizeRoom(room)
	to, _ = model.NormalizeUsername(to)
	c.s.hub.Reply(c, service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypeError, Content: text, Room: room, To: to}))
}

// allowUserList takes a token of the connection's user list bucket and
// one of its address's, or neither. Read pump only.
func (c *conn) allowUserList() bool {
	b := c.limits()
	var own *rate.Reservation
	if b.lists != nil {
		if own = b.lists.Reserve(); own.Delay() > 0 {
			own.Cancel()
			return false
		}
	}
	if b.addrLists != nil && !b.addrLists.Allow() {
		if own != nil {
			own.Cancel() // the connection's token is not spent on a refusal
		}
		return false
	}
	return true
}
