// Package service is the chat room's logic: who is online, what they said,
// and who receives what, in which order (room.go); the Broker that carries
// room events between nodes, with its in-memory default (broker.go); and the
// Member a room delivers to (this file). It never touches a socket: ctrl
// implements Member over a WebSocket connection.
package service

import (
	"encoding/binary"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/model"
)

// A Frame is one server message, marshalled once and framed once, then
// shared by every member it is sent to. Treat it as read-only.
//
// Its bytes on the wire are Wire followed by More (one binary WebSocket
// frame), or, inside a ChatRoomBatch, Elem followed by More. More is
// usually empty; a user list keeps its entries there, in chunks shared
// with the room's other user lists, so that it is not copied for every
// joining user.
type Frame struct {
	Type string   // the message's type, for counting
	Wire []byte   // the frame header and the start of the payload
	Elem []byte   // the batch element's prefix (field 1, length) and the start of the payload
	More [][]byte // the rest of the payload
	// ElemLen is the length of the frame as a batch element: Elem and More.
	ElemLen int
}

// NewFrame encodes m and builds its WebSocket frame.
//
// Like websocket.PreparedMessage, the frame is built once however many
// members receive it; unlike it, writing it takes no lock and no map
// lookup, which mattered when two thousand write pumps wrote the same
// message at once (see BENCHMARKS.md).
func NewFrame(m *model.ChatRoomRequest) *Frame {
	f := newFrame(model.Encode(m), nil)
	f.Type = m.Type
	return f
}

// newFrame builds a frame whose payload is head followed by more.
func newFrame(head []byte, more [][]byte) *Frame {
	n := len(head)
	for _, m := range more {
		n += len(m)
	}
	wire := append(appendHeader(make([]byte, 0, len(head)+maxHeader), websocket.BinaryMessage, n), head...)
	elem := protowire.AppendTag(make([]byte, 0, len(head)+maxElemPrefix), batchMessagesField, protowire.BytesType)
	elem = append(protowire.AppendVarint(elem, uint64(n)), head...)
	return &Frame{Wire: wire, Elem: elem, More: more, ElemLen: len(elem) + n - len(head)}
}

const (
	maxHeader          = 10 // bytes of a server frame's header, at most
	batchMessagesField = 1  // ChatRoomBatch.messages
	maxElemPrefix      = 1 + binary.MaxVarintLen64
)

// AppendBatchHeader appends the header of one binary frame whose payload is
// n bytes of Frame.Elem's back to back: a ChatRoomBatch.
func AppendBatchHeader(dst []byte, n int) []byte {
	return appendHeader(dst, websocket.BinaryMessage, n)
}

// AppendServerFrame appends payload to dst as one final, unmasked frame of
// the given WebSocket message type (RFC 6455 section 5.2).
func AppendServerFrame(dst []byte, messageType int, payload []byte) []byte {
	return append(appendHeader(dst, messageType, len(payload)), payload...)
}

func appendHeader(dst []byte, messageType int, n int) []byte {
	const fin = 0x80
	dst = append(dst, fin|byte(messageType))
	switch {
	case n < 126:
		dst = append(dst, byte(n))
	case n <= 0xffff:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return dst
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
	// CloseAfterQueued is Close for a session the server ends on purpose:
	// what is queued already (an error frame saying why) is written first.
	CloseAfterQueued(code int, reason string)
}
