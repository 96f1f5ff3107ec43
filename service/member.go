// Package service is the chat room's logic: who is online, what they said,
// and who receives what, in which order (room.go); the Broker that carries
// room events between nodes, with its in-memory default (broker.go); and the
// Member a room delivers to (this file), the Frames it is sent (frame.go)
// and the reasons it is ended for (disconnect.go). It never touches a
// socket and knows no wire format: ctrl implements Member over a WebSocket
// connection and gives the room its Framer.
package service

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
	// Close ends the connection for reason d: it writes what is queued
	// first if d.Flush, then d's close frame. It does not block; the
	// connection still calls Room.Leave when it is gone.
	Close(d Disconnect)
}
