// Package ctrl is the chat room's control layer. servercontroller.go turns
// WebSocket connections into room members: it checks the handshake, runs
// one read pump and one write pump per connection, decodes and validates
// every frame, and replies. clientcontroller.go does the same job for the
// desktop client: input checks and protocol-to-view mapping.
package ctrl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// closeGrace is how long the server waits for the peer's answer to its
// close frame before it drops the connection anyway.
const closeGrace = 2 * time.Second

// maxBatch bounds a batch frame's payload; a longer queue is written as
// several batch frames (still in one system call).
const maxBatch = 64 << 10

// maxReplyType bounds how much of an unknown type is echoed in an error.
const maxReplyType = 32

// ServerStats are the controller's counters.
type ServerStats struct {
	Connections    int64  // open now
	Accepted       uint64 // upgraded since start
	Refused        uint64 // handshakes refused before the upgrade
	RejectedFrames uint64 // frames answered with an error reply
}

// Server serves the chat endpoint (/ws): every accepted connection becomes
// a member of room. It is an http.Handler.
type Server struct {
	cfg      config.Server
	room     *service.Room
	log      logrus.FieldLogger
	upgrader websocket.Upgrader

	mu      sync.Mutex
	conns   map[*conn]struct{}
	closing bool
	wg      sync.WaitGroup

	connections    atomic.Int64
	accepted       atomic.Uint64
	refused        atomic.Uint64
	rejectedFrames atomic.Uint64
}

// NewServer returns the WebSocket endpoint for room.
func NewServer(cfg config.Server, room *service.Room, log logrus.FieldLogger) *Server {
	s := &Server{cfg: cfg, room: room, log: log, conns: make(map[*conn]struct{})}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.WriteTimeout,
		// Reuse net/http's 4 KiB read buffer. gorilla's write buffer is
		// only for messages it frames itself, which this server never asks
		// for: an empty pool means no connection keeps one.
		WriteBufferPool: &sync.Pool{},
		Subprotocols:    []string{model.SubprotocolBatch},
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			http.Error(w, reason.Error(), status)
		},
		// CheckOrigin is left nil: gorilla's default refuses browsers whose
		// Origin is not this host, and allows clients that send no Origin.
	}
	return s
}

// Stats returns the controller's counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{
		Connections:    s.connections.Load(),
		Accepted:       s.accepted.Load(),
		Refused:        s.refused.Load(),
		RejectedFrames: s.rejectedFrames.Load(),
	}
}

// ServeHTTP checks the handshake, claims the username, upgrades, and serves
// the connection until it closes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := s.log.WithField("remote", r.RemoteAddr)
	refuse := func(status int, reason string, fields logrus.Fields) {
		s.refused.Add(1)
		log.WithFields(fields).WithFields(logrus.Fields{"status": status, "reason": reason}).Info("handshake refused")
		http.Error(w, reason, status)
	}
	if !websocket.IsWebSocketUpgrade(r) {
		refuse(http.StatusBadRequest, "expected a WebSocket handshake (connect a WebSocket client to this URL)", nil)
		return
	}
	if s.isClosing() {
		refuse(http.StatusServiceUnavailable, config.ErrShuttingDown, nil)
		return
	}

	// The spec's clients send a "username" header; browsers cannot, so they
	// use the query. Neither: the user is a guest with an assigned name.
	raw := r.Header.Get("username")
	if raw == "" {
		raw = r.URL.Query().Get("username")
	}
	var name string
	var err error
	if strings.TrimSpace(raw) == "" {
		name, err = s.room.ClaimGuest(r.Context())
	} else if name, err = model.NormalizeUsername(raw); err != nil {
		refuse(http.StatusBadRequest, err.Error(), logrus.Fields{"username": raw})
		return
	} else {
		err = s.room.Claim(r.Context(), name)
	}
	switch {
	case errors.Is(err, service.ErrNameTaken):
		refuse(http.StatusConflict, config.ErrUsernameTaken, logrus.Fields{"username": name})
		return
	case err != nil:
		refuse(http.StatusServiceUnavailable, "cannot claim username: "+err.Error(), logrus.Fields{"username": name})
		return
	}

	var sock *sockConn
	ws, err := s.upgrader.Upgrade(hijacker{w, func(nc net.Conn) net.Conn {
		sock = &sockConn{Conn: nc}
		return sock
	}}, r, nil)
	if err != nil {
		s.room.Release(name)
		s.refused.Add(1)
		log.WithFields(logrus.Fields{"username": name, "error": err}).Info("upgrade failed")
		return
	}
	c := &conn{
		s:        s,
		ws:       ws,
		sock:     sock,
		name:     name,
		batched:  ws.Subprotocol() == model.SubprotocolBatch,
		log:      s.log.WithFields(logrus.Fields{"user": name, "remote": r.RemoteAddr}),
		wake:     make(chan struct{}, 1),
		pumpDone: make(chan struct{}),
	}
	if !s.track(c) {
		s.room.Release(name)
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, config.ReasonShutdown), time.Now().Add(s.cfg.WriteTimeout))
		ws.Close()
		return
	}
	defer s.untrack(c)
	c.serve()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.accepted.Add(1)
	s.connections.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.connections.Add(-1)
	s.wg.Done()
}

// Shutdown refuses new connections, closes every open one with 1001 after
// its queued frames, and waits for them to finish. When ctx ends first, the
// remaining sockets are cut and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	open := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		c.closeWith(websocket.CloseGoingAway, config.ReasonShutdown, false)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	for _, c := range open {
		c.sock.Conn.Close()
	}
	<-done
	return ctx.Err()
}

// conn is one client connection: a service.Member backed by a WebSocket.
// Its read pump is the goroutine of ServeHTTP; its write pump is the only
// writer of data frames, and drains the send queue in batches.
type conn struct {
	s        *Server
	ws       *websocket.Conn
	sock     *sockConn
	name     string
	batched  bool // the client negotiated model.SubprotocolBatch
	log      *logrus.Entry
	wake     chan struct{} // has room for one signal: the write pump has work
	pumpDone chan struct{} // closed when the write pump has ended
	left     atomic.Bool   // Room.Leave has been called

	mu          sync.Mutex
	queue       []*service.Frame // frames for the write pump, oldest first
	pong        []byte           // payload of a ping to answer; nil when none
	closing     bool             // no more frames are accepted
	dropQueue   bool             // the close discards what is queued
	closeCode   int              // 0: close without sending a close frame
	closeReason string
	closeSent   bool // the close frame is out: the read deadline is the grace period
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
	first := len(c.queue) == 1
	c.mu.Unlock()
	if first {
		c.signal()
	}
	return service.Queued
}

// Close implements service.Member: the room calls it for slow consumers.
func (c *conn) Close(code int, reason string) { c.closeWith(code, reason, true) }

// closeWith starts closing: no more frames are queued, the write pump
// writes what is queued (unless drop) and then the close frame (unless
// code is 0). Only the first call counts.
func (c *conn) closeWith(code int, reason string, drop bool) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.dropQueue, c.closeCode, c.closeReason = true, drop, code, reason
	}
	c.mu.Unlock()
	c.signal()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// serve runs the connection until it is gone: join, read pump, leave.
func (c *conn) serve() {
	start := time.Now()
	c.log.Info("connection open")
	var err error
	// The write pump starts after Join, so that a close requested meanwhile
	// (a shutdown) cannot make it call Leave before Join: the join
	// preamble waits in the queue, and the wake signal with it.
	if jerr := c.s.room.Join(context.Background(), c); jerr != nil {
		c.s.room.Release(c.name)
		c.left.Store(true)
		c.closeWith(websocket.CloseInternalServerErr, "cannot join the room", false)
		c.log.WithField("error", jerr).Error("join failed")
		go c.writePump()
	} else {
		go c.writePump()
		err = c.readPump()
	}
	c.mu.Lock()
	weClosed, code, reason := c.closing, c.closeCode, c.closeReason
	c.mu.Unlock()
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case weClosed:
		// Wait for the peer's close reply, or the grace period.
		c.drain()
	case errors.As(err, &ce):
		code, reason = ce.Code, "client closed: "+ce.Text
		c.closeWith(0, "", true)
	case errors.As(err, &ne) && ne.Timeout():
		code, reason = websocket.ClosePolicyViolation, config.ReasonIdle
		c.closeWith(code, reason, true)
	default:
		code, reason = websocket.CloseAbnormalClosure, "connection lost: "+err.Error()
		c.closeWith(0, "", true)
		c.sock.Conn.Close() // a write pump stuck on a dead peer ends now
	}
	<-c.pumpDone
	c.ws.Close()
	c.leave()
	log := c.log.WithFields(logrus.Fields{"code": code, "reason": reason, "duration": time.Since(start).Round(time.Millisecond).String()})
	if reason == config.ReasonSlowConsumer {
		log.Warn("connection closed")
	} else {
		log.Info("connection closed")
	}
}

func (c *conn) leave() {
	if !c.left.Swap(true) {
		c.s.room.Leave(context.Background(), c)
	}
}

// readPump reads and handles frames until the connection fails or the
// server decides to close it.
func (c *conn) readPump() error {
	c.ws.SetPongHandler(func(string) error { c.extendRead(); return nil })
	c.ws.SetPingHandler(func(data string) error {
		c.extendRead()
		c.mu.Lock()
		c.pong = []byte(data)
		c.mu.Unlock()
		c.signal()
		return nil
	})
	c.extendRead()
	limit := c.s.cfg.ReadLimit
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return err
		}
		// Text and binary frames both carry protobuf: the spec's clients
		// sent text frames.
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return err
		}
		if closing := c.extendRead(); closing {
			// The server is closing this connection (slow consumer,
			// shutdown): it may have left the room already and its name
			// may be someone else's now, so nothing more is handled.
			return nil
		}
		if int64(len(data)) > limit {
			c.closeWith(websocket.CloseMessageTooBig, fmt.Sprintf(config.ReasonFrameTooBig, limit), false)
			c.log.WithField("limit", limit).Info("frame too big")
			return nil
		}
		if !c.handle(data) {
			return nil
		}
	}
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

// drain discards frames until the peer answers our close frame, or the
// grace period set by the write pump ends.
func (c *conn) drain() {
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// handle acts on one frame. It returns false when the connection is to close.
func (c *conn) handle(data []byte) bool {
	msg, err := model.Decode(data)
	if err != nil {
		c.reject(config.ErrUndecodable+": "+err.Error(), "")
		return true
	}
	switch msg.Type {
	case model.TypeTalk:
		content := msg.Content
		switch {
		case strings.TrimSpace(content) == "":
			c.reject(config.ErrEmptyContent, msg.Type)
		case len(content) > c.s.cfg.MaxContent:
			c.reject(fmt.Sprintf(config.ErrContentTooBig, c.s.cfg.MaxContent), msg.Type)
		default:
			if err := c.s.room.Talk(context.Background(), c, content); err != nil {
				c.reject("message not sent: "+err.Error(), msg.Type)
			}
		}
	case model.TypeUserList:
		c.s.room.SendUserList(c)
	case model.TypeExit:
		c.leave()
		c.closeWith(websocket.CloseNormalClosure, config.ReasonBye, false)
		return false
	default:
		t := msg.Type
		if len(t) > maxReplyType {
			t = t[:maxReplyType]
		}
		c.reject(fmt.Sprintf("%s %q", config.ErrUnknownType, t), "")
	}
	return true
}

// reject answers a frame with an error reply; the connection stays open.
func (c *conn) reject(reason, typ string) {
	c.s.rejectedFrames.Add(1)
	c.log.WithFields(logrus.Fields{"reason": reason, "type": typ}).Info("frame rejected")
	c.s.room.Reply(c, service.NewFrame(&model.ChatRoomRequest{Type: model.TypeError, Content: reason}))
}

// writePump is the only goroutine that writes data frames. Each time it
// wakes it takes the whole queue and writes it, with any pong or ping, in
// one system call (writev of the shared, prebuilt frames: nothing is
// copied).
func (c *conn) writePump() {
	defer close(c.pumpDone)
	ticker := time.NewTicker(c.s.cfg.PingInterval)
	defer ticker.Stop()
	var spare []*service.Frame
	var bufs net.Buffers
	var hdrs []byte
	for {
		ping := false
		select {
		case <-c.wake:
		case <-ticker.C:
			ping = true
		}
		c.mu.Lock()
		batch, pong := c.queue, c.pong
		c.queue, c.pong = spare, nil
		closing, drop, code, reason := c.closing, c.dropQueue, c.closeCode, c.closeReason
		c.mu.Unlock()
		if drop {
			clear(batch)
			batch = batch[:0]
		}
		bufs, hdrs = c.frames(bufs[:0], hdrs[:0], batch)
		if pong != nil {
			bufs = append(bufs, service.AppendServerFrame(nil, websocket.PongMessage, pong))
		}
		if ping {
			bufs = append(bufs, service.AppendServerFrame(nil, websocket.PingMessage, nil))
		}
		err := c.sock.writeBuffers(bufs, time.Now().Add(c.s.cfg.WriteTimeout))
		clear(bufs[:cap(bufs)])
		clear(batch)
		spare = batch[:0]
		if err != nil {
			c.log.WithField("error", err).Debug("write failed")
			c.sock.Conn.Close() // the read pump ends now, too
			return
		}
		if closing {
			if code != 0 {
				c.writeClose(code, reason)
				c.leave() // the others need not wait for the close handshake
			}
			return
		}
	}
}

// frames appends the wire form of batch to bufs: each frame's prebuilt
// Wire, or, for a batched connection, batch frames made of a header (kept
// in hdrs) and the frames' prebuilt Elems. Nothing is copied.
func (c *conn) frames(bufs net.Buffers, hdrs []byte, batch []*service.Frame) (net.Buffers, []byte) {
	if !c.batched {
		for _, f := range batch {
			bufs = append(append(bufs, f.Wire), f.More...)
		}
		return bufs, hdrs
	}
	// Headers go into hdrs, which must not grow (move) once sliced into
	// bufs: room for a header per frame is enough.
	if need := len(batch) * 10; cap(hdrs) < need {
		hdrs = make([]byte, 0, need)
	}
	for i := 0; i < len(batch); {
		n, j := 0, i
		for ; j < len(batch) && (j == i || n+batch[j].ElemLen() <= maxBatch); j++ {
			n += batch[j].ElemLen()
		}
		at := len(hdrs)
		hdrs = service.AppendBatchHeader(hdrs, n)
		bufs = append(bufs, hdrs[at:len(hdrs):len(hdrs)])
		for _, f := range batch[i:j] {
			bufs = append(append(bufs, f.Elem), f.More...)
		}
		i = j
	}
	return bufs, hdrs
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

// hijacker lets the upgrader take the connection wrapped in a sockConn.
type hijacker struct {
	http.ResponseWriter
	wrap func(net.Conn) net.Conn
}

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	return h.wrap(nc), brw, nil
}

// sockConn is the socket under a websocket.Conn. The write pump writes
// whole frames through writeBuffers; gorilla writes its control frames
// (close, and replies to protocol errors) through Write. The mutex keeps
// every frame whole when both happen at once.
type sockConn struct {
	net.Conn
	mu sync.Mutex
}

func (s *sockConn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Conn.Write(p)
}

// writeBuffers writes bufs in one writev, under one deadline.
func (s *sockConn) writeBuffers(bufs net.Buffers, deadline time.Time) error {
	if len(bufs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	_, err := bufs.WriteTo(s.Conn)
	return err
}
