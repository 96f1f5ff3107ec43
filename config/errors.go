package config

// The texts the server sends: error replies (type "error", the reason in
// content), HTTP refusals before the upgrade, and WebSocket close reasons.
// Clients may show them to people, so they are plain words.
const (
	// HTTP refusals (plain-text bodies).
	RefuseNameTaken     = "username already online"
	RefuseShuttingDown  = "server shutting down"
	RefuseServerFull    = "server full: too many connections"
	RefuseTooManyFromIP = "too many connections from your address"
	RefuseOrigin        = "origin not allowed: %s"
	RefuseNoToken       = "authentication required: send a token (Authorization: Bearer, or the token query parameter)"
	RefuseTokenUser     = "the token is for %q, not %q"
	RefuseEarlyData     = "data sent before the handshake was answered"

	// Error replies; the connection stays open.
	ReplyUndecodable   = "undecodable frame"
	ReplyUnknownType   = "unknown message type"
	ReplyEmptyContent  = "message content is empty"
	ReplyContentTooBig = "message content is longer than %d bytes"
	ReplyRateLimited   = "rate limited"
	ReplyNotSent       = "message not sent" // then ": " and why (the broker could not take it)

	// Notices to every user of a node (type "error"); nothing was refused.
	NoticeBusDown = "the chat service lost its link to the other servers: messages cannot be sent until it is back"
	NoticeBusUp   = "the chat service is back: messages can be sent again"
	// The session of a user whose node was cut off from the others for
	// longer than -claim-ttl ends with this notice (and close 1012).
	NoticeClaimLost = "session expired: this server was cut off from the other chat servers for too long, and they took you for gone; reconnect to come back"

	// Close reasons, with the code each goes with.
	ReasonBye          = "bye"                                          // 1000, after exit
	ReasonShutdown     = "server shutting down"                         // 1001
	ReasonSlowConsumer = "slow consumer"                                // 1008, send queue full
	ReasonFlood        = "too many messages"                            // 1008, refused -rate-close times more than -msg-rate forgives
	ReasonIdle         = "no pong or frame in time"                     // 1008 (the peer rarely sees it)
	ReasonFrameTooBig  = "frame is longer than %d bytes"                // 1009
	ReasonClaimLost    = "session expired while the server was cut off" // 1012, with NoticeClaimLost
)
