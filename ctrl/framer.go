package ctrl

import (
	"encoding/binary"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/service"
)

// WebSocketFramer is the room's service.Framer: it builds each message's
// binary WebSocket frame, and its element of a ChatRoomBatch frame, once.
// Like websocket.PreparedMessage, a frame is built once however many
// members receive it; unlike it, writing it takes no lock and no map
// lookup.
type WebSocketFramer struct{}

var _ service.Framer = WebSocketFramer{}

// Frame implements service.Framer.
func (WebSocketFramer) Frame(typ string, head []byte, more [][]byte) *service.Frame {
	n := len(head)
	for _, m := range more {
		n += len(m)
	}
	alone := append(appendHeader(make([]byte, 0, len(head)+maxHeader), websocket.BinaryMessage, n), head...)
	elem := protowire.AppendTag(make([]byte, 0, len(head)+maxElemPrefix), batchMessagesField, protowire.BytesType)
	elem = append(protowire.AppendVarint(elem, uint64(n)), head...)
	return &service.Frame{Type: typ, Alone: alone, InBatch: elem, More: more, BatchLen: len(elem) + n - len(head)}
}

const (
	maxHeader          = 10                        // bytes of a server frame's header, at most
	batchMessagesField = 1                         // ChatRoomBatch.messages
	maxElemPrefix      = 1 + binary.MaxVarintLen64 // bytes of a batch element's tag and length, at most
)

// appendBatchHeader appends the header of one binary frame whose payload is
// n bytes of Frame.InBatch's back to back: a ChatRoomBatch.
func appendBatchHeader(dst []byte, n int) []byte {
	return appendHeader(dst, websocket.BinaryMessage, n)
}

// appendServerFrame appends payload to dst as one final, unmasked frame of
// the given WebSocket message type (RFC 6455 section 5.2).
func appendServerFrame(dst []byte, messageType int, payload []byte) []byte {
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
