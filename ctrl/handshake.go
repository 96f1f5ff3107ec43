package ctrl

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// An admission is who an admitted handshake is and where it goes.
type admission struct {
	name    string
	rooms   []string          // the rooms it starts in, the home room first
	allowed []string          // the rooms its token lets it join; nil: any
	since   map[string]uint64 // the last seq it saw, per room it catches up in
	// coalesce: it asked for coalesced presence (presence.go).
	coalesce bool
	admin    bool // its token's role claim says it is a server admin
}

// admit checks a handshake before the upgrade: a WebSocket handshake, the
// server not shutting down, the page's origin, a free slot, the token, the
// username and the rooms, and claims that name. Once admitted, the
// handshake holds a slot and the name, which the caller gives back if it
// goes no further; a refusal past the slot holds it too, until it is
// answered (refused.slot).
func (s *Server) admit(r *http.Request, ip netip.Addr) (admission, *refused) {
	switch {
	case !websocket.IsWebSocketUpgrade(r):
		return admission{}, refuse(refuseBadRequest, "expected a WebSocket handshake (connect a WebSocket client to this URL)")
	case s.isClosing():
		return admission{}, refuse(refuseShuttingDown, config.RefuseShuttingDown)
	}
	coalesce, err := coalescing(r)
	if err != nil {
		return admission{}, refuse(refuseBadRequest, err.Error())
	}
	if origin := r.Header.Get("Origin"); !s.originAllowed(origin, r.Host) {
		return admission{}, refuse(refuseForbidden, fmt.Sprintf(config.RefuseOrigin, clip(origin)))
	}
	if !s.addrs.join(ip) { // the address's rate of new chat connections
		return admission{}, refuse(refuseJoinRate, config.RefuseJoinRate)
	}
	if ref := s.slots.take(ip); ref != nil {
		return admission{}, ref
	}
	in, ref := s.claimName(r, ip)
	if ref != nil {
		ref.slot = true
		return admission{}, ref
	}
	in.coalesce = coalesce
	return in, nil
}

// originAllowed says whether a browser page from origin may connect to
// host. Native clients send no Origin and are always allowed; a page's
// origin must be this server's own, the scheme it serves (https with TLS,
// else http) with host and port equal to the request's Host, or one of
// AllowedOrigins. Behind a proxy that terminates TLS, the public origin is
// https while this server serves http: it must be listed.
func (s *Server) originAllowed(origin, host string) bool {
	if origin == "" {
		return true
	}
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	if u, err := url.Parse(origin); err == nil && u.Scheme == scheme && u.User == nil && u.Opaque == "" {
		o, ok := parseAuthority(u.Host, scheme)
		if h, hok := parseAuthority(host, scheme); ok && hok && o == h {
			return true
		}
	}
	origin = strings.TrimRight(strings.ToLower(origin), "/")
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

// claimName finds who the user is and claims the name: the token's
// subject with auth, else the username asked for (the spec's clients send
// a "username" header; browsers cannot, so they use the query), else a
// fresh guest name.
func (s *Server) claimName(r *http.Request, ip netip.Addr) (admission, *refused) {
	asked := r.Header.Get("username")
	if asked == "" {
		asked = r.URL.Query().Get("username")
	}
	in, ref := s.identify(r, asked)
	if ref != nil {
		return in, ref
	}
	if in.rooms, ref = s.startRooms(r, ip, in.allowed); ref != nil {
		return in, ref
	}
	banIP := ip
	if in.admin {
		banIP = netip.Addr{} // an admin by token is not shut out by an address ban (moderation_enforce.go)
	}
	if err := s.hub.CheckBanned(in.name, banIP, in.rooms); err != nil {
		return in, refuse(refuseBanned, err.Error()).with(logrus.Fields{"username": clip(in.name)})
	}
	var err error
	if in.since, err = sinceSeqs(r, in.rooms); err != nil {
		return in, refuse(refuseBadRequest, err.Error())
	}
	if in.name == "" {
		in.name, err = s.hub.ClaimGuest(r.Context(), in.rooms)
	} else {
		err = s.hub.Claim(r.Context(), in.name, in.rooms, service.ClaimOptions{Admin: in.admin})
	}
	switch {
	case errors.Is(err, service.ErrNameSimilar):
		return in, refuse(refuseConflict, config.RefuseNameSimilar).with(logrus.Fields{"username": in.name})
	case errors.Is(err, service.ErrNameTaken):
		return in, refuse(refuseConflict, config.RefuseNameTaken).with(logrus.Fields{"username": clip(in.name)})
	case err != nil:
		return in, refuse(refuseUnavailable, "cannot claim username: "+err.Error()).with(logrus.Fields{"username": clip(in.name)})
	}
	return in, nil
}

// identify returns the user's name: with auth, the token's, which a
// username sent beside it must match, and the rooms the token allows;
// else asked, checked; "" for a guest.
func (s *Server) identify(r *http.Request, asked string) (admission, *refused) {
	blank := strings.TrimSpace(asked) == ""
	if s.secret == nil {
		if blank {
			return admission{}, nil
		}
		name, err := model.NormalizeUsername(asked)
		if err == nil {
			err = ReservedName(name)
		}
		if err != nil {
			return admission{}, refuse(refuseBadRequest, err.Error()).with(logrus.Fields{"username": clip(asked)})
		}
		return admission{name: name}, nil
	}
	token, ok := bearer(r)
	if !ok {
		return admission{}, refuse(refuseUnauthorized, config.RefuseNoToken)
	}
	t, err := service.VerifyRoomToken(s.secret, token, time.Now(), s.cfg.TokenMaxAge)
	if err != nil {
		return admission{}, refuse(refuseUnauthorized, err.Error())
	}
	if !blank {
		if n, err := model.NormalizeUsername(asked); err != nil || n != t.Name {
			return admission{}, refuse(refuseUnauthorized, fmt.Sprintf(config.RefuseTokenUser, t.Name, clip(asked)))
		}
	}
	if err := ReservedName(t.Name); err != nil {
		return admission{}, refuse(refuseBadRequest, err.Error()).with(logrus.Fields{"username": t.Name})
	}
	return admission{name: t.Name, allowed: t.Rooms, admin: t.Role == model.RoleAdmin}, nil
}

// ReservedName refuses model.SystemName, the name the operator's
// messages come from, the server API's actor name (service.APIActor:
// "api", which moderation events and the audit trail name as who acted),
// and every name that looks like one of them.
func ReservedName(name string) error {
	for _, r := range []struct{ name, use string }{
		{model.SystemName, "the operator's messages"},
		{service.APIActor().Name, "the server API's actions"},
	} {
		if model.UsernameKey(name) == model.UsernameKey(r.name) || model.UsernameSkeleton(name) == model.UsernameSkeleton(r.name) {
			return fmt.Errorf("the username %s is reserved for %s: choose another", clip(name), r.use)
		}
	}
	return nil
}

// maxRoomParams bounds the room names a handshake may carry, before they
// are checked against -max-rooms-per-conn: a longer list is garbage.
const maxRoomParams = 256

// startRooms returns the rooms the handshake names (the room query
// parameter, repeatable, then the room header, repeatable: a proxy may
// join repeated headers into one, with commas, which no room name holds),
// checked and normalized; none: the default room. Each room past the first
// spends one of the address's joins, as a join request does: a handshake
// naming 50 rooms replays 50 histories.
func (s *Server) startRooms(r *http.Request, ip netip.Addr, allowed []string) ([]string, *refused) {
	names := r.URL.Query()["room"]
	for _, v := range r.Header.Values("room") {
		for name := range strings.SplitSeq(v, ",") {
			names = append(names, strings.TrimSpace(name))
		}
	}
	if len(names) > maxRoomParams {
		return nil, refuse(refuseBadRequest, fmt.Sprintf("too many rooms: a handshake may name at most %d", maxRoomParams))
	}
	rooms, err := s.hub.CheckRooms(names, allowed)
	if err == nil {
		err = s.hub.CheckOpens(ip, rooms)
	}
	var ref *service.Refusal
	switch {
	case err == nil && !s.addrs.joinN(ip, len(rooms)-1):
		return nil, refuse(refuseJoinRate, config.RefuseJoinRate)
	case err == nil:
		return rooms, nil
	case !errors.As(err, &ref):
		return nil, refuse(refuseBadRequest, err.Error())
	case ref.Reason == service.RefuseRoomDenied:
		return nil, refuse(refuseRoomDenied, ref.Text)
	case ref.Reason == service.RefuseRoomsTotal, ref.Reason == service.RefuseRoomsPerIP:
		return nil, refuse(refuseRoomsFull, ref.Text)
	}
	return nil, refuse(refuseBadRequest, ref.Text)
}

// bearer returns the request's token: "Authorization: Bearer …", else the
// token query parameter (browsers cannot set headers on a WebSocket).
// Another Authorization scheme, such as the Basic credentials a browser
// adds on a site behind a password, is not ours and is ignored.
func bearer(r *http.Request) (string, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if token = strings.TrimSpace(token); strings.EqualFold(scheme, "Bearer") && token != "" {
		return token, true
	}
	token = r.URL.Query().Get("token")
	return token, token != ""
}
