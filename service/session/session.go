// Package session is the headless chat client: it dials the server, keeps
// the connection alive with heartbeats, reconnects with backoff and reports
// what happens as Events. The desktop client and the tests drive it. It is
// the one part of the service layer that touches a socket.
package session

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// A Session is the headless chat client: it dials the server (username in
// the header, as the spec's clients did), keeps the connection alive with
// heartbeats, reconnects with backoff when it drops, and reports everything
// as Events. The desktop client and the tests drive it; it
// knows nothing about windows.
type Session struct {
	cfg     Config
	onEvent func(Event)
	closed  chan struct{} // closed by Close
	closing atomic.Bool   // Close has begun: a connection ending now is no failure
	once    sync.Once

	mu    sync.Mutex
	state State
	name  string        // our name in the room, once the server said it
	out   chan outgoing // to the current connection's writer; nil when not connected
	done  chan struct{} // closed when the current connection ends
	seq   uint64        // seq and server time of the newest event seen:
	ts    int64         // history repeated after a reconnect is skipped
}

// Config says where and how to connect.
type Config struct {
	URL          string        // ws://host:port/ws
	Username     string        // empty: the server assigns a guest name
	PingInterval time.Duration // client heartbeat; default 5s
	PongTimeout  time.Duration // no frame or pong for this long: the connection is dead; default 15s
	WriteTimeout time.Duration // default 10s
	Reconnect    bool          // reconnect after a connection that worked drops
	MinBackoff   time.Duration // first wait before reconnecting; default 500ms
	MaxBackoff   time.Duration // longest wait; default 15s
	Header       http.Header   // extra handshake headers
	Token        string        // access token, sent as "Authorization: Bearer"; for servers with -auth-secret
	TLS          *tls.Config   // for wss:// URLs; nil: the system's roots
}

func (c *Config) defaults() {
	if c.PingInterval <= 0 {
		c.PingInterval = 5 * time.Second
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = 3 * c.PingInterval
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(15*time.Second, c.MinBackoff)
	}
}

// State is where a session is.
type State int

const (
	Disconnected State = iota
	Connecting
	Connected
	Reconnecting
)

func (s State) String() string {
	return [...]string{"disconnected", "connecting", "connected", "reconnecting"}[s]
}

// Event is what a session reports, in order, from one goroutine.
type Event interface{ event() }

type (
	// StateChanged: connecting, connected (Name is ours), reconnecting (Err
	// is why, RetryIn when) or disconnected (Err is why; nil after Close).
	StateChanged struct {
		State   State
		Name    string
		Err     error
		RetryIn time.Duration
	}
	// Talk is a message, ours included. History arrives as talks too, right
	// after the user list.
	Talk struct{ Msg *model.ChatRoomRequest }
	// UserList is the whole room.
	UserList struct{ Users []string }
	// Joined and Left are presence changes.
	Joined struct{ Msg *model.ChatRoomRequest }
	Left   struct{ Msg *model.ChatRoomRequest }
	// ServerError is the server rejecting something we sent.
	ServerError struct{ Reason string }
)

func (StateChanged) event() {}
func (Talk) event()         {}
func (UserList) event()     {}
func (Joined) event()       {}
func (Left) event()         {}
func (ServerError) event()  {}

// Errors a session reports.
var (
	ErrNotConnected = errors.New("not connected")
	ErrNoHeartbeat  = errors.New("no heartbeat from the server")
)

// RefusedError is the server refusing the handshake (400, 409, 503...).
type RefusedError struct {
	Status int
	Reason string // the server's plain-text reason
}

func (e *RefusedError) Error() string { return fmt.Sprintf("refused (%d): %s", e.Status, e.Reason) }

// NameTaken reports whether the server refused because the name is online.
func (e *RefusedError) NameTaken() bool { return e.Status == http.StatusConflict }

// UnreachableError is a server that could not be reached at all.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return "server unreachable: " + e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// ClosedError is the server closing the connection with a close frame.
type ClosedError struct {
	Code   int
	Reason string
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("closed by the server (%d): %s", e.Code, e.Reason)
}

type outgoing struct {
	data   []byte
	result chan error
}

// goodbyeWait bounds how long Close waits for the server to answer exit,
// so that closing the window never hangs on a dead link.
const goodbyeWait = time.Second

// New returns a session that reports to onEvent. Call Run.
func New(cfg Config, onEvent func(Event)) *Session {
	cfg.defaults()
	return &Session{cfg: cfg, onEvent: onEvent, closed: make(chan struct{})}
}

// State returns the current state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Name is our name in the room: the one asked for, or the one assigned.
func (s *Session) Name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

// Run connects and serves until ctx ends, Close is called, or a connection
// fails in a way retrying cannot fix (the first dial failing, a refused
// name or reason). It returns that error, or nil after Close.
func (s *Session) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	s.mu.Lock()
	s.name = s.cfg.Username
	s.mu.Unlock()
	everConnected := false
	backoff := s.cfg.MinBackoff
	s.setState(StateChanged{State: Connecting})
	for {
		if s.isClosed() {
			s.setState(StateChanged{State: Disconnected})
			return nil
		}
		ws, err := s.dial(ctx)
		if err == nil {
			everConnected = true
			backoff = s.cfg.MinBackoff
			err = s.serve(ctx, ws)
		}
		if s.isClosed() || ctx.Err() != nil {
			s.setState(StateChanged{State: Disconnected})
			return nil
		}
		var refused *RefusedError
		retryable := everConnected && s.cfg.Reconnect &&
			(!errors.As(err, &refused) || refused.NameTaken() || refused.Status >= 500)
		if !retryable {
			s.setState(StateChanged{State: Disconnected, Err: err})
			return err
		}
		s.setState(StateChanged{State: Reconnecting, Err: err, RetryIn: backoff})
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.setState(StateChanged{State: Disconnected})
			return nil
		}
		backoff = min(2*backoff, s.cfg.MaxBackoff)
	}
}

// Close says goodbye (exit) if connected and stops the session.
func (s *Session) Close() {
	s.once.Do(func() {
		s.closing.Store(true)
		s.mu.Lock()
		out, done := s.out, s.done
		s.mu.Unlock()
		if out != nil {
			res := make(chan error, 1)
			select {
			case out <- outgoing{model.Encode(&model.ChatRoomRequest{Type: model.TypeExit}), res}:
				t := time.NewTimer(goodbyeWait)
				select { // the server answers exit by closing: wait for it, briefly
				case <-done:
				case <-t.C:
				}
				t.Stop()
			case <-done:
			}
		}
		close(s.closed)
	})
}

func (s *Session) isClosed() bool { return s.closing.Load() }

// Send sends a talk. It returns once the frame is written to the socket.
func (s *Session) Send(content string) error {
	return s.write(&model.ChatRoomRequest{Type: model.TypeTalk, Content: content})
}

// RequestUserList asks the server for the user list.
func (s *Session) RequestUserList() error {
	return s.write(&model.ChatRoomRequest{Type: model.TypeUserList})
}

func (s *Session) write(m *model.ChatRoomRequest) error {
	s.mu.Lock()
	out, done, state := s.out, s.done, s.state
	s.mu.Unlock()
	if out == nil || state != Connected {
		return ErrNotConnected
	}
	res := make(chan error, 1)
	select {
	case out <- outgoing{model.Encode(m), res}:
	case <-done:
		return ErrNotConnected
	}
	select {
	case err := <-res:
		return err
	case <-done:
		return ErrNotConnected
	}
}

func (s *Session) setState(ev StateChanged) {
	s.mu.Lock()
	s.state = ev.State
	if ev.State == Connected {
		s.name = ev.Name
	}
	s.mu.Unlock()
	s.onEvent(ev)
}

func (s *Session) dial(ctx context.Context) (*websocket.Conn, error) {
	h := http.Header{}
	for k, v := range s.cfg.Header {
		h[k] = v
	}
	if name := s.Name(); name != "" {
		h.Set("username", name)
	}
	if s.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	d := websocket.Dialer{
		HandshakeTimeout: s.cfg.WriteTimeout,
		TLSClientConfig:  s.cfg.TLS,
		Proxy:            http.ProxyFromEnvironment,
		Subprotocols:     []string{model.SubprotocolBatch}, // several messages per frame, when the server offers it
	}
	ws, resp, err := d.DialContext(ctx, s.cfg.URL, h)
	if err == nil {
		return ws, nil
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		reason := strings.TrimSpace(string(body))
		if reason == "" {
			reason = http.StatusText(resp.StatusCode)
		}
		return nil, &RefusedError{Status: resp.StatusCode, Reason: reason}
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) || isDNS(err) {
		return nil, &UnreachableError{Err: err}
	}
	return nil, err
}

// AnswerPings makes ws answer the peer's pings as gorilla's own handler
// does, but gives each pong as long as any other write, timeout, and calls
// onPing (if not nil) first. gorilla's handler gives a pong one second, and
// a pong write that times out breaks the connection for good: on a slow
// uplink, behind a long message or a burst, a pong can need longer.
func AnswerPings(ws *websocket.Conn, timeout time.Duration, onPing func()) {
	ws.SetPingHandler(func(data string) error {
		if onPing != nil {
			onPing()
		}
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(timeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
}

func isDNS(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// serve runs one connection: a reader (this goroutine) and a writer.
func (s *Session) serve(ctx context.Context, ws *websocket.Conn) error {
	out := make(chan outgoing)
	done := make(chan struct{})
	writerDone := make(chan struct{})
	defer func() {
		s.mu.Lock()
		s.out, s.done = nil, nil
		s.mu.Unlock()
		close(done)
		ws.Close()
		<-writerDone
	}()
	go s.writer(ws, out, done, writerDone)
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()

	alive := func() { ws.SetReadDeadline(time.Now().Add(s.cfg.PongTimeout)) }
	alive()
	ws.SetPongHandler(func(string) error { alive(); return nil })
	AnswerPings(ws, s.cfg.WriteTimeout, alive)
	connected := false
	batched := ws.Subprotocol() == model.SubprotocolBatch
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return readError(err)
		}
		alive()
		var msgs []*model.ChatRoomRequest
		if batched {
			msgs, err = model.DecodeBatch(data)
		} else {
			var m *model.ChatRoomRequest
			m, err = model.Decode(data)
			msgs = []*model.ChatRoomRequest{m}
		}
		if err != nil {
			continue // a newer server's frame we cannot read; nothing to show
		}
		for _, m := range msgs {
			if !connected && m.Type == model.TypeJoin {
				// The first message is our own join, with our name.
				connected = true
				s.mu.Lock()
				s.out, s.done = out, done
				s.mu.Unlock()
				s.setState(StateChanged{State: Connected, Name: m.UserName})
				continue
			}
			s.dispatch(m)
		}
	}
}

// readError is why a connection's read failed: the server's close, a
// missed heartbeat, or the error itself.
func readError(err error) error {
	var ce *websocket.CloseError
	var ne interface{ Timeout() bool }
	switch {
	case errors.As(err, &ce):
		return &ClosedError{Code: ce.Code, Reason: ce.Text}
	case errors.As(err, &ne) && ne.Timeout():
		return ErrNoHeartbeat
	}
	return err
}

func (s *Session) dispatch(m *model.ChatRoomRequest) {
	if m.Seq != 0 {
		// Seqs count within one server's life: a restarted server starts
		// again from 1, at later times. So an event was seen before only
		// if it is no newer by both.
		s.mu.Lock()
		seen := m.Seq <= s.seq && m.Timestamp <= s.ts
		if !seen {
			s.seq, s.ts = m.Seq, m.Timestamp
		}
		s.mu.Unlock()
		if seen && m.Type == model.TypeTalk {
			return // history we showed before a reconnect
		}
	}
	switch m.Type {
	case model.TypeTalk:
		s.onEvent(Talk{m})
	case model.TypeUserList:
		users := make([]string, 0, len(m.UserList))
		for _, name := range m.UserList {
			users = append(users, name)
		}
		s.onEvent(UserList{users})
	case model.TypeJoin:
		s.onEvent(Joined{m})
	case model.TypeLeave:
		s.onEvent(Left{m})
	case model.TypeError:
		s.onEvent(ServerError{m.Content})
	}
}

func (s *Session) writer(ws *websocket.Conn, out <-chan outgoing, done <-chan struct{}, writerDone chan<- struct{}) {
	defer close(writerDone)
	ping := time.NewTicker(s.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case o := <-out:
			ws.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
			err := ws.WriteMessage(websocket.BinaryMessage, o.data)
			o.result <- err
			if err != nil {
				ws.Close()
				return
			}
		case <-ping.C:
			if err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteTimeout)); err != nil {
				ws.Close()
				return
			}
		}
	}
}
