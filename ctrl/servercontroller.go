// Package ctrl is the chat room's control layer. servercontroller.go turns
// WebSocket connections into room members: it checks the handshake, runs
// one read pump and one write pump per connection, decodes and validates
// every frame, and replies. clientcontroller.go does the same job for the
// desktop client: input checks and protocol-to-view mapping.
package ctrl

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"
	"golang.org/x/time/rate"

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

// pumpLinger is how long an idle write pump waits for more before it ends.
const pumpLinger = time.Second

// readBufferSize is each connection's read buffer: chat messages are small,
// and longer frames are read straight into the message.
const readBufferSize = 512

// refusalLinger is how long a refusal in band waits for the client's close
// (closeGrace for a refused connection: shorter, as each holds one of the
// maxRefusalsInBand slots meanwhile); maxRefusalFrames bounds what it reads
// meanwhile; maxRefusalsInBand bounds how many run at once.
const (
	refusalLinger     = closeGrace / 2
	maxRefusalFrames  = 16
	maxRefusalsInBand = 64
)

// maxReplyType bounds how much of an unknown type is echoed in an error.
const maxReplyType = 32

// ServerStats are the controller's counters since start.
type ServerStats struct {
	Connections    int64             // open now
	Accepted       uint64            // upgraded
	Refused        uint64            // handshakes refused, before or during the upgrade
	RejectedFrames uint64            // frames answered with an error reply (rate limited included)
	RateLimited    uint64            // frames refused by the rate limit
	Handshakes     map[string]uint64 // by result: see handshakeResults
	FramesIn       map[string]uint64 // data frames received, by type: see frameTypes
	Closes         map[string]uint64 // connections ended, by cause: see closeCauses
}

// The label sets of ServerStats' maps: every key is always present.
func handshakeResults() []string {
	return []string{hsAccepted, hsBadRequest, hsForbidden, hsUnauthorized, hsConflict, hsFull, hsPerIP, hsShuttingDown, hsUnavailable, hsUpgradeFailed}
}

func frameTypes() []string {
	return []string{model.TypeTalk, model.TypeUserList, model.TypeExit, model.TypePing, frameOther, frameUndecodable}
}

func closeCauses() []string {
	return []string{closeExit, closeClient, closeIdle, closeLost, closeSlow, closeFlood, closeTooBig, closeShutdown, closeClaimLost, closeServer}
}

const (
	hsAccepted      = "accepted"
	hsBadRequest    = "bad_request"   // 400: not a WebSocket handshake, bad username
	hsForbidden     = "forbidden"     // 403: origin not allowed
	hsUnauthorized  = "unauthorized"  // 401: token missing or bad
	hsConflict      = "conflict"      // 409: username online
	hsFull          = "full"          // 503: MaxConns connections open
	hsPerIP         = "per_ip_limit"  // 503: MaxConnsPerIP connections from this address
	hsShuttingDown  = "shutting_down" // 503
	hsUnavailable   = "unavailable"   // 503: the broker cannot claim the name
	hsUpgradeFailed = "upgrade_failed"

	frameOther       = "other" // an unknown type
	frameUndecodable = "undecodable"

	closeExit     = "exit"          // the client said exit
	closeClient   = "client_closed" // the client sent a close frame
	closeIdle     = "idle"          // no pong or frame within PongTimeout
	closeLost     = "lost"          // the socket failed
	closeSlow     = "slow_consumer" // its send queue filled
	closeFlood    = "flood"         // refused RateClose times more than MsgRate forgives
	closeTooBig   = "too_big"       // a frame over ReadLimit
	closeShutdown = "shutdown"
	// The node was cut off from NATS for longer than the claim TTL: the
	// others took the user for gone, and the session ended.
	closeClaimLost = "claim_lost"
	closeServer    = "server_error" // the join failed
)

// counters is a fixed set of named counters, made once: the map is never
// written after newCounters.
type counters map[string]*atomic.Uint64

func newCounters(names []string) counters {
	c := make(counters, len(names))
	for _, n := range names {
		c[n] = new(atomic.Uint64)
	}
	return c
}

func (c counters) snapshot() map[string]uint64 {
	m := make(map[string]uint64, len(c))
	for n, v := range c {
		m[n] = v.Load()
	}
	return m
}

// Server serves the chat endpoint (/ws): every accepted connection becomes
// a member of room. It is an http.Handler.
type Server struct {
	cfg      config.Server
	room     *service.Room
	log      logrus.FieldLogger
	upgrader websocket.Upgrader
	refuser  websocket.Upgrader // upgrades a refused handshake to say why in band
	inBand   chan struct{}      // one token per refusal in band under way
	pong     *service.Frame     // the answer to every ping, built once

	secret   []byte    // the auth secret; nil: no tokens
	noWritev sync.Once // checkWritev has warned

	mu      sync.Mutex
	conns   map[*conn]struct{}
	slots   int                // connections counted against MaxConns, handshakes included
	perIP   map[netip.Addr]int // the same, by client IP
	closing bool
	wg      sync.WaitGroup

	connections    atomic.Int64
	rejectedFrames atomic.Uint64
	rateLimited    atomic.Uint64
	handshakes     counters
	framesIn       counters
	closes         counters
}

// NewServer returns the WebSocket endpoint for room.
func NewServer(cfg config.Server, room *service.Room, log logrus.FieldLogger) *Server {
	s := &Server{
		cfg: cfg, room: room, log: log,
		conns:      make(map[*conn]struct{}),
		perIP:      make(map[netip.Addr]int),
		handshakes: newCounters(handshakeResults()),
		framesIn:   newCounters(frameTypes()),
		closes:     newCounters(closeCauses()),
	}
	if cfg.AuthSecret != "" {
		s.secret = []byte(cfg.AuthSecret)
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.WriteTimeout,
		// The read buffer is the hijacker's (ServeHTTP). gorilla's write
		// buffer is only for messages it frames itself, which this server
		// never asks for: an empty pool means no connection keeps one.
		WriteBufferPool: &sync.Pool{},
		// Batched framing when offered. A browser offers only refusals in
		// band: it must get that back, or it fails the connection.
		Subprotocols: []string{model.SubprotocolBatch, model.SubprotocolRefusals},
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			http.Error(w, reason.Error(), status)
		},
		// ServeHTTP has checked the origin already, with -allowed-origins.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	// The same upgrader, answering only the refusals subprotocol.
	s.refuser = s.upgrader
	s.refuser.Subprotocols = []string{model.SubprotocolRefusals}
	s.inBand = make(chan struct{}, maxRefusalsInBand)
	s.pong = service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypePong})
	return s
}

// refuseInBand answers a refused handshake that offered
// model.SubprotocolRefusals with an upgrade, an error frame carrying the
// reason and a close frame with model.CloseCodeRefused+status, so that a
// browser can show why. It waits a moment for the client's close, so that
// closing the socket cannot reset the close frame away.
func (s *Server) refuseInBand(w http.ResponseWriter, r *http.Request, status int, reason string) {
	ws, err := s.refuser.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered with an HTTP error
	}
	defer ws.Close()
	deadline := time.Now().Add(s.cfg.WriteTimeout)
	ws.SetWriteDeadline(deadline)
	if ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeError, Content: reason})) != nil {
		return
	}
	if ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(model.CloseCodeRefused+status, closeReason(reason)), deadline) != nil {
		return
	}
	ws.SetReadDeadline(time.Now().Add(refusalLinger))
	for range maxRefusalFrames {
		if _, _, err := ws.NextReader(); err != nil {
			return // the client's close, or the deadline
		}
	}
}

// closeReason cuts reason to the 123 bytes a close frame can carry, at a
// character boundary.
func closeReason(reason string) string {
	const max = 123
	if len(reason) <= max {
		return reason
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut]
}

// wantsRefusalInBand reports whether the handshake offered
// model.SubprotocolRefusals.
func wantsRefusalInBand(r *http.Request) bool {
	return slices.Contains(websocket.Subprotocols(r), model.SubprotocolRefusals)
}

// Stats returns the controller's counters.
func (s *Server) Stats() ServerStats {
	st := ServerStats{
		Connections:    s.connections.Load(),
		RejectedFrames: s.rejectedFrames.Load(),
		RateLimited:    s.rateLimited.Load(),
		Handshakes:     s.handshakes.snapshot(),
		FramesIn:       s.framesIn.snapshot(),
		Closes:         s.closes.snapshot(),
	}
	for result, n := range st.Handshakes {
		if result == hsAccepted {
			st.Accepted = n
		} else {
			st.Refused += n
		}
	}
	return st
}

// checkWritev warns, once, when the sockets come wrapped (by a listener
// wrapper, say) so that the write pumps cannot use writev: every frame would
// then be a system call of its own, several times slower under load. TLS
// connections never have writev; writeBuffers joins their pieces instead.
func (s *Server) checkWritev(nc net.Conn) {
	if _, ok := nc.(syscall.Conn); ok {
		return
	}
	if _, ok := nc.(*tls.Conn); ok {
		return
	}
	s.noWritev.Do(func() {
		s.log.WithField("conn_type", fmt.Sprintf("%T", nc)).Warn("connections are wrapped: writes lose writev (one system call per frame); give the server a listener that returns *net.TCPConn")
	})
}

// Connections is the number of connections open now (cheaper than Stats).
func (s *Server) Connections() int64 { return s.connections.Load() }

// ServeHTTP checks the handshake, claims the username, upgrades, and serves
// the connection until it closes. Every refusal is an HTTP status with the
// reason as a plain-text body, logged and counted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := s.log.WithField("remote", r.RemoteAddr)
	refuse := func(status int, result, reason string, fields logrus.Fields) {
		s.handshakes[result].Add(1)
		log.WithFields(fields).WithFields(logrus.Fields{"status": status, "reason": reason}).Info("handshake refused")
		// A page from another origin is never upgraded, nor a request
		// that is no WebSocket handshake.
		// At most maxRefusalsInBand at once: each holds a socket for up
		// to refusalLinger, and a flood of them must not run the process
		// out of files; past that, the plain HTTP refusal.
		if status != http.StatusForbidden && websocket.IsWebSocketUpgrade(r) && wantsRefusalInBand(r) {
			select {
			case s.inBand <- struct{}{}:
				defer func() { <-s.inBand }()
				s.refuseInBand(w, r, status, reason)
				return
			default:
			}
		}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chatroom"`)
		}
		http.Error(w, reason, status)
	}
	if !websocket.IsWebSocketUpgrade(r) {
		refuse(http.StatusBadRequest, hsBadRequest, "expected a WebSocket handshake (connect a WebSocket client to this URL)", nil)
		return
	}
	if s.isClosing() {
		refuse(http.StatusServiceUnavailable, hsShuttingDown, config.RefuseShuttingDown, nil)
		return
	}
	if origin := r.Header.Get("Origin"); !s.originAllowed(origin, r.Host) {
		refuse(http.StatusForbidden, hsForbidden, fmt.Sprintf(config.RefuseOrigin, origin), nil)
		return
	}
	ip := clientIP(r)
	if result, reason := s.reserve(ip); reason != "" {
		refuse(http.StatusServiceUnavailable, result, reason, nil)
		return
	}
	upgraded := false
	defer func() {
		if !upgraded {
			s.unreserve(ip)
		}
	}()

	// The spec's clients send a "username" header; browsers cannot, so they
	// use the query. Neither: the user is a guest with an assigned name.
	raw := r.Header.Get("username")
	if raw == "" {
		raw = r.URL.Query().Get("username")
	}
	var name string
	var err error
	switch {
	case s.secret != nil:
		// With auth, the token names the user; a username sent beside it
		// must be the same one.
		token, ok := bearer(r)
		if !ok {
			refuse(http.StatusUnauthorized, hsUnauthorized, config.RefuseNoToken, nil)
			return
		}
		if name, err = service.VerifyToken(s.secret, token, time.Now()); err != nil {
			refuse(http.StatusUnauthorized, hsUnauthorized, err.Error(), nil)
			return
		}
		if strings.TrimSpace(raw) != "" {
			if asked, err := model.NormalizeUsername(raw); err != nil || asked != name {
				refuse(http.StatusUnauthorized, hsUnauthorized, fmt.Sprintf(config.RefuseTokenUser, name, raw), nil)
				return
			}
		}
		err = s.room.Claim(r.Context(), name)
	case strings.TrimSpace(raw) == "":
		name, err = s.room.ClaimGuest(r.Context())
	default:
		if name, err = model.NormalizeUsername(raw); err != nil {
			refuse(http.StatusBadRequest, hsBadRequest, err.Error(), logrus.Fields{"username": raw})
			return
		}
		err = s.room.Claim(r.Context(), name)
	}
	switch {
	case errors.Is(err, service.ErrNameTaken):
		refuse(http.StatusConflict, hsConflict, config.RefuseNameTaken, logrus.Fields{"username": name})
		return
	case err != nil:
		refuse(http.StatusServiceUnavailable, hsUnavailable, "cannot claim username: "+err.Error(), logrus.Fields{"username": name})
		return
	}

	var sock *sockConn
	early := false
	ws, err := s.upgrader.Upgrade(hijacker{w, func(nc net.Conn, brw *bufio.ReadWriter) (net.Conn, *bufio.ReadWriter) {
		sock = &sockConn{Conn: nc}
		s.checkWritev(nc)
		if brw.Reader.Buffered() > 0 {
			early = true
			// A client must wait for the handshake's answer before it
			// sends frames (RFC 6455, 4.1). The upgrader closes such a
			// connection without a word; this says why first.
			sock.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
			io.WriteString(sock, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"+config.RefuseEarlyData+"\n")
			return sock, brw
		}
		// net/http's 4 KiB reader goes: a small one on the bare socket
		// serves chat messages, and idle connections hold less.
		brw = bufio.NewReadWriter(bufio.NewReaderSize(sock, readBufferSize), brw.Writer)
		return sock, brw
	}}, r, nil)
	if err != nil {
		s.room.Release(name)
		if early {
			s.handshakes[hsBadRequest].Add(1)
		} else {
			s.handshakes[hsUpgradeFailed].Add(1)
		}
		log.WithFields(logrus.Fields{"username": name, "error": err}).Info("upgrade failed")
		return
	}
	c := &conn{
		s:        s,
		ws:       ws,
		sock:     sock,
		name:     name,
		batched:  ws.Subprotocol() == model.SubprotocolBatch,
		remote:   r.RemoteAddr,
		ip:       ip,
		wake:     make(chan struct{}, 1),
		pumpDone: make(chan struct{}),
	}
	if !s.track(c) {
		s.room.Release(name)
		s.handshakes[hsShuttingDown].Add(1)
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, config.ReasonShutdown), time.Now().Add(s.cfg.WriteTimeout))
		ws.Close()
		return
	}
	upgraded = true // the slot is the connection's now: untrack frees it
	// Joining runs here, on net/http's goroutine; the connection then gets
	// a goroutine of its own, whose stack starts small and stays small
	// while the connection is idle, and this one (with the stack that
	// parsing the request and joining grew) ends.
	start := time.Now()
	joined := c.open()
	go func() {
		defer s.untrack(c)
		c.serve(start, joined)
	}()
}

// originAllowed says whether a browser page from origin may connect to
// host. Native clients send no Origin and are always allowed; a page's
// origin must be this server's own host, or one of AllowedOrigins.
func (s *Server) originAllowed(origin, host string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		return true
	}
	origin = strings.TrimRight(strings.ToLower(origin), "/")
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

// bearer returns the request's token: "Authorization: Bearer …", else the
// token query parameter (browsers cannot set headers on a WebSocket).
// (Another Authorization scheme, such as the Basic credentials a browser
// adds on a site behind a password, is not ours and is ignored.)
func bearer(r *http.Request) (string, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if token = strings.TrimSpace(token); strings.EqualFold(scheme, "Bearer") && token != "" {
		return token, true
	}
	token = r.URL.Query().Get("token")
	return token, token != ""
}

// clientIP is the address the connection comes from (a proxy's, behind
// one), as counted by MaxConnsPerIP: an IPv6 client is its /64, the
// block one customer usually has. The zero Addr when RemoteAddr is not
// ip:port.
func clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}

// reserve counts a connection from ip against MaxConns and MaxConnsPerIP
// (0: no limit), from its handshake on. When over, it returns the
// handshake result and the reason.
func (s *Server) reserve(ip netip.Addr) (result, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.MaxConns > 0 && s.slots >= s.cfg.MaxConns {
		return hsFull, config.RefuseServerFull
	}
	if s.cfg.MaxConnsPerIP > 0 && s.perIP[ip] >= s.cfg.MaxConnsPerIP {
		return hsPerIP, config.RefuseTooManyFromIP
	}
	s.slots++
	s.perIP[ip]++
	return "", ""
}

func (s *Server) unreserve(ip netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unreserveLocked(ip)
}

func (s *Server) unreserveLocked(ip netip.Addr) {
	s.slots--
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
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
	s.handshakes[hsAccepted].Add(1)
	s.connections.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.unreserveLocked(c.ip)
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
	ip        netip.Addr
	batched   bool          // the client negotiated model.SubprotocolBatch
	wake      chan struct{} // has room for one signal: the write pump has work
	pumpDone  chan struct{} // closed when the write pump has ended for good
	pingTimer *time.Timer   // makes a ping due every PingInterval
	left      atomic.Bool   // Room.Leave has been called
	limiter   *rate.Limiter // the read pump's token bucket; made at the first frame
	strikes   *rate.Limiter // refusals it forgives: RateClose at once, MsgRate a second
	limited   bool          // the last frame was refused (read pump only)

	mu          sync.Mutex
	queue       []*service.Frame // frames for the write pump, oldest first
	pong        []byte           // payload of a ping to answer; nil when none
	ping        bool             // a ping is due
	pumpOK      bool             // write pumps may start (the member has joined, or failed to)
	pumping     bool             // a write pump is running
	pumpEnded   bool             // the last write pump has ended: nothing more is written
	closing     bool             // no more frames are accepted
	dropQueue   bool             // the close discards what is queued
	closeCode   int              // 0: close without sending a close frame
	closeReason string
	closeSent   bool  // the close frame is out: the read deadline is the grace period
	writeErr    error // a write failed: the connection is lost
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
	c.wakeLocked()
	return service.Queued
}

// Close implements service.Member: the room calls it for slow consumers.
func (c *conn) Close(d service.Disconnect) { c.closeWith(d.Code(), d.Reason(), !d.Flush()) }


// closeWith starts closing: no more frames are queued, the write pump
// writes what is queued (unless drop) and then the close frame (unless
// code is 0). Only the first call counts.
func (c *conn) closeWith(code int, reason string, drop bool) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.dropQueue, c.closeCode, c.closeReason = true, drop, code, reason
	}
	c.wakeLocked()
}

// wakeLocked tells the write pump there is work, starting one if none
// runs, and unlocks c.mu.
func (c *conn) wakeLocked() {
	start := c.pumpOK && !c.pumping && !c.pumpEnded
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

// pingDue runs every PingInterval (time.AfterFunc). On an idle connection
// it writes the ping itself rather than start a write pump for it.
func (c *conn) pingDue() {
	c.mu.Lock()
	if c.pumpEnded {
		c.mu.Unlock()
		return
	}
	c.pingTimer.Reset(c.s.cfg.PingInterval) // under c.mu: finish's Stop comes after pumpEnded
	if c.pumping || !c.pumpOK || c.closing || len(c.queue) > 0 || c.pong != nil {
		c.ping = true
		c.wakeLocked()
		return
	}
	c.pumping = true // no pump may start while this writes
	c.mu.Unlock()
	var ping [2]byte
	err := c.sock.writeBuffers(net.Buffers{appendServerFrame(ping[:0], websocket.PingMessage, nil)}, time.Now().Add(c.s.cfg.WriteTimeout))
	c.mu.Lock()
	c.pumping = false
	if err != nil {
		// Let a pump find the failure and end the connection.
		c.ping = true
	}
	if len(c.queue) > 0 || c.pong != nil || c.closing || c.ping {
		c.wakeLocked()
		return
	}
	c.mu.Unlock()
}

// logger is the connection's log entry (made when needed: an idle
// connection keeps none).
func (c *conn) logger() *logrus.Entry {
	return c.s.log.WithFields(logrus.Fields{"user": c.name, "remote": c.remote})
}

// serve runs the joined connection until it is gone: read pump, leave.
func (c *conn) serve(start time.Time, joined bool) {
	var err error
	if joined {
		err = c.readPump()
	}
	c.finish(start, err)
}

// open joins the room. Write pumps may start after Join, so that a close
// requested meanwhile (a shutdown) cannot make one call Leave before Join:
// the join preamble waits in the queue.
func (c *conn) open() bool {
	c.logger().Info("connection open")
	if err := c.s.room.Join(context.Background(), c); err != nil {
		c.s.room.Release(c.name)
		c.left.Store(true)
		c.closeWith(websocket.CloseInternalServerErr, "cannot join the room", false)
		c.logger().WithField("error", err).Error("join failed")
		c.allowPumps()
		return false
	}
	c.allowPumps()
	return true
}

// finish ends the connection after the read pump: the close handshake,
// the write pump's end, leave, the log line.
func (c *conn) finish(start time.Time, err error) {
	c.mu.Lock()
	weClosed, code, reason, writeErr := c.closing, c.closeCode, c.closeReason, c.writeErr
	c.mu.Unlock()
	var ce *websocket.CloseError
	var ne net.Error
	var cause string
	switch {
	case writeErr != nil:
		// The write pump found the peer gone (reset, or stalled past the
		// write timeout) and closed the socket.
		code, reason, cause = websocket.CloseAbnormalClosure, "write failed: "+writeErr.Error(), closeLost
	case weClosed:
		cause = weClosedCause(code, reason)
		// Wait for the peer's close reply, or the grace period.
		c.drain()
	case errors.As(err, &ce):
		code, reason, cause = ce.Code, "client closed: "+ce.Text, closeClient
		c.closeWith(0, "", true)
	case errors.As(err, &ne) && ne.Timeout():
		code, reason, cause = websocket.ClosePolicyViolation, config.ReasonIdle, closeIdle
		c.closeWith(code, reason, true)
	default:
		code, reason, cause = websocket.CloseAbnormalClosure, "connection lost: "+err.Error(), closeLost
		c.closeWith(0, "", true)
		c.sock.Conn.Close() // a write pump stuck on a dead peer ends now
	}
	c.s.closes[cause].Add(1)
	<-c.pumpDone
	c.pingTimer.Stop()
	c.ws.Close()
	c.leave()
	log := c.logger().WithFields(logrus.Fields{"code": code, "reason": reason, "duration": time.Since(start).Round(time.Millisecond).String()})
	if cause == closeSlow || cause == closeFlood {
		log.Warn("connection closed")
	} else {
		log.Info("connection closed")
	}
}

// weClosedCause names why the server closed a connection with code and reason.
func weClosedCause(code int, reason string) string {
	switch {
	case reason == config.ReasonBye:
		return closeExit
	case reason == config.ReasonShutdown:
		return closeShutdown
	case reason == config.ReasonSlowConsumer:
		return closeSlow
	case reason == config.ReasonFlood:
		return closeFlood
	case reason == config.ReasonClaimLost:
		return closeClaimLost
	case code == websocket.CloseMessageTooBig:
		return closeTooBig
	}
	return closeServer
}

// allowPumps lets write pumps start, and starts one if work is waiting.
func (c *conn) allowPumps() {
	c.mu.Lock()
	c.pingTimer = time.AfterFunc(c.s.cfg.PingInterval, c.pingDue)
	c.pumpOK = true
	c.wakeLocked()
}

func (c *conn) leave() {
	if !c.left.Swap(true) {
		c.s.room.Leave(context.Background(), c)
	}
}

// readPump reads and handles frames until the connection fails or the
// server decides to close it.
func (c *conn) readPump() error {
	c.setHandlers()
	for {
		if done, err := c.readFrame(); done {
			return err
		}
	}
}

func (c *conn) setHandlers() {
	c.ws.SetPongHandler(func(string) error { c.extendRead(); return nil })
	c.ws.SetPingHandler(func(data string) error {
		c.extendRead()
		c.mu.Lock()
		c.pong = []byte(data)
		c.wakeLocked()
		return nil
	})
	c.extendRead()
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
		c.closeWith(websocket.CloseMessageTooBig, fmt.Sprintf(config.ReasonFrameTooBig, limit), false)
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
	kind := frameUndecodable
	if err == nil {
		switch kind = msg.Type; kind {
		case model.TypeTalk, model.TypeUserList, model.TypeExit, model.TypePing:
		default:
			kind = frameOther
		}
	}
	c.s.framesIn[kind].Add(1)
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
		content := msg.Content
		switch {
		case strings.TrimSpace(content) == "":
			c.reject(config.ReplyEmptyContent, msg.Type)
		case len(content) > c.s.cfg.MaxContent:
			c.reject(fmt.Sprintf(config.ReplyContentTooBig, c.s.cfg.MaxContent), msg.Type)
		default:
			if err := c.s.room.Talk(context.Background(), c, content); err != nil {
				c.reject(config.ReplyNotSent+": "+err.Error(), msg.Type)
			}
		}
	case model.TypeUserList:
		c.s.room.SendUserList(c)
	case model.TypePing:
		c.s.room.Reply(c, c.s.pong)
	case model.TypeExit:
		c.leave()
		c.closeWith(websocket.CloseNormalClosure, config.ReasonBye, false)
		return false
	default:
		t := msg.Type
		if len(t) > maxReplyType {
			t = t[:maxReplyType]
		}
		c.reject(fmt.Sprintf("%s %q", config.ReplyUnknownType, t), "")
	}
	return true
}

// allow takes a token from the connection's bucket (MsgRate per second,
// MsgBurst at most), and reports whether there was one.
func (c *conn) allow() bool {
	if c.s.cfg.MsgRate <= 0 {
		return true
	}
	if c.limiter == nil {
		// Made at the first frame: an idle connection keeps none.
		c.limiter = rate.NewLimiter(rate.Limit(c.s.cfg.MsgRate), c.s.cfg.MsgBurst)
		if c.s.cfg.RateClose > 0 {
			c.strikes = rate.NewLimiter(rate.Limit(c.s.cfg.MsgRate), c.s.cfg.RateClose)
		}
	}
	if c.limiter.Allow() {
		c.limited = false
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
	c.s.rateLimited.Add(1)
	if c.strikes != nil && !c.strikes.Allow() {
		c.logger().WithField("rate_close", c.s.cfg.RateClose).Warn("closing a flooding connection")
		c.closeWith(websocket.ClosePolicyViolation, config.ReasonFlood, false)
		return false
	}
	c.s.rejectedFrames.Add(1)
	if !c.limited {
		// One line per burst, not per frame: a flood must not flood the log.
		c.logger().WithField("rate", c.s.cfg.MsgRate).Info("rate limited")
	}
	c.limited = true
	c.s.room.Reply(c, service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypeError, Content: config.ReplyRateLimited}))
	return true
}

// reject answers a frame with an error reply; the connection stays open.
func (c *conn) reject(reason, typ string) {
	c.s.rejectedFrames.Add(1)
	c.logger().WithFields(logrus.Fields{"reason": reason, "type": typ}).Info("frame rejected")
	c.s.room.Reply(c, service.NewFrame(WebSocketFramer{}, &model.ChatRoomRequest{Type: model.TypeError, Content: reason}))
}

// writePump is the only goroutine that writes data frames. Each time it
// wakes it takes the whole queue and writes it, with any pong or ping, in
// one system call: a writev of the shared, prebuilt frames (see gather).
// It ends after pumpLinger with nothing to write; Send starts another.
func (c *conn) writePump() {
	var spare []*service.Frame
	var g gather
	var linger, gatherTimer *time.Timer
	defer func() {
		if linger != nil {
			linger.Stop()
		}
		if gatherTimer != nil {
			gatherTimer.Stop()
		}
	}()
	var wrote time.Time // the last write
	for {
		c.mu.Lock()
		if len(c.queue) == 0 && c.pong == nil && !c.ping && !c.closing {
			// Nothing to write: wait a while for more, then end; the
			// next Send starts another pump.
			c.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(pumpLinger)
			} else {
				linger.Reset(pumpLinger)
			}
			select {
			case <-c.wake:
				continue
			case <-linger.C:
			}
			c.mu.Lock()
			if len(c.queue) == 0 && c.pong == nil && !c.ping && !c.closing {
				c.pumping = false
				c.queue = nil // an idle connection keeps no queue array
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
			continue
		}
		// Something to write. A busy connection is written at most once
		// per WriteWindow: what arrives meanwhile goes out together, in
		// one system call and, for a batched client, one frame. Fewer,
		// larger writes cost both sides far less CPU per message, which
		// under load is what keeps the latency low. A quiet connection is
		// written at once, and one being closed is not kept waiting.
		if wait := time.Until(wrote.Add(c.s.cfg.WriteWindow)); wait > 0 && !c.closing {
			c.mu.Unlock()
			if gatherTimer == nil {
				gatherTimer = time.NewTimer(wait)
			} else {
				gatherTimer.Reset(wait)
			}
			<-gatherTimer.C
			c.mu.Lock()
		}
		batch, pong, ping := c.queue, c.pong, c.ping
		closing, drop, code, reason := c.closing, c.dropQueue, c.closeCode, c.closeReason
		c.queue, c.pong, c.ping = spare, nil, false
		c.mu.Unlock()
		if drop {
			clear(batch)
			batch = batch[:0]
		}
		g.reset(batch)
		c.frames(&g, batch)
		if pong != nil {
			g.add(appendServerFrame(nil, websocket.PongMessage, pong))
		}
		if ping {
			g.add(appendServerFrame(nil, websocket.PingMessage, nil))
		}
		wrote = time.Now()
		err := c.sock.writeBuffers(g.done(), wrote.Add(c.s.cfg.WriteTimeout))
		clear(batch)
		spare = batch[:0]
		if err != nil {
			c.logger().WithField("error", err).Debug("write failed")
			c.mu.Lock()
			c.writeErr = err
			c.mu.Unlock()
			c.endPumps()
			c.sock.Conn.Close() // the read pump ends now, too
			close(c.pumpDone)
			return
		}
		if closing {
			c.endPumps()
			if code != 0 {
				c.writeClose(code, reason)
				c.leave() // the others need not wait for the close handshake
			}
			close(c.pumpDone)
			return
		}
	}
}

// endPumps marks the write side finished: nothing more is queued or
// written, and no pump starts again.
func (c *conn) endPumps() {
	c.mu.Lock()
	c.closing, c.pumpEnded, c.pumping = true, true, false
	c.queue = nil
	c.mu.Unlock()
}

// frames gathers the wire form of batch: each frame's prebuilt bytes, or,
// for a batched connection, batch frames made of a header and the frames'
// prebuilt elements.
func (c *conn) frames(g *gather, batch []*service.Frame) {
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

// copyLimit: pieces of a write up to this long are copied together, longer
// ones are written from where they are.
const copyLimit = 512

// gather collects the bytes of one write: references to the shared frames,
// or, when they are many (a long queue, a user list in many chunks), copies
// of the small ones in one buffer. The socket keeps the largest iovec array
// it was ever given for the connection's life (internal/poll), so this
// bounds what a write leaves behind; copying a few dozen short frames costs
// less than the kernel's handling of as many iovecs.
type gather struct {
	buf   []byte // copies; sized up front, never moved once sliced into bufs
	bufs  net.Buffers
	start int  // where buf's run not yet in bufs starts
	copy  bool // copy small pieces
}

// maxRefs is how many pieces a write references before it copies instead.
const maxRefs = 32

// reset empties g for a write of batch plus two control frames.
func (g *gather) reset(batch []*service.Frame) {
	pieces := 3 // a pong, a ping, a batch header
	for _, f := range batch {
		pieces += 1 + len(f.More)
	}
	g.copy = pieces > maxRefs
	if g.copy {
		n := 2 * 140
		for _, f := range batch {
			n += 10 + min(max(len(f.Alone), len(f.InBatch)), copyLimit)
			for _, m := range f.More {
				if len(m) <= copyLimit {
					n += len(m)
				}
			}
		}
		if cap(g.buf) < n {
			g.buf = make([]byte, 0, n)
		}
	}
	g.buf, g.start = g.buf[:0], 0
	clear(g.bufs[:cap(g.bufs)]) // drop references to earlier frames
	g.bufs = g.bufs[:0]
}

func (g *gather) add(p []byte) {
	if g.copy && len(p) <= copyLimit && len(g.buf)+len(p) <= cap(g.buf) {
		g.buf = append(g.buf, p...)
		return
	}
	g.flush()
	g.bufs = append(g.bufs, p)
}

// addHeader adds the header of a batch frame of n payload bytes.
func (g *gather) addHeader(n int) {
	var h [10]byte
	g.add(appendBatchHeader(h[:0], n))
}

// done returns the buffers to write.
func (g *gather) done() net.Buffers {
	g.flush()
	return g.bufs
}

func (g *gather) flush() {
	if len(g.buf) > g.start {
		g.bufs = append(g.bufs, g.buf[g.start:len(g.buf):len(g.buf)])
		g.start = len(g.buf)
	}
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
	wrap func(net.Conn, *bufio.ReadWriter) (net.Conn, *bufio.ReadWriter)
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
	nc, brw = h.wrap(nc, brw)
	return nc, brw, nil
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

// writeBuffers writes bufs in one writev, under one deadline. Over TLS,
// where there is no writev (each piece would be a record and a system call
// of its own), the pieces are joined and written at once.
func (s *sockConn) writeBuffers(bufs net.Buffers, deadline time.Time) error {
	if len(bufs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	if _, isTLS := s.Conn.(*tls.Conn); isTLS && len(bufs) > 1 {
		n := 0
		for _, b := range bufs {
			n += len(b)
		}
		joined := make([]byte, 0, n)
		for _, b := range bufs {
			joined = append(joined, b...)
		}
		_, err := s.Conn.Write(joined)
		return err
	}
	_, err := bufs.WriteTo(s.Conn)
	return err
}
