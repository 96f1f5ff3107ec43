package ctrl

import (
	"fmt"
	"net/http"

	"chatroom/model"
)

// This file owns the handshake's presence negotiation: a client asks for
// coalesced presence (service/room_presence.go) with the query parameter
// ?presence=coalesce or the header "presence: coalesce". Any other value
// is refused with 400, in words; a client that asks for nothing gets
// presence as the original protocol sends it.

// maxPresenceEcho bounds how much of a bad value a refusal repeats.
const maxPresenceEcho = 32

// coalescing says whether the handshake asks for coalesced presence, or
// why its ask cannot be read.
func coalescing(r *http.Request) (bool, error) {
	values := append(r.URL.Query()[model.PresenceParam], r.Header.Values(model.PresenceParam)...)
	for _, v := range values {
		if v != model.PresenceCoalesce {
			return false, fmt.Errorf("%s %q is not understood: the only value is %q (coalesced presence), or leave it out", model.PresenceParam, clipTo(v, maxPresenceEcho), model.PresenceCoalesce)
		}
	}
	return len(values) > 0, nil
}
