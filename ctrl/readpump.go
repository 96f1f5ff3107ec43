package ctrl

import (
	"fmt"
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// maxReplyType bounds how much of an unknown type is echoed in an error.
const maxReplyType = 32

// tooBigReason is the close reason of a frame over ReadLimit, with the limit.
const tooBigReason = "frame is longer than %d bytes"

// readBurst reads and handles frames until gorilla's buffer is empty, then
// leaves the wait for the next one to a small goroutine (idlewait.go); or
// until the connection fails or the server decides to close it, and then
// finishes the connection.
func (c *conn) readBurst() {
	for {
		if done, err := c.readFrame(); done {
			c.finish(err)
			return
		}
		if c.ready.idle() {
			go c.waitThenRead()
			return
		}
	}
}

// setHandlers makes every pong and ping extend the read deadline, and has
// the write pump answer pings.
func (c *conn) setHandlers() {
	c.ws.SetPongHandler(func(string) error { c.extendRead(); return nil })
	c.ws.SetPingHandler(func(data string) error { c.pinged([]byte(data)); return nil })
	c.extendRead()
}

// pinged handles a client's ping (gorilla's handler, or the idle wait's,
// idlewait.go): it extends the read deadline and has the write pump answer
// with data.
func (c *conn) pinged(data []byte) {
	c.extendRead()
	c.mu.Lock()
	c.pong = data
	c.unlockAndWake()
}

// readFrame reads and handles one data frame (and the control frames
// before it). done says the read pump is over, with err or nil.
func (c *conn) readFrame() (done bool, err error) {
	_, r, err := c.ws.NextReader()
	if err != nil {
		return true, err
	}
	// Text and binary frames both carry protobuf: the spec's clients sent
	// text frames.
	limit := c.s.cfg.ReadLimit
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return true, err
	}
	if closing := c.extendRead(); closing {
		// The server is closing this connection (slow consumer,
		// shutdown): it may have left the room already and its name may
		// be someone else's now, so nothing more is handled.
		return true, nil
	}
	if int64(len(data)) > limit {
		c.closeWith(service.DisconnectTooBig, fmt.Sprintf(tooBigReason, limit))
		c.logger().WithField("limit", limit).Info("frame too big")
		return true, nil
	}
	return !c.handle(data), nil
}

// extendRead moves the read deadline: a connection that sends nothing, not
// even a pong, for PongTimeout is dead. After the close frame is sent the
// deadline is the grace period instead, and stays. It reports whether the
// connection is closing, under the same lock.
func (c *conn) extendRead() (closing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closeSent {
		c.ws.SetReadDeadline(time.Now().Add(c.s.cfg.PongTimeout))
	}
	return c.closing
}

// drain discards what the peer sends until it answers our close frame, or
// the grace period set by the write pump ends, or it has sent more frames
// than a closing client does (frameMeter.drainToClose): a client that
// floods after an exit or a close gets no more of the server's time.
func (c *conn) drain() { c.meter.drainToClose() }

// handle acts on one frame. It returns false when the connection is to close.
func (c *conn) handle(data []byte) bool {
	msg, err := model.Decode(data)
	c.countFrame(msg, err)
	// Every frame but exit spends a token: talks, user lists and garbage
	// all cost the server work.
	if (err != nil || msg.Type != model.TypeExit) && !c.allow() {
		return c.rateLimited()
	}
	if err != nil {
		c.reject(config.ReplyUndecodable+": "+err.Error(), "")
		return true
	}
	switch msg.Type {
	case model.TypeTalk:
		c.talk(msg)
	case model.TypeUserList:
		c.sendUserList(msg)
	case model.TypeJoin, model.TypePart, model.TypeRooms:
		c.handleRooms(msg)
	case model.TypeHistory, model.TypeSearch:
		c.handleHistory(msg)
	case model.TypePing:
		c.s.hub.Reply(c, c.s.pong)
	case model.TypeExit:
		c.leave()
		c.Close(service.DisconnectBye)
		return false
	default:
		if isModerationRequest(msg.Type) {
			c.moderate(msg)
			break
		}
		t := msg.Type
		if len(t) > maxReplyType {
			t = t[:maxReplyType]
		}
		c.reject(fmt.Sprintf("%s %q", config.ReplyUnknownType, t), "")
	}
	return true
}

// countFrame counts a data frame by its type.
func (c *conn) countFrame(msg *model.ChatRoomRequest, err error) {
	kind := frameUndecodable
	if err == nil {
		switch kind = msg.Type; kind {
		case model.TypeTalk, model.TypeUserList, model.TypeExit, model.TypePing,
			model.TypeJoin, model.TypePart, model.TypeRooms, model.TypeHistory, model.TypeSearch:
		default:
			kind = frameOther
		}
	}
	c.s.stats.framesIn[kind].Add(1)
}

// allow takes a token from the connection's bucket (MsgRate per second,
// MsgBurst at most) and then from its address's (allowAddr), and reports
// whether there were both.
func (c *conn) allow() bool {
	b := c.limits()
	if (b.msgs == nil || b.msgs.Allow()) && c.allowAddr() {
		b.limited = false
		return true
	}
	return false
}

// rateLimited answers a frame over the rate with an error reply. Refusals
// are counted in a second bucket that forgives them at MsgRate a second:
// a client refused RateClose times more than that is flooding, however it
// paces itself, and is closed with 1008. It returns false when the
// connection is to close.
func (c *conn) rateLimited() bool {
	c.s.stats.rateLimited.Add(1)
	b := c.limits()
	if b.strikes != nil && !b.strikes.Allow() {
		c.logger().WithField("rate_close", c.s.cfg.RateClose).Warn("closing a flooding connection")
		c.Close(service.DisconnectFlood)
		return false
	}
	c.s.stats.rejectedFrames.Add(1)
	if !b.limited {
		// One line per burst, not per frame, and a few per address over
		// all its connections: a flood must not flood the log.
		c.logFrame(c.s.logs.limited, logrus.Fields{"rate": c.s.cfg.MsgRate}, "rate limited")
	}
	b.limited = true
	c.s.hub.Reply(c, service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypeError, Content: config.ReplyRateLimited}))
	return true
}

// reject answers a frame with an error reply; the connection stays open.
func (c *conn) reject(reason, typ string) {
	c.s.stats.rejectedFrames.Add(1)
	c.logFrame(c.s.logs.rejected, logrus.Fields{"reason": clipTo(reason, maxReason), "type": clip(typ)}, "frame rejected")
	c.s.hub.Reply(c, service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypeError, Content: reason}))
}
