package service

// A Disconnect is why a connection ended. Its row of the table in info
// gives the close code and reason the server sends (code 0: it sends none,
// the peer closed or vanished), the cause it is counted under
// (chatroom_closes_total{cause}) and whether what is queued for the
// connection is written before the close.
type Disconnect uint8

const (
	DisconnectBye          Disconnect = iota // the client said exit
	DisconnectShutdown                       // the server is shutting down
	DisconnectSlowConsumer                   // its send queue filled
	DisconnectFlood                          // refused RateClose frames more than MsgRate forgives
	DisconnectIdle                           // no pong or frame within PongTimeout
	DisconnectTooBig                         // a frame over ReadLimit
	DisconnectServerError                    // joining the room failed
	DisconnectClaimLost                      // its node lost the name's claim (cut off from NATS)
	DisconnectClientClosed                   // the client sent a close frame
	DisconnectLost                           // the socket failed
	DisconnectKicked                         // kicked from its home room
	DisconnectBanned                         // banned from the server
	numDisconnects
)

type disconnectInfo struct {
	code   int    // WebSocket close code sent; 0: none
	reason string // close reason sent (and logged)
	cause  string // metric label
	flush  bool   // what is queued is written first
}

// info is the one table of disconnects. 1012 (service restart) for a lost
// claim says "come back", which is what a client should do.
func (d Disconnect) info() disconnectInfo {
	return [numDisconnects]disconnectInfo{
		DisconnectBye:          {1000, "bye", "exit", true},
		DisconnectShutdown:     {1001, "server shutting down", "shutdown", true},
		DisconnectSlowConsumer: {1008, "slow consumer", "slow_consumer", false},
		DisconnectFlood:        {1008, "too many messages", "flood", true},
		DisconnectIdle:         {1008, "no pong or frame in time", "idle", false},
		DisconnectTooBig:       {1009, "frame is too long", "too_big", true},
		DisconnectServerError:  {1011, "cannot join the room", "server_error", true},
		DisconnectClaimLost:    {1012, "session expired while the server was cut off", "claim_lost", true},
		DisconnectClientClosed: {0, "client closed", "client_closed", false},
		DisconnectLost:         {0, "connection lost", "lost", false},
		DisconnectKicked:       {4001, "kicked", "kicked", true},
		DisconnectBanned:       {4003, "banned", "banned", true},
	}[d]
}

// Code is the close code the server sends; 0 when it sends none.
func (d Disconnect) Code() int { return d.info().code }

// Reason is the close reason the server sends, or what is logged.
func (d Disconnect) Reason() string { return d.info().reason }

// Cause is the disconnect's label in the metrics.
func (d Disconnect) Cause() string { return d.info().cause }

// Flush reports whether what is queued is written before the close.
func (d Disconnect) Flush() bool { return d.info().flush }

// Disconnects lists every Disconnect, in the order of the table.
func Disconnects() []Disconnect {
	all := make([]Disconnect, numDisconnects)
	for i := range all {
		all[i] = Disconnect(i)
	}
	return all
}
