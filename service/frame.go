package service

import "chatroom/model"

// A Frame is one server message as the members' connections write it:
// built once by the room's Framer, then shared, read-only, by every member
// it is queued to. A connection writes it alone (Alone, then More) or as
// one message of a batch (InBatch, then More: BatchLen bytes in all). More
// is usually empty; a user list keeps its entries there, in chunks shared
// with the room's other user lists, so that it is not copied for every
// joining user.
type Frame struct {
	Type     string   // the message's type, for counting
	Alone    []byte   // the start of the frame written on its own
	InBatch  []byte   // the start of the frame as an element of a batch
	More     [][]byte // the rest of either
	BatchLen int      // the length of InBatch and More together
}

// A Framer builds Frames in the format of the connections it serves (ctrl's
// is WebSocket). The room calls it once per message, however many members
// the message goes to.
type Framer interface {
	// Frame builds the frame of a message of type typ whose encoding is
	// head followed by more. The frame may keep head and more.
	Frame(typ string, head []byte, more [][]byte) *Frame
}

// NewFrame encodes m and has f build its frame.
func NewFrame(f Framer, m *model.ChatRoomRequest) *Frame {
	return f.Frame(m.Type, model.Encode(m), nil)
}
