package session

// The session's states and the events it reports.

import (
	"time"

	"chatroom/model"
)

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
