package ctrl

import (
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"chatroom/model"
)

// Refusals in band (refuseInBand).
const (
	refusalLinger     = closeGrace / 2 // how long one waits for the client's close
	maxRefusalFrames  = 16             // frames it reads meanwhile, at most
	maxRefusalsInBand = 64             // how many run at once
)

// A refusal is why a handshake was refused. Its row of the table in info
// gives the HTTP status and the result it is counted under
// (chatroom_handshakes_total{result}).
type refusal uint8

const (
	refuseBadRequest   refusal = iota // not a WebSocket handshake, a bad username, early data
	refuseForbidden                   // a browser page from another site
	refuseUnauthorized                // a token missing or bad
	refuseConflict                    // the username is online
	refuseFull                        // MaxConns connections open
	refusePerIP                       // MaxConnsPerIP connections from the address
	refuseShuttingDown                // the server is shutting down
	refuseUnavailable                 // the broker cannot claim the name
	refuseJoinRate                    // JoinRatePerIP: the address opens chat connections too fast
	refuseRoomDenied                  // the token's rooms claim does not name a room asked for
	refuseRoomsFull                   // a room asked for would be one more than -max-rooms
	refuseBanned                      // the name or address is banned from the server or a room asked for
	numRefusals
)

func (k refusal) info() (status int, result string) {
	row := [numRefusals]struct {
		status int
		result string
	}{
		refuseBadRequest:   {http.StatusBadRequest, "bad_request"},
		refuseForbidden:    {http.StatusForbidden, "forbidden"},
		refuseUnauthorized: {http.StatusUnauthorized, "unauthorized"},
		refuseConflict:     {http.StatusConflict, "conflict"},
		refuseFull:         {http.StatusServiceUnavailable, "full"},
		refusePerIP:        {http.StatusServiceUnavailable, "per_ip_limit"},
		refuseShuttingDown: {http.StatusServiceUnavailable, "shutting_down"},
		refuseUnavailable:  {http.StatusServiceUnavailable, "unavailable"},
		refuseJoinRate:     {http.StatusTooManyRequests, "join_rate"},
		refuseRoomDenied:   {http.StatusForbidden, "room_denied"},
		refuseRoomsFull:    {http.StatusServiceUnavailable, "rooms_full"},
		refuseBanned:       {http.StatusForbidden, "banned"},
	}[k]
	return row.status, row.result
}

// refused is a refusal with its reason, the words the client is sent, and
// the fields its log line adds.
type refused struct {
	kind   refusal
	reason string
	fields logrus.Fields
	slot   bool // it holds a connection slot until it is answered (in band, that takes a while)
}

func refuse(kind refusal, reason string) *refused { return &refused{kind: kind, reason: reason} }

// with adds fields to the refusal's log line.
func (r *refused) with(fields logrus.Fields) *refused { r.fields = fields; return r }

// refuse answers a refused handshake: an HTTP status with the reason as a
// plain-text body or, for a client that offered model.SubprotocolRefusals,
// the same in band; logged and counted.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, ref *refused) {
	status, _ := ref.kind.info()
	s.stats.refused(ref.kind)
	ref.reason = clipTo(ref.reason, maxReason)
	s.logRefusal(r, ref, status)
	// A page from another origin is never upgraded, nor a request that is
	// no WebSocket handshake. Past maxRefusalsInBand at once (each holds a
	// socket for up to refusalLinger), the plain HTTP refusal.
	if ref.kind != refuseForbidden && websocket.IsWebSocketUpgrade(r) && wantsRefusalInBand(r) {
		select {
		case s.inBand <- struct{}{}:
			defer func() { <-s.inBand }()
			s.refuseInBand(w, r, status, ref.reason)
			return
		default:
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chatroom"`)
	}
	http.Error(w, ref.reason, status)
}

// wantsRefusalInBand reports whether the handshake offered
// model.SubprotocolRefusals.
func wantsRefusalInBand(r *http.Request) bool {
	return slices.Contains(websocket.Subprotocols(r), model.SubprotocolRefusals)
}

// refuseInBand answers a refused handshake with an upgrade, an error frame
// carrying the reason and a close frame with model.CloseCodeRefused+status,
// so that a browser can show why. It waits a moment for the client's
// close, so that closing the socket cannot reset the close frame away.
func (s *Server) refuseInBand(w http.ResponseWriter, r *http.Request, status int, reason string) {
	ws, err := s.refuser.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered with an HTTP error
	}
	defer ws.Close()
	deadline := time.Now().Add(s.cfg.WriteTimeout)
	ws.SetWriteDeadline(deadline)
	if ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeError, Content: reason})) != nil {
		return
	}
	if ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(model.CloseCodeRefused+status, closeReason(reason)), deadline) != nil {
		return
	}
	ws.SetReadDeadline(time.Now().Add(refusalLinger))
	for range maxRefusalFrames {
		if _, _, err := ws.NextReader(); err != nil {
			return // the client's close, or the deadline
		}
	}
}

// closeReason cuts reason to the 123 bytes a close frame can carry, at a
// character boundary.
func closeReason(reason string) string {
	const max = 123
	if len(reason) <= max {
		return reason
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut]
}
