package model

import "strings"

// DirectConversation is the key the history of the direct messages between
// two users is kept under: the same whichever of them is a and b, and
// whatever case or look-alike form of their names is used (it is built of
// their UsernameKeys). Room names start with a letter or digit, so no
// room's name is such a key.
func DirectConversation(a, b string) string {
	ka, kb := UsernameKey(a), UsernameKey(b)
	if kb < ka {
		ka, kb = kb, ka
	}
	return "@" + ka + "\n" + kb
}

// IsDirectConversation says whether conv is a DirectConversation key, not a
// room's name.
func IsDirectConversation(conv string) bool { return strings.HasPrefix(conv, "@") }

// ConversationOf is the key of the conversation ev (a talk) belongs to: its
// room, or the DirectConversation of its sender and addressee.
func ConversationOf(ev *ChatRoomRequest) string {
	if ev.To != "" {
		return DirectConversation(ev.UserName, ev.To)
	}
	return ev.Room
}
