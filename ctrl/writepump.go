package ctrl

import (
	"net"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/service"
)

// pumpLinger is how long an idle write pump waits for more before it ends.
const pumpLinger = time.Second

// maxBatch bounds a batch frame's payload; a longer queue takes several.
const maxBatch = 64 << 10

// work is what one write takes from the connection.
type work struct {
	batch   []*service.Frame
	pong    []byte // a ping's payload to answer
	ping    bool   // a ping is due
	closing bool   // then the close frame, and the pump ends
	drop    bool   // the close discards the queue
	code    int    // the close frame's code; 0: none
	reason  string // and its reason
}

// writePump is the only goroutine that writes data frames. Each time it
// wakes it takes the whole queue and writes it, with any pong or ping, in
// one system call: a writev of the shared, prebuilt frames (see gather).
// A busy connection is written at most once per WriteWindow, so what
// arrives meanwhile goes out together. It ends after pumpLinger with
// nothing to write; Send starts another.
func (c *conn) writePump() {
	p := pump{c: c}
	defer p.stop()
	for {
		closing, ok := p.waitForWork()
		if !ok {
			return
		}
		p.waitForWindow(closing)
		w := p.take()
		if err := p.write(w); err != nil {
			c.lost(err)
			return
		}
		if w.closing {
			c.endPumps()
			if w.code != 0 {
				c.writeClose(w.code, w.reason)
				c.leave() // the others need not wait for the close handshake
			}
			close(c.pumpDone)
			return
		}
	}
}

// pump is one write pump's state between writes.
type pump struct {
	c            *conn
	spare        []*service.Frame // the last queue array, emptied, for the next queue
	g            gather
	linger, idle *time.Timer
	wrote        time.Time // the last write
}

func (p *pump) stop() {
	for _, t := range []*time.Timer{p.linger, p.idle} {
		if t != nil {
			t.Stop()
		}
	}
}

// hasWorkLocked reports whether the connection has something to write.
func (c *conn) hasWorkLocked() bool {
	return len(c.queue) > 0 || c.pong != nil || c.ping || c.closing
}

// waitForWork returns once there is something to write, and whether the
// connection is closing. With nothing for pumpLinger, it ends the pump and
// returns ok false: an idle connection keeps no pump and no queue array.
func (p *pump) waitForWork() (closing, ok bool) {
	c := p.c
	for {
		c.mu.Lock()
		if c.hasWorkLocked() {
			closing = c.closing
			c.mu.Unlock()
			return closing, true
		}
		c.mu.Unlock()
		p.linger = resetTimer(p.linger, pumpLinger)
		select {
		case <-c.wake:
			continue
		case <-p.linger.C:
		}
		c.mu.Lock()
		if !c.hasWorkLocked() {
			c.pumping = false
			c.queue = nil
			c.mu.Unlock()
			return false, false
		}
		closing = c.closing
		c.mu.Unlock()
		return closing, true
	}
}

// waitForWindow waits until WriteWindow after the last write, unless the
// connection is closing: fewer, larger writes cost both sides far less CPU
// per message, which under load is what keeps the latency low.
func (p *pump) waitForWindow(closing bool) {
	if wait := time.Until(p.wrote.Add(p.c.s.cfg.WriteWindow)); wait > 0 && !closing {
		p.idle = resetTimer(p.idle, wait)
		<-p.idle.C
	}
}

// take takes the connection's work, leaving it the spare queue array.
func (p *pump) take() work {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	w := work{batch: c.queue, pong: c.pong, ping: c.ping, closing: c.closing}
	if c.closing {
		w.drop, w.code, w.reason = !c.closeAs.Flush(), c.closeAs.Code(), c.closeText
	}
	c.queue, c.pong, c.ping = p.spare, nil, false
	return w
}

// write writes w's frames, pong and ping in one system call.
func (p *pump) write(w work) error {
	c := p.c
	if w.drop {
		clear(w.batch)
		w.batch = w.batch[:0]
	}
	p.g.reset(w.batch)
	c.gatherQueue(&p.g, w.batch)
	if w.pong != nil {
		p.g.add(appendServerFrame(nil, websocket.PongMessage, w.pong))
	}
	if w.ping {
		p.g.add(appendServerFrame(nil, websocket.PingMessage, nil))
	}
	p.wrote = time.Now()
	err := c.sock.writeBuffers(p.g.buffers(), p.wrote.Add(c.s.cfg.WriteTimeout))
	clear(w.batch)
	p.spare = w.batch[:0]
	return err
}

// lost ends the write side after a failed write: the peer is gone (reset,
// or stalled past the write timeout).
func (c *conn) lost(err error) {
	c.logger().WithField("error", err).Debug("write failed")
	c.mu.Lock()
	c.writeErr = err
	c.mu.Unlock()
	c.endPumps()
	c.sock.Conn.Close() // the read pump ends now, too
	close(c.pumpDone)
}

// resetTimer starts t, made if nil, to fire after d.
func resetTimer(t *time.Timer, d time.Duration) *time.Timer {
	if t == nil {
		return time.NewTimer(d)
	}
	t.Reset(d)
	return t
}

// endPumps marks the write side finished: nothing more is queued or
// written, and no pump starts again.
func (c *conn) endPumps() {
	c.mu.Lock()
	c.closing, c.pumpEnded, c.pumping = true, true, false
	c.queue = nil
	c.mu.Unlock()
}

// gatherQueue gathers the wire form of batch: each frame's prebuilt bytes,
// or, for a batched connection, batch frames made of a header and the
// frames' prebuilt elements.
func (c *conn) gatherQueue(g *gather, batch []*service.Frame) {
	if !c.batched {
		for _, f := range batch {
			g.add(f.Alone)
			for _, m := range f.More {
				g.add(m)
			}
		}
		return
	}
	for i := 0; i < len(batch); {
		n, j := 0, i
		for ; j < len(batch) && (j == i || n+batch[j].BatchLen <= maxBatch); j++ {
			n += batch[j].BatchLen
		}
		g.addHeader(n)
		for _, f := range batch[i:j] {
			g.add(f.InBatch)
			for _, m := range f.More {
				g.add(m)
			}
		}
		i = j
	}
}

// pingDue runs every PingInterval (time.AfterFunc). On an idle connection
// it writes the ping itself rather than start a write pump for it.
func (c *conn) pingDue() {
	c.mu.Lock()
	if c.pumpEnded {
		c.mu.Unlock()
		return
	}
	c.pingTimer.Reset(c.s.cfg.PingInterval) // under c.mu: finish's Stop comes after pumpEnded
	if c.pumping || !c.pumpsAllowed || c.hasWorkLocked() {
		c.ping = true
		c.unlockAndWake()
		return
	}
	c.pumping = true // no pump may start while this writes
	c.mu.Unlock()
	var ping [2]byte
	err := c.sock.writeBuffers(net.Buffers{appendServerFrame(ping[:0], websocket.PingMessage, nil)}, time.Now().Add(c.s.cfg.WriteTimeout))
	c.mu.Lock()
	c.pumping = false
	if err != nil {
		c.ping = true // a pump finds the failure and ends the connection
	}
	if c.hasWorkLocked() {
		c.unlockAndWake()
		return
	}
	c.mu.Unlock()
}

// writeClose sends the close frame, then gives the peer closeGrace to
// answer before the read pump gives up.
func (c *conn) writeClose(code int, reason string) {
	msg := websocket.FormatCloseMessage(code, reason)
	err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.s.cfg.WriteTimeout))
	c.mu.Lock()
	c.closeSent = true
	c.ws.SetReadDeadline(time.Now().Add(closeGrace))
	c.mu.Unlock()
	if err != nil {
		c.sock.Conn.Close()
	}
}
