// Package service is the chat room's logic: who is online, what they said,
// and who receives what, in which order (room.go); the Broker that carries
// room events between nodes, with its in-memory default (broker.go); and the
// Member a room delivers to (this file). It never touches a socket: ctrl
// implements Member over a WebSocket connection.
package service

import (
	"fmt"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// A Frame is one server message, marshalled once and framed once, then
// shared by every member it is sent to. Treat it as read-only.
type Frame struct {
	Msg      *model.ChatRoomRequest
	Data     []byte                     // the protobuf encoding of Msg
	Prepared *websocket.PreparedMessage // Data as one binary WebSocket frame
}

// NewFrame encodes m and prepares its WebSocket frame.
func NewFrame(m *model.ChatRoomRequest) *Frame {
	data := model.Encode(m)
	pm, err := websocket.NewPreparedMessage(websocket.BinaryMessage, data)
	if err != nil {
		// Only compression can fail, and prepared frames are uncompressed.
		panic(fmt.Sprintf("service: prepare frame: %v", err))
	}
	return &Frame{Msg: m, Data: data, Prepared: pm}
}

// SendResult says what became of a frame given to Member.Send.
type SendResult int

const (
	Queued       SendResult = iota // on its way
	QueueFull                      // the member is not keeping up; the frame was dropped
	MemberClosed                   // the member is closing; the frame was dropped
)

// A Member is one local user's connection, as the room sees it.
type Member interface {
	// Name is the member's username, fixed for its lifetime.
	Name() string
	// Send queues f without blocking.
	Send(f *Frame) SendResult
	// Close drops whatever is queued and closes the connection with the
	// WebSocket close code and reason. It does not block; the connection
	// still calls Room.Leave when it is gone.
	Close(code int, reason string)
}
