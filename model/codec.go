package model

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
)

// Message types: the spec's three client requests, and the server's own;
// ping and pong are this server's addition for clients that cannot send
// WebSocket pings (browsers).
const (
	TypeTalk     = "talk"
	TypeUserList = "userlist"
	TypeExit     = "exit"
	TypeJoin     = "join"
	TypeLeave    = "leave"
	TypeError    = "error"
	TypePing     = "ping"
	TypePong     = "pong"
	// Rooms and direct messages (see chat_message.proto).
	TypePart    = "part"
	TypeRooms   = "rooms"
	TypeHistory = "history"
	// Durable history (see chat_message.proto).
	TypeSearch = "search"
	TypeGap    = "gap"
	// Presence at scale (see chat_message.proto).
	TypePresence = "presence"
)

// PresenceParam is the handshake's query parameter (and header) by which
// a client asks for coalesced presence, with the value PresenceCoalesce.
const (
	PresenceParam    = "presence"
	PresenceCoalesce = "coalesce"
)

// MaxUserListPage is the most names a userlist page carries.
const MaxUserListPage = 1000

// MaxHistoryPage is the most talks a history or search reply carries.
const MaxHistoryPage = 200

// MaxUsernameRunes is the longest username, in characters (not bytes).
const MaxUsernameRunes = 32

// SubprotocolBatch is the WebSocket subprotocol of batched framing: a
// client that offers it in its handshake, and gets it back, receives
// ChatRoomBatch frames (see chat_message.proto).
const SubprotocolBatch = "chatroom.v2"

// SubprotocolRefusals is the WebSocket subprotocol of refusals in band: a
// client that offers it, and whose handshake the server refuses for a
// reason a user should read, gets the upgrade anyway, then one error frame
// with the reason and a close frame with CloseCodeRefused + the HTTP status
// it would have got. Browsers need it: a page cannot read the status of a
// failed WebSocket handshake.
const SubprotocolRefusals = "chatroom.refusals"

// CloseCodeRefused plus an HTTP status (400, 401, 409, 503) is the close
// code of a refusal in band (see SubprotocolRefusals): 4409 is "username
// taken". Codes 4000-4999 are the application's (RFC 6455, 7.4.2).
const CloseCodeRefused = 4000

// DecodeBatch unmarshals one ChatRoomBatch frame's messages.
func DecodeBatch(b []byte) ([]*ChatRoomRequest, error) {
	var batch ChatRoomBatch
	if err := proto.Unmarshal(b, &batch); err != nil {
		return nil, err
	}
	return batch.Messages, nil
}

// Decode parses one frame's payload.
func Decode(b []byte) (*ChatRoomRequest, error) {
	m := new(ChatRoomRequest)
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Encode marshals m. It panics only if m holds invalid UTF-8, which the
// server never produces (every string it sends was validated on the way in).
func Encode(m *ChatRoomRequest) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("model: marshal %s: %v", m.GetType(), err))
	}
	return b
}

// ErrContentEmpty is returned by CheckContent for a talk with nothing but
// white space.
var ErrContentEmpty = errors.New("message content is empty")

// ContentTooLongError is returned by CheckContent for a talk over its limit.
type ContentTooLongError struct {
	Len, Max int // the content's length and the limit, in bytes
}

func (e *ContentTooLongError) Error() string {
	return fmt.Sprintf("message content is longer than %d bytes", e.Max)
}

// CheckContent checks the talk rules shared by the server and the clients:
// not empty or only white space, at most maxBytes bytes.
func CheckContent(content string, maxBytes int) error {
	switch {
	case strings.TrimSpace(content) == "":
		return ErrContentEmpty
	case len(content) > maxBytes:
		return &ContentTooLongError{Len: len(content), Max: maxBytes}
	}
	return nil
}
