package config

// The texts the server sends: HTTP refusals before the upgrade (Refuse…),
// error replies (type "error", the reason in content; Reply…) and notices
// (Notice…). Clients may show them to people, so they are plain words.
// The close codes and reasons are service.Disconnect's table.
const (
	// HTTP refusals (plain-text bodies).
	RefuseNameTaken     = "username already online"
	RefuseNameSimilar   = "username too similar to the name of someone online: choose another"
	RefuseShuttingDown  = "server shutting down"
	RefuseServerFull    = "server full: too many connections"
	RefuseTooManyFromIP = "too many connections from your address"
	RefuseJoinRate      = "too many new connections from your address: wait a few seconds and try again"
	RefuseOrigin        = "origin not allowed: %s"
	RefuseNoToken       = "authentication required: send a token (Authorization: Bearer, or the token query parameter)"
	RefuseTokenUser     = "the token is for %q, not %q"
	RefuseEarlyData     = "data sent before the handshake was answered"

	// Error replies; the connection stays open.
	ReplyUndecodable = "undecodable frame"
	ReplyUnknownType = "unknown message type"
	ReplyRateLimited = "rate limited"
	ReplyNotSent     = "message not sent" // then ": " and why (the broker could not take it)

	// A user list asked for too often: the reply grows with the room.
	ReplyUserListLimited = "user list rate limited"
	// A rooms list or a history asked for too often (the user list's limit).
	ReplyListLimited = "lists rate limited: wait a few seconds"
	// A direct message's addressee that is no valid username.
	ReplyBadAddressee = "no such user"
	// A join past -join-rate-per-ip: entering a room replays its history,
	// as a new connection does.
	ReplyJoinRate = "your address joins rooms too fast: wait a few seconds and try again"

	// Notices to every user of a node (type "error"); nothing was refused.
	NoticeBusDown = "the chat service lost its link to the other servers: messages cannot be sent until it is back"
	NoticeBusUp   = "the chat service is back: messages can be sent again"
	// The session of a user whose node was cut off from the others for
	// longer than -claim-ttl ends with this notice (and close 1012).
	NoticeClaimLost = "session expired: this server was cut off from the other chat servers for too long, and they took you for gone; reconnect to come back"
)

// RefuseHost answers a request whose Host is not one of the server's names
// (421), with that Host.
const RefuseHost = "this server does not answer to the name %s (its operator lists its names with -public-names)"
