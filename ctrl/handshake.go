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

// admit checks a handshake before the upgrade: a WebSocket handshake, the
// server not shutting down, the page's origin, a free slot, the token, the
// username, and claims that name. Once admitted, the handshake holds a
// slot and the name, which the caller gives back if it goes no further; a
// refusal past the slot holds it too, until it is answered (refused.slot).
func (s *Server) admit(r *http.Request, ip netip.Addr) (string, *refused) {
	switch {
	case !websocket.IsWebSocketUpgrade(r):
		return "", refuse(refuseBadRequest, "expected a WebSocket handshake (connect a WebSocket client to this URL)")
	case s.isClosing():
		return "", refuse(refuseShuttingDown, config.RefuseShuttingDown)
	}
	if origin := r.Header.Get("Origin"); !s.originAllowed(origin, r.Host) {
		return "", refuse(refuseForbidden, fmt.Sprintf(config.RefuseOrigin, clip(origin)))
	}
	if !s.addrs.join(ip) { // the address's rate of new chat connections
		return "", refuse(refuseJoinRate, config.RefuseJoinRate)
	}
	if ref := s.slots.take(ip); ref != nil {
		return "", ref
	}
	name, ref := s.claimName(r)
	if ref != nil {
		ref.slot = true
		return "", ref
	}
	return name, nil
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
func (s *Server) claimName(r *http.Request) (string, *refused) {
	asked := r.Header.Get("username")
	if asked == "" {
		asked = r.URL.Query().Get("username")
	}
	name, ref := s.identify(r, asked)
	if ref != nil {
		return "", ref
	}
	var err error
	if name == "" {
		name, err = s.room.ClaimGuest(r.Context())
	} else {
		err = s.room.Claim(r.Context(), name)
	}
	switch {
	case errors.Is(err, service.ErrNameSimilar):
		return "", refuse(refuseConflict, config.RefuseNameSimilar).with(logrus.Fields{"username": name})
	case errors.Is(err, service.ErrNameTaken):
		return "", refuse(refuseConflict, config.RefuseNameTaken).with(logrus.Fields{"username": clip(name)})
	case err != nil:
		return "", refuse(refuseUnavailable, "cannot claim username: "+err.Error()).with(logrus.Fields{"username": clip(name)})
	}
	return name, nil
}

// identify returns the user's name: with auth, the token's, which a
// username sent beside it must match; else asked, checked; "" for a guest.
func (s *Server) identify(r *http.Request, asked string) (string, *refused) {
	blank := strings.TrimSpace(asked) == ""
	if s.secret == nil {
		if blank {
			return "", nil
		}
		name, err := model.NormalizeUsername(asked)
		if err != nil {
			return "", refuse(refuseBadRequest, err.Error()).with(logrus.Fields{"username": clip(asked)})
		}
		return name, nil
	}
	token, ok := bearer(r)
	if !ok {
		return "", refuse(refuseUnauthorized, config.RefuseNoToken)
	}
	name, err := service.VerifyToken(s.secret, token, time.Now(), s.cfg.TokenMaxAge)
	if err != nil {
		return "", refuse(refuseUnauthorized, err.Error())
	}
	if !blank {
		if n, err := model.NormalizeUsername(asked); err != nil || n != name {
			return "", refuse(refuseUnauthorized, fmt.Sprintf(config.RefuseTokenUser, name, clip(asked)))
		}
	}
	return name, nil
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
