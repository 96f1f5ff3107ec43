package ctrl

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"chatroom/service"
)

// closeGrace is how long the peer has to answer the server's close frame.
const closeGrace = 2 * time.Second

// conn is one client connection: a service.Member backed by a WebSocket.
// Its read pump reads and handles frames; its write pump is the only writer
// of data frames and drains the send queue in batches. The write pump runs
// only while there is something to write (and pumpLinger after), so an idle
// connection costs one goroutine, not two.
type conn struct {
	s         *Server
	ws        *websocket.Conn
	sock      *sockConn
	name      string
	remote    string
	begun     time.Time // when it was upgraded
	ip        netip.Addr
	batched   bool          // the client negotiated model.SubprotocolBatch
	wake      chan struct{} // has room for one signal: the write pump has work
	pumpDone  chan struct{} // closed when the write pump has ended for good
	pingTimer *time.Timer   // makes a ping due every PingInterval
	left      atomic.Bool   // Room.Leave has been called
	meter     *frameMeter   // sees every frame read, to charge those gorilla handles alone (framemeter.go)
	ready     readiness     // waits for the next frame on a small stack (idlewait.go)
	budget    *budget       // what it may still send (budget.go); nil until its first frame (read pump only)

	// Pings, pongs and continuation frames not yet charged to the budget
	// (framemeter.go): kept here, so that the pongs of an idle connection
	// need no budget until they are worth a token.
	extraFrames int

	mu           sync.Mutex
	queue        []*service.Frame // frames for the write pump, oldest first
	pong         []byte           // payload of a ping to answer; nil when none
	ping         bool             // a ping is due
	pumpsAllowed bool             // write pumps may start (the member has joined, or failed to)
	pumping      bool             // a write pump is running
	pumpEnded    bool             // the last write pump has ended: nothing more is written
	closing      bool             // no more frames are accepted
	closeAs      service.Disconnect
	closeText    string // the close reason sent: closeAs's, or more precise
	closeSent    bool   // the close frame is out: the read deadline is the grace period
	writeErr     error  // a write failed: the connection is lost
}

var _ service.Member = (*conn)(nil)

// Name implements service.Member.
func (c *conn) Name() string { return c.name }

// Send implements service.Member.
func (c *conn) Send(f *service.Frame) service.SendResult {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return service.MemberClosed
	}
	if len(c.queue) >= c.s.cfg.SendQueue {
		c.mu.Unlock()
		return service.QueueFull
	}
	c.queue = append(c.queue, f)
	if len(c.queue) > 1 {
		// Not the first: the pump that the first one woke (or started)
		// has not taken the queue yet and will take this frame with it.
		c.mu.Unlock()
		return service.Queued
	}
	c.unlockAndWake()
	return service.Queued
}

// Close implements service.Member.
func (c *conn) Close(d service.Disconnect) { c.closeWith(d, d.Reason()) }

// closeWith starts closing for d, with reason as the close frame's text:
// no more frames are queued, the write pump writes what is queued (if
// d.Flush) and then d's close frame (if d has a code). Only the first call
// counts.
func (c *conn) closeWith(d service.Disconnect, reason string) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.closeAs, c.closeText = true, d, reason
	}
	c.unlockAndWake()
}

// unlockAndWake is called with c.mu held. It unlocks it and tells the write
// pump there is work, starting one if none runs.
func (c *conn) unlockAndWake() {
	start := c.pumpsAllowed && !c.pumping && !c.pumpEnded
	if start {
		c.pumping = true
	}
	c.mu.Unlock()
	if start {
		go c.writePump()
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// logger is the connection's log entry (made when needed: an idle
// connection keeps none).
func (c *conn) logger() *logrus.Entry {
	return c.s.log.WithFields(logrus.Fields{"user": c.name, "remote": c.remote})
}

// open joins the rooms. Write pumps may start after Connect, so that a
// close requested meanwhile (a shutdown) cannot make one call Leave before
// Connect: the join preambles wait in the queue. It reports whether the
// joins worked.
func (c *conn) open(in admission) (joined bool) {
	c.logger().WithField("rooms", in.rooms).Info("connection open")
	if err := c.s.hub.Connect(context.Background(), c, service.Arrival{Rooms: in.rooms, Allowed: in.allowed, Addr: c.ip, Since: in.since, Coalesce: in.coalesce, Admin: in.admin}); err != nil {
		// Connect has released the name.
		c.left.Store(true)
		var ref *service.Refusal
		end := service.DisconnectServerError
		if errors.As(err, &ref) {
			// A rule the handshake's check could not see yet (a ban
			// another node made just now): said in words first.
			c.s.hub.Refuse(c, ref)
			if ref.Reason == service.RefuseBanned {
				end = service.DisconnectBanned
			}
		}
		c.Close(end)
		c.logger().WithField("error", err).Error("join failed")
		c.allowPumps()
		return false
	}
	c.allowPumps()
	return true
}

// allowPumps lets write pumps start, and starts one if work is waiting.
func (c *conn) allowPumps() {
	c.mu.Lock()
	c.pingTimer = time.AfterFunc(c.s.cfg.PingInterval, c.pingDue)
	c.pumpsAllowed = true
	c.unlockAndWake()
}

// serve runs the connection until it is gone: the read pump in bursts
// (readBurst) if it joined, then finish, which untracks it.
func (c *conn) serve(joined bool) {
	if !joined {
		c.finish(nil)
		return
	}
	c.setHandlers()
	if c.ready.idle() {
		c.waitThenRead()
		return
	}
	c.readBurst()
}

func (c *conn) leave() {
	if !c.left.Swap(true) {
		c.s.hub.Leave(context.Background(), c)
	}
}

// finish ends the connection after the read pump: the close handshake,
// the write pump's end, leave, the log line; then the server forgets it.
func (c *conn) finish(readErr error) {
	defer c.s.untrack(c)
	d, code, reason := c.ended(readErr)
	c.s.stats.closes[d.Cause()].Add(1)
	<-c.pumpDone
	c.pingTimer.Stop()
	c.ws.Close()
	c.leave()
	log := c.logger().WithFields(logrus.Fields{"code": code, "reason": reason, "duration": time.Since(c.begun).Round(time.Millisecond).String()})
	if d == service.DisconnectSlowConsumer || d == service.DisconnectFlood {
		log.Warn("connection closed")
	} else {
		log.Info("connection closed")
	}
}

// ended says why the connection ended, once the read pump has returned
// readErr, with the close code and reason to log; it closes the write side
// if the server had not started closing.
func (c *conn) ended(readErr error) (d service.Disconnect, code int, reason string) {
	c.mu.Lock()
	weClosed, d, reason, writeErr := c.closing, c.closeAs, c.closeText, c.writeErr
	c.mu.Unlock()
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case writeErr != nil:
		// The write pump found the peer gone (reset, or stalled past the
		// write timeout) and closed the socket.
		return service.DisconnectLost, websocket.CloseAbnormalClosure, "write failed: " + writeErr.Error()
	case weClosed:
		c.drain() // the peer's close reply, or the grace period
		return d, d.Code(), reason
	case errors.As(readErr, &ce):
		c.Close(service.DisconnectClientClosed)
		return service.DisconnectClientClosed, ce.Code, "client closed: " + clip(ce.Text)
	case errors.As(readErr, &ne) && ne.Timeout():
		c.Close(service.DisconnectIdle)
		return service.DisconnectIdle, service.DisconnectIdle.Code(), service.DisconnectIdle.Reason()
	}
	c.Close(service.DisconnectLost)
	c.sock.Conn.Close() // a write pump stuck on a dead peer ends now
	return service.DisconnectLost, websocket.CloseAbnormalClosure, "connection lost: " + readErr.Error()
}
