package chatserver

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"chatroom/model"
	"chatroom/service"
)

// Attacks on the server API over real sockets: locking the operator out
// by spending the wrong-key allowance.

// apiFrom sends GET /api/rooms from the loopback address src with key, on
// a connection of its own, and returns the status.
func apiFrom(t *testing.T, addr, src, key string) int {
	t.Helper()
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: waitTime}
	client := &http.Client{Timeout: waitTime, Transport: &http.Transport{DialContext: nd.DialContext, DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/api/rooms", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("from %s: %v", src, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// newAPIClientFrom is newAPIClient whose requests come from the loopback
// address src.
func newAPIClientFrom(t *testing.T, r *running, src string) *apiClient {
	c := newAPIClient(t, r)
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: waitTime}
	c.http = &http.Client{Timeout: waitTime, Transport: &http.Transport{DialContext: nd.DialContext}}
	return c
}

// An attacker with many addresses (one wrong key from each of 4,096, the
// table's size, then more from new ones) spends the allowance that
// addresses past the table share. The operator's address, which has
// used the right key before, keeps its own allowance and is served.
func TestAttackModerationAPILockout(t *testing.T) {
	srv := start(t, "-api-key", testAPIKey)
	operator := "127.0.0.2"
	if s := apiFrom(t, srv.addr, operator, testAPIKey); s != http.StatusOK {
		t.Fatalf("the operator: %d", s)
	}
	for i := range 4096 + 20 {
		src := fmt.Sprintf("127.10.%d.%d", i/254, 1+i%254)
		apiFrom(t, srv.addr, src, "wrong-key-"+src)
	}
	if s := apiFrom(t, srv.addr, "127.200.0.1", "still-wrong"); s != http.StatusTooManyRequests {
		t.Errorf("a new address past the table, after the shared allowance is spent: %d, want 429", s)
	}
	if s := apiFrom(t, srv.addr, operator, testAPIKey); s != http.StatusOK {
		t.Errorf("the operator, after an attack from 4,116 addresses: %d, want 200", s)
	}
}

// A direct peer that writes a new X-Forwarded-For with each wrong key is
// counted by its own address (it is not a trusted proxy): its eleventh
// guess gets 429, the right key too.
func TestAttackModerationAPIForgedForwardedFor(t *testing.T) {
	srv := start(t, "-api-key", testAPIKey, "-trusted-proxies", proxyAddr)
	api := newAPIClient(t, srv)
	api.key = "wrong-key-0123456789"
	for i := range 10 {
		if r := api.do("GET", "/api/rooms", nil, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	api.key = testAPIKey
	if r := api.do("GET", "/api/rooms", nil, "X-Forwarded-For", "198.51.100.99"); r.status != http.StatusTooManyRequests {
		t.Errorf("after 10 wrong keys with forged X-Forwarded-For: %d, want 429", r.status)
	}
}

// Requests a hostile back end (or a stolen key) might send: traversal in
// {room}, deep JSON, unknown methods, a system message that names its
// sender. Each is refused in words, and no system message passes for a
// user's talk.
func TestAttackModerationAPIHostileRequests(t *testing.T) {
	srv := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, srv)
	alice := dialRooms(t, srv.addr, "alice")
	deep := `{"content": ` + strings.Repeat("[", 30000) + strings.Repeat("]", 30000) + "}"
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/rooms/..%2F..%2Fetc%2Fpasswd", nil, 0},
		{"GET", "/api/rooms/%2e%2e", nil, 0},
		{"POST", "/api/rooms/lobby/messages", deep, http.StatusBadRequest},
		{"POST", "/api/rooms/lobby/messages", `{"content": "hi", "user_name": "alice"}`, http.StatusBadRequest},
		{"POST", "/api/rooms/lobby/messages", `{"content": "hi", "content": "bye"}`, 0},
		{"PATCH", "/api/rooms/lobby/topic", `{"topic": "x"}`, http.StatusMethodNotAllowed},
		{"TRACE", "/api/audit", nil, http.StatusMethodNotAllowed},
		{"POST", "/api/bans", `{"user": "server"}`, http.StatusForbidden},
		{"POST", "/api/rooms/lobby/mute", `{"user": "SERVER"}`, http.StatusForbidden},
		{"PUT", "/api/rooms/lobby/moderators/server", nil, http.StatusForbidden},
	} {
		r := api.do(c.method, c.path, c.body)
		text := r.errorText(t)
		t.Logf("%s %s %.40v: %d %q", c.method, c.path, c.body, r.status, text)
		if c.status != 0 && r.status != c.status || r.status < 400 && c.body != `{"content": "hi", "content": "bye"}` || text == "" && r.status >= 400 {
			t.Errorf("%s %s: %d %q, want %d with words", c.method, c.path, r.status, text, c.status)
		}
	}
	m := alice.until(model.TypeTalk)
	if m.UserName != model.SystemName {
		t.Errorf("the API's message is from %q, want %q", m.UserName, model.SystemName)
	}
}

// The operator's messages are the server API's: a room's owner may not
// delete them, nor mute or ban the name "server"; the API deletes them.
func TestAttackModerationSystemMessageIsTheOperators(t *testing.T) {
	srv := startMod(t, "-api-key", testAPIKey)
	api := newAPIClient(t, srv)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	seq := jsonInt(api.want(http.StatusOK, "POST", "/api/rooms/den/messages", map[string]any{"content": "maintenance at noon"})["seq"])
	m := alice.until(model.TypeTalk)
	if m.UserName != model.SystemName || fmt.Sprint(m.Seq) != seq {
		t.Fatalf("system message: %v (seq %s)", m, seq)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: m.Seq})
	alice.refusedWith("den", "server is the operator's name")
	alice.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "Server"})
	alice.refusedWith("den", "Server is the operator's name")
	api.want(http.StatusOK, "DELETE", "/api/rooms/den/messages/"+seq, nil)
	if d := alice.until(model.TypeDelete); d.TargetSeq != m.Seq || d.By != "api" {
		t.Errorf("the API's delete: %v", d)
	}
}

// Naming moderators without end (each naming rewrites the room's
// settings whole, and every role check reads them): a room has at most
// service.MaxRoomModerators; past that, a naming is refused in words
// until one is unnamed, and renaming one already named is taken.
func TestAttackModerationModeratorFlood(t *testing.T) {
	srv := startMod(t, "-api-key", testAPIKey)
	api := newAPIClient(t, srv)
	dialMod(t, srv.addr, "alice", "", "den")
	for i := range service.MaxRoomModerators {
		api.want(http.StatusOK, "PUT", fmt.Sprintf("/api/rooms/den/moderators/m%d", i), nil)
	}
	r := api.do("PUT", "/api/rooms/den/moderators/onemore", nil)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.errorText(t), "the most it may have") {
		t.Errorf("moderator %d: %d %s", service.MaxRoomModerators+1, r.status, r.body)
	}
	api.want(http.StatusOK, "PUT", "/api/rooms/den/moderators/m7", nil)
	api.want(http.StatusOK, "DELETE", "/api/rooms/den/moderators/m7", nil)
	api.want(http.StatusOK, "PUT", "/api/rooms/den/moderators/onemore", nil)
}

// Behind a trusted proxy that appends the client's address, an attacker
// who writes the operator's address first in X-Forwarded-For is counted
// as itself (the rightmost address the proxy did not pass over): it
// locks out its own forwarded address, not the operator's.
func TestAttackModerationAPILockoutBehindProxy(t *testing.T) {
	srv := start(t, "-api-key", testAPIKey, "-trusted-proxies", proxyAddr)
	const operator, attacker = "198.51.100.10", "203.0.113.66"
	api := newAPIClientFrom(t, srv, proxyAddr)
	api.key = "wrong-key-0123456789"
	for range 12 {
		api.do("GET", "/api/rooms", nil, "X-Forwarded-For", operator+", "+attacker)
	}
	if r := api.do("GET", "/api/rooms", nil, "X-Forwarded-For", attacker); r.status != http.StatusTooManyRequests {
		t.Errorf("the attacker's forwarded address: %d, want 429", r.status)
	}
	api.key = testAPIKey
	if r := api.do("GET", "/api/rooms", nil, "X-Forwarded-For", operator); r.status != http.StatusOK {
		t.Errorf("the operator's forwarded address: %d %s, want 200", r.status, r.body)
	}
}
