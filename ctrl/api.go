package ctrl

import (
	"net/http"
	"sort"
	"strings"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/service"
)

// The server API: the operator's back end acts on the chat over HTTP,
// under /api/ on the chat listener, with JSON in and out (docs/api.md,
// docs/openapi.json). This file owns its routes: one table that the mux
// is built from and that tests list (APIRoutes), and the answers to a
// path or a method no route has. apiauth.go checks the key, apijson.go
// reads bodies and writes answers, apirooms.go and apimoderation.go are
// the handlers; they call the hub's moderation API as the actor "api".

// APIPrefix is where the server API is mounted.
const APIPrefix = "/api/"

// apiOff is the answer to every /api/ request when -api-key is unset.
const apiOff = "the server API is off: start the server with -api-key"

// An APIRoute is one method and path pattern of the server API, as Go's
// ServeMux spells them (a {name} is one path segment).
type APIRoute struct {
	Method string
	Path   string
	handle apiHandler
}

// apiHandler serves one route: the value to send as JSON with 200, or
// an error (apijson.go's writeError says which status).
type apiHandler func(a *API, r *http.Request) (any, error)

// apiRoutes is the route table, in the order docs/api.md lists them.
func apiRoutes() []APIRoute {
	return []APIRoute{
		{http.MethodGet, "/api/rooms", (*API).listRooms},
		{http.MethodGet, "/api/rooms/{room}", (*API).getRoom},
		{http.MethodGet, "/api/rooms/{room}/users", (*API).roomUsers},
		{http.MethodPost, "/api/rooms/{room}/messages", (*API).postMessage},
		{http.MethodDelete, "/api/rooms/{room}/messages/{seq}", (*API).deleteMessage},
		{http.MethodPost, "/api/rooms/{room}/kick", (*API).kick},
		{http.MethodGet, "/api/rooms/{room}/mutes", (*API).listMutes},
		{http.MethodPost, "/api/rooms/{room}/mute", (*API).mute},
		{http.MethodDelete, "/api/rooms/{room}/mute/{user}", (*API).unmute},
		{http.MethodPut, "/api/rooms/{room}/topic", (*API).setTopic},
		{http.MethodPut, "/api/rooms/{room}/slow", (*API).setSlow},
		{http.MethodPut, "/api/rooms/{room}/moderators/{user}", (*API).nameModerator},
		{http.MethodDelete, "/api/rooms/{room}/moderators/{user}", (*API).unnameModerator},
		{http.MethodGet, "/api/bans", (*API).listBans},
		{http.MethodPost, "/api/bans", (*API).ban},
		{http.MethodDelete, "/api/bans", (*API).unban},
		{http.MethodGet, "/api/audit", (*API).audit},
	}
}

// APIRoutes lists the server API's routes (method and path pattern), for
// the test that holds docs/openapi.json to them.
func APIRoutes() []APIRoute {
	rs := apiRoutes()
	for i := range rs {
		rs[i].handle = nil
	}
	return rs
}

// API serves the server API. It is an http.Handler for APIPrefix.
type API struct {
	cfg   config.Server
	hub   *service.Hub
	chat  *Server // the chat endpoint it shares the listener with
	log   logrus.FieldLogger
	guard *apiGuard // nil: the API is off
	mux   *http.ServeMux
	paths *http.ServeMux // each route's path, any method: which methods a path has
}

// NewAPI returns the server API of chat's hub, off (every request
// answered 404 in words) when chat's -api-key is empty.
func NewAPI(chat *Server) *API {
	a := &API{cfg: chat.cfg, hub: chat.hub, chat: chat, log: chat.log}
	if a.cfg.APIKey == "" {
		return a
	}
	a.guard = newAPIGuard(a.cfg.APIKey)
	a.mux, a.paths = http.NewServeMux(), http.NewServeMux()
	methods := map[string][]string{}
	for _, rt := range apiRoutes() {
		a.mux.HandleFunc(rt.Method+" "+rt.Path, a.serveRoute(rt.handle))
		methods[rt.Path] = append(methods[rt.Path], rt.Method)
	}
	for path, ms := range methods {
		sort.Strings(ms)
		allow := strings.Join(ms, ", ")
		a.paths.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", allow)
			writeJSONError(w, http.StatusMethodNotAllowed, "this endpoint takes "+allow)
		})
	}
	a.mux.HandleFunc(APIPrefix, a.unrouted)
	return a
}

// ServeHTTP checks the key, then serves the route.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.guard == nil {
		writeJSONError(w, http.StatusNotFound, apiOff)
		return
	}
	if !a.authorize(w, r) {
		return
	}
	a.mux.ServeHTTP(w, r)
}

// unrouted answers a request no route has: 405 with Allow when its path
// has routes of other methods, else 404.
func (a *API) unrouted(w http.ResponseWriter, r *http.Request) {
	if h, pattern := a.paths.Handler(r); pattern != "" {
		h.ServeHTTP(w, r)
		return
	}
	writeJSONError(w, http.StatusNotFound, "no such endpoint: "+clip(r.URL.Path)+" (see docs/api.md)")
}

// serveRoute runs h and writes its answer.
func (a *API) serveRoute(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(a, r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}
