// Package session is the headless chat client: it dials the server, keeps
// the connection alive with heartbeats, reconnects with backoff and reports
// what happens as Events. The desktop client and the tests drive it. It is
// the one part of the service layer that touches a socket.
package session

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

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
	asking  sync.Mutex // held while a UserListPage request is recorded and sent

	mu          sync.Mutex
	state       State
	name        string               // our name in the room, once the server said it
	out         chan outgoing        // to the current connection's writer; nil when not connected
	done        chan struct{}        // closed when the current connection ends
	last        map[string]uint64    // per room, the seq of the last event seen: a reconnect catches up from it
	rooms       []inRoom             // the rooms we are in, home first: rejoined on reconnect
	wantPrivate map[string]bool      // rooms we asked to create unlisted, until our join
	histories   map[string]int       // History requests awaiting their end, per conversation
	pages       map[string]int       // Page requests awaiting their answer, per conversation
	userPages   map[string][]pageAsk // UserListPage requests awaiting their answer, per room, oldest first
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
	Rooms        []string      // rooms to start in, home room first; none: the server's default
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
	return &Session{
		cfg: cfg, onEvent: onEvent, closed: make(chan struct{}),
		last: map[string]uint64{}, rooms: initialRooms(cfg.Rooms),
		wantPrivate: map[string]bool{}, histories: map[string]int{}, pages: map[string]int{},
		userPages: map[string][]pageAsk{},
	}
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
// name or reason, a ban from the server: close 4003). It returns that error, or nil after Close.
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
		retryable := everConnected && s.cfg.Reconnect && !banned(err) &&
			(!errors.As(err, &refused) || refused.NameTaken() || refused.Status >= 500)
		if !retryable {
			s.setState(StateChanged{State: Disconnected, Err: err})
			return err
		}
		backoff = s.retryBackoff(backoff, err)
		wait := jittered(backoff)
		s.setState(StateChanged{State: Reconnecting, Err: err, RetryIn: wait})
		t := time.NewTimer(wait)
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

// Send sends a talk to the home room. It returns once the frame is
// written to the socket.
func (s *Session) Send(content string) error {
	return s.write(&model.ChatRoomRequest{Type: model.TypeTalk, Content: content})
}

// RequestUserList asks the server for the home room's user list.
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
