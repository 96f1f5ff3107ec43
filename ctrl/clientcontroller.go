package ctrl

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service/session"
)

// The client controller sits between the desktop window (view) and the
// headless session (service): it checks what the user typed, runs the
// session, and turns protocol events into view models. It shows no words
// itself: every Text is an English fyne lang key with template data, which
// the view translates.

// Text is something to show a person: an English message that is also the
// translation key, with the values its {{.Placeholders}} take.
type Text struct {
	Key  string
	Data map[string]any
}

// ConnState is the connection's state as the view shows it.
type ConnState int

const (
	StateDisconnected ConnState = iota
	StateConnecting
	StateConnected
	StateReconnecting
)

// Status is what the status bar shows.
type Status struct {
	State   ConnState
	Name    string        // our name, when connected
	Reason  Text          // why the last connection ended; empty Key when none
	RetryIn time.Duration // when reconnecting
}

// LineKind tells the view how to draw a line of the message list.
type LineKind int

const (
	LineTalk       LineKind = iota // someone's message (Own: ours)
	LineJoin                       // Sender joined
	LineLeave                      // Sender left
	LineError                      // Info: the server rejected something
	LineNotice                     // Info: something to know, as a gap in what was caught up
	LineModeration                 // Info: a moderation action in the room (clientmodevents.go)
	LineDeleted                    // a deleted talk's tombstone: Sender wrote it, By deleted it
	LineOperator                   // Text: a message from the server's operator (model.SystemName)
)

// Line is one entry of the message list.
type Line struct {
	Kind   LineKind
	Time   time.Time
	Sender string
	Text   string
	Own    bool
	Past   bool   // said before we joined its room (the history a join replays): not unread
	Seq    uint64 // a talk's place in its conversation (0: not a talk)
	Info   Text
	By     string // who deleted a LineDeleted
}

// User is one entry of the user list.
type User struct {
	Name string
	Self bool
}

// Field names an input of the window.
type Field int

const (
	FieldAddress Field = iota
	FieldUsername
	FieldMessage
	FieldRoom   // the join-a-room field
	FieldSearch // the search field of the conversation shown
	FieldUsers  // the user list's filter of the conversation shown
)

// InputError is a problem with what the user typed (or what the server said
// about it), to show under the field.
type InputError struct {
	Field Field
	Text  Text
}

func (e *InputError) Error() string { return e.Text.Key }

// ClientView is the window, as the controller sees it. Its methods are
// called from the session's goroutine (and from the controller's own
// methods); the view hands them to fyne.Do.
type ClientView interface {
	SetStatus(Status)
	// OpenConv lists a conversation (a room we are in, a direct one); show:
	// switch to it now. Opening one listed already only switches, if asked.
	OpenConv(c Conv, show bool)
	// CloseConv takes a conversation off the list (a room we left).
	CloseConv(Conv)
	// SetUsers is one conversation's users, and their count (clientpresence.go).
	SetUsers(Conv, Users)
	// AppendLine adds a line to a conversation (the zero Conv: the one shown).
	AppendLine(Conv, Line)
	// SetRoomList shows a page of the server's public rooms.
	SetRoomList(RoomPage)
	// LoginFailed: the first connection was refused; show why under the field.
	LoginFailed(*InputError)
	// JoinFailed: the server refused to let us in a room; show why under
	// the join field.
	JoinFailed(*InputError)
	// The rest is reading back (clienthistory.go).
	// PrependLines puts older lines (oldest first) before a
	// conversation's, keeping the place the user is reading.
	PrependLines(Conv, []Line)
	// ResetLines drops a conversation's lines for one notice line (a gap
	// in catching up: what follows is its latest talks).
	ResetLines(Conv, Line)
	// SetHistory says whether older lines are loading, the beginning of
	// the conversation is reached, or (with why) the server refused them.
	SetHistory(c Conv, mark HistoryMark, why Text)
	// SetSearch shows a page of a conversation's search results.
	SetSearch(Conv, SearchPage)
	// ScrollToSeq shows the talk with that seq, which the conversation holds.
	ScrollToSeq(Conv, uint64)
	// The rest is moderation (clientmodevents.go).
	// SetRoomMod is a room's topic, slow mode and our role in it.
	SetRoomMod(Conv, RoomMod)
	// DeleteLine replaces the talk with that seq, if held, by line (its
	// tombstone), in the conversation and its search results.
	DeleteLine(c Conv, seq uint64, line Line)
}

// DefaultAddress is the server the login form suggests.
const DefaultAddress = "127.0.0.1:9000"

// ValidateAddress accepts host:port, optionally with ws:// or wss:// and a
// path (default /ws), and returns the WebSocket URL.
func ValidateAddress(addr string) (string, *InputError) {
	addr = strings.TrimSpace(addr)
	bad := func(key string) (string, *InputError) {
		return "", &InputError{FieldAddress, Text{Key: key, Data: map[string]any{"Addr": addr}}}
	}
	if addr == "" {
		return bad("Enter the server address, like 127.0.0.1:9000")
	}
	if !strings.Contains(addr, "://") {
		addr = "ws://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return bad("Not a server address: use host:port, like 127.0.0.1:9000")
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return bad("The address must start with ws:// or wss://, or be just host:port")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return bad("The address needs a host and a port, like 127.0.0.1:9000")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return bad("The port must be a number from 1 to 65535")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}

// ValidateUsername applies the server's username rules; the desktop client
// also requires a name (guests are for clients that send none).
func ValidateUsername(name string) (string, *InputError) {
	n, err := model.NormalizeUsername(name)
	if err == nil {
		return n, nil
	}
	key := "Enter a username"
	switch {
	case errors.Is(err, model.ErrUsernameEmpty):
	case utf8.RuneCountInString(strings.TrimSpace(name)) > model.MaxUsernameRunes:
		key = "A username has at most 32 characters"
	default:
		key = "A username cannot contain control characters"
	}
	return "", &InputError{FieldUsername, Text{Key: key}}
}

// ValidateMessage checks a message before it is sent.
func ValidateMessage(text string, maxBytes int) *InputError {
	var tooLong *model.ContentTooLongError
	switch err := model.CheckContent(text, maxBytes); {
	case errors.Is(err, model.ErrContentEmpty):
		return &InputError{FieldMessage, Text{Key: "Type a message first"}}
	case errors.As(err, &tooLong):
		return &InputError{FieldMessage, Text{Key: "The message is {{.Over}} bytes too long", Data: map[string]any{"Over": tooLong.Len - tooLong.Max}}}
	}
	return nil
}

// ClientOptions configure a Client.
type ClientOptions struct {
	Reconnect    bool          // reconnect automatically after a drop
	MaxContent   int           // the server's -max-content; default 4096
	PingInterval time.Duration // heartbeat; 0: the session's default
	PongTimeout  time.Duration // 0: the session's default
	MinBackoff   time.Duration // 0: the session's default
	Token        string        // access token for a server with -auth-secret
	TLS          *tls.Config   // for wss:// addresses; nil: the system's roots
	Rooms        []string      // rooms to start in, home room first; none: the server's default
	UserPageSize int           // names per page of a large room's users; default UserPageSize
}

// Client is the desktop client's controller.
type Client struct {
	view ClientView
	opts ClientOptions

	mu      sync.Mutex
	session *session.Session
	cancel  context.CancelFunc
	ended   chan struct{} // closed when the session's Run has returned
	convs   convState     // the rooms and direct conversations (clientrooms.go)

	// touched only by the session's goroutine
	self string
	addr string
	ever bool // the current session has been connected
}

// NewClient returns a controller driving view.
func NewClient(view ClientView, opts ClientOptions) *Client {
	if opts.MaxContent <= 0 {
		opts.MaxContent = config.DefaultServer().MaxContent
	}
	if opts.UserPageSize <= 0 {
		opts.UserPageSize = UserPageSize
	}
	return &Client{view: view, opts: opts}
}

// MaxContent is the longest message, in bytes.
func (c *Client) MaxContent() int { return c.opts.MaxContent }

// Connect checks the login form and, when it is right, connects. The
// returned errors are for the fields; nil means connecting has begun.
func (c *Client) Connect(addr, username string) []*InputError {
	u, aerr := ValidateAddress(addr)
	name, nerr := ValidateUsername(username)
	var errs []*InputError
	if aerr != nil {
		errs = append(errs, aerr)
	}
	if nerr != nil {
		errs = append(errs, nerr)
	}
	if errs != nil {
		return errs
	}
	c.Disconnect()
	ctx, cancel := context.WithCancel(context.Background())
	s := session.New(session.Config{
		URL: u, Username: name, Reconnect: c.opts.Reconnect,
		PingInterval: c.opts.PingInterval, PongTimeout: c.opts.PongTimeout, MinBackoff: c.opts.MinBackoff,
		Token: c.opts.Token, TLS: c.opts.TLS, Rooms: c.opts.Rooms,
	}, c.handle)
	ended := make(chan struct{})
	c.mu.Lock()
	c.session, c.cancel, c.ended = s, cancel, ended
	c.convs = newConvState()
	c.self, c.addr, c.ever = name, strings.TrimSpace(addr), false
	c.mu.Unlock()
	go func() {
		defer close(ended)
		s.Run(ctx)
	}()
	return nil
}

// Disconnect says goodbye and stops; it returns when the session has ended.
func (c *Client) Disconnect() {
	c.mu.Lock()
	s, cancel, ended := c.session, c.cancel, c.ended
	c.session, c.cancel = nil, nil
	c.mu.Unlock()
	if s != nil {
		s.Close()
		cancel()
	}
	if ended != nil {
		<-ended
	}
}

// Send checks and sends a message to conversation conv: a room, a
// direct conversation, or (the zero Conv) the home room. A nil result
// means it is on the wire. A message starting with "/" is a command
// (clientmoderation.go); "//" sends a message starting with "/".
func (c *Client) Send(conv Conv, text string) *InputError {
	if strings.HasPrefix(text, "/") {
		return c.command(conv, text) // clientmoderation.go
	}
	return c.say(conv, text)
}

// say sends text as a talk to conv.
func (c *Client) say(conv Conv, text string) *InputError {
	if err := ValidateMessage(text, c.opts.MaxContent); err != nil {
		return err
	}
	s := c.current()
	if s == nil {
		return &InputError{FieldMessage, Text{Key: "Not connected"}}
	}
	var err error
	switch {
	case conv.With != "":
		err = s.Direct(conv.With, text)
	case conv.Room != "":
		err = s.Talk(conv.Room, text)
	default:
		err = s.Send(text)
	}
	return sendError(FieldMessage, err)
}

// current is the session, nil when there is none.
func (c *Client) current() *session.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// sendError words a failed write for field; nil when there was none.
func sendError(field Field, err error) *InputError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, session.ErrNotConnected):
		return &InputError{field, Text{Key: "Not connected"}}
	}
	return &InputError{field, Text{Key: "Not sent: {{.Err}}", Data: map[string]any{"Err": err.Error()}}}
}

// handle maps the session's events to the view. One goroutine calls it.
func (c *Client) handle(ev session.Event) {
	switch ev := ev.(type) {
	case session.StateChanged:
		c.stateChanged(ev)
	case session.UserList:
		c.userList(ev)
	case session.Presence:
		c.presence(ev)
	case session.UserPage:
		c.userPage(ev)
	case session.UserPageRefused:
		c.userPageRefused(ev)
	case session.Joined:
		c.joined(ev.Msg)
	case session.Left:
		c.left(ev.Msg)
	case session.Talk:
		c.talk(ev)
	case session.ServerError:
		c.serverError(ev)
	case session.RoomList:
		c.roomList(ev)
	case session.Page:
		c.page(ev)
	case session.Gap:
		c.gap(ev)
	case session.Found:
		c.found(ev)
	case session.Moderation:
		c.moderation(ev.Msg)
	case session.Audit:
		c.audit(ev)
	}
}

func (c *Client) stateChanged(ev session.StateChanged) {
	st := Status{State: ConnState(ev.State), RetryIn: ev.RetryIn}
	if ev.State == session.Connected {
		c.ever, c.self, st.Name = true, ev.Name, ev.Name
	}
	if ev.Err != nil {
		st.Reason = c.reason(ev.Err)
		if ev.State == session.Disconnected && !c.ever {
			c.view.LoginFailed(c.loginError(ev.Err, st.Reason))
		}
	}
	if ev.State == session.Disconnected || ev.State == session.Reconnecting {
		for _, conv := range c.forgetUsers() {
			c.showUsers(conv.Room)
		}
		c.stopLoading() // the requests of the connection gone have no answer
	}
	c.view.SetStatus(st)
}

func msgTime(m *model.ChatRoomRequest) time.Time {
	if m.Timestamp == 0 {
		return time.Now()
	}
	return time.UnixMilli(m.Timestamp)
}

// reason words why a connection ended.
func (c *Client) reason(err error) Text {
	var refused *session.RefusedError
	var unreachable *session.UnreachableError
	var closed *session.ClosedError
	switch {
	case errors.As(err, &refused) && refused.NameTaken():
		return Text{Key: "The name {{.Name}} is taken: someone with it is online", Data: map[string]any{"Name": c.self}}
	case errors.As(err, &refused):
		return Text{Key: "The server refused: {{.Reason}}", Data: map[string]any{"Reason": refused.Reason}}
	case errors.As(err, &unreachable):
		return Text{Key: "Server unreachable at {{.Addr}}", Data: map[string]any{"Addr": c.addr}}
	case errors.As(err, &closed) && closed.Code == session.CloseKicked:
		return Text{Key: "You were kicked from your home room"}
	case errors.As(err, &closed) && closed.Code == session.CloseBanned:
		return Text{Key: "You are banned from this server"}
	case errors.Is(err, session.ErrNoHeartbeat):
		return Text{Key: "No heartbeat from the server"}
	case errors.As(err, &closed):
		return Text{Key: "The server closed the connection: {{.Reason}}", Data: map[string]any{"Reason": closed.Reason}}
	}
	if !c.ever {
		return Text{Key: "Cannot connect to {{.Addr}}: {{.Err}}", Data: map[string]any{"Addr": c.addr, "Err": err.Error()}}
	}
	return Text{Key: "Connection lost: {{.Err}}", Data: map[string]any{"Err": err.Error()}}
}

// loginError puts a refusal of the first connection under the right field.
func (c *Client) loginError(err error, t Text) *InputError {
	var refused *session.RefusedError
	if errors.As(err, &refused) && (refused.Status == http.StatusConflict || refused.Status == http.StatusBadRequest) {
		return &InputError{FieldUsername, t} // the server's word on the name
	}
	return &InputError{FieldAddress, t}
}
