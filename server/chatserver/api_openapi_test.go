package chatserver

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"chatroom/ctrl"
)

// docs/openapi.json against the handlers: every documented operation is
// served, every route is documented, and what each answers fits its
// documented schema (every reply of the API's tests is checked, see
// apiClient.conform).

// TestAPIOpenAPIListsEveryRoute holds the document and the route table to
// one list of operations.
func TestAPIOpenAPIListsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	var routes []string
	for _, rt := range ctrl.APIRoutes() {
		routes = append(routes, rt.Method+" "+rt.Path)
	}
	sort.Strings(routes)
	if got, want := strings.Join(doc.operations(), "\n"), strings.Join(routes, "\n"); got != want {
		t.Errorf("docs/openapi.json documents:\n%s\nthe server routes:\n%s", got, want)
	}
}

// An apiExample is one request of an operation that it answers with 200.
type apiExample struct {
	op     string // METHOD /api/pattern, as documented
	path   string // the request's path and query
	body   any
	result func(m map[string]any) // reads the answer, for the examples after it
}

// TestAPIOpenAPIServesEveryOperation sends each documented operation over
// a real server: it is routed (not the API's 404 or 405 for a path or
// method it has no route for), answers 200, and its answer fits the
// documented schema.
func TestAPIOpenAPIServesEveryOperation(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	dialRooms(t, r.addr, "alice")
	dialRooms(t, r.addr, "bob")
	dialRooms(t, r.addr, "carol")
	var seq string
	examples := []apiExample{
		{op: "GET /api/rooms", path: "/api/rooms"},
		{op: "GET /api/rooms/{room}", path: "/api/rooms/lobby"},
		{op: "GET /api/rooms/{room}/users", path: "/api/rooms/lobby/users?limit=2"},
		{op: "POST /api/rooms/{room}/messages", path: "/api/rooms/lobby/messages", body: map[string]any{"content": "hello from the operator"},
			result: func(m map[string]any) { seq = jsonInt(m["seq"]) }},
		{op: "DELETE /api/rooms/{room}/messages/{seq}", body: map[string]any{"reason": "a test"}},
		{op: "POST /api/rooms/{room}/mute", path: "/api/rooms/lobby/mute", body: map[string]any{"user": "bob", "duration_seconds": 60, "reason": "calm down"}},
		{op: "GET /api/rooms/{room}/mutes", path: "/api/rooms/lobby/mutes"},
		{op: "DELETE /api/rooms/{room}/mute/{user}", path: "/api/rooms/lobby/mute/bob"},
		{op: "PUT /api/rooms/{room}/topic", path: "/api/rooms/lobby/topic", body: map[string]any{"topic": "welcome"}},
		{op: "PUT /api/rooms/{room}/slow", path: "/api/rooms/lobby/slow", body: map[string]any{"seconds": 5}},
		{op: "PUT /api/rooms/{room}/moderators/{user}", path: "/api/rooms/lobby/moderators/bob"},
		{op: "DELETE /api/rooms/{room}/moderators/{user}", path: "/api/rooms/lobby/moderators/bob"},
		{op: "POST /api/bans", path: "/api/bans", body: map[string]any{"user": "carol", "room": "lobby", "duration_seconds": 60, "reason": "spam"}},
		{op: "GET /api/bans", path: "/api/bans"},
		{op: "DELETE /api/bans", path: "/api/bans?user=carol&room=lobby"},
		{op: "GET /api/audit", path: "/api/audit?limit=5"},
		{op: "POST /api/rooms/{room}/kick", path: "/api/rooms/lobby/kick", body: map[string]any{"user": "alice", "reason": "bye"}},
	}
	covered := map[string]bool{}
	for _, ex := range examples {
		if ex.path == "" { // the delete of the message the example before said
			ex.path = "/api/rooms/lobby/messages/" + seq
		}
		method, _, _ := strings.Cut(ex.op, " ")
		reply := api.do(method, ex.path, ex.body)
		if reply.status != http.StatusOK {
			t.Errorf("%s (%s %s): %d %s, want 200", ex.op, method, ex.path, reply.status, reply.body)
			continue
		}
		if got := api.matched(method, ex.path); got != ex.op {
			t.Errorf("%s %s is documented as %q, want %q", method, ex.path, got, ex.op)
		}
		covered[ex.op] = true
		if ex.result != nil {
			ex.result(reply.json(t))
		}
	}
	for _, op := range loadOpenAPI(t).operations() {
		if !covered[op] {
			t.Errorf("%s: no example here answered 200", op)
		}
	}
}

// TestAPIOpenAPIRoutesEveryOperation sends each documented operation with
// the key but nothing else right: whatever it answers is the handler's,
// not the API's 404 for a path or 405 for a method it has no route for.
func TestAPIOpenAPIRoutesEveryOperation(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	for _, op := range loadOpenAPI(t).operations() {
		method, pattern, _ := strings.Cut(op, " ")
		path := strings.NewReplacer("{room}", "nosuchroom", "{user}", "nobody", "{seq}", "1").Replace(pattern)
		reply := api.do(method, path, nil)
		if text := reply.errorText(t); strings.HasPrefix(text, "no such endpoint") || strings.HasPrefix(text, "this endpoint takes") {
			t.Errorf("%s: %s %s is not routed: %d %s", op, method, path, reply.status, text)
		}
	}
	// And the API's own 404 and 405 are what those prefixes say.
	if text := api.want(http.StatusNotFound, "GET", "/api/nothing", nil)["error"]; !strings.HasPrefix(fmt.Sprint(text), "no such endpoint") {
		t.Errorf("an unknown path: %q", text)
	}
	reply := api.do("PATCH", "/api/rooms", nil)
	if reply.status != http.StatusMethodNotAllowed || reply.header.Get("Allow") != "GET" || !strings.HasPrefix(reply.errorText(t), "this endpoint takes") {
		t.Errorf("PATCH /api/rooms: %d Allow %q %s", reply.status, reply.header.Get("Allow"), reply.body)
	}
}
