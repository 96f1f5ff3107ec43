package chatserver

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

// The server API's key: off without it, 401 without the right one, 429
// for an address that keeps guessing, counted on /metrics.

// TestAPIOffWithoutKey: without -api-key there is no /api/, and the 404
// says how to turn it on; the rest of the server is as before.
func TestAPIOffWithoutKey(t *testing.T) {
	r := start(t)
	api := newAPIClient(t, r)
	for _, path := range []string{"/api/rooms", "/api/", "/api/anything/else"} {
		reply := api.do("GET", path, nil)
		if reply.status != http.StatusNotFound || reply.errorText(t) != "the server API is off: start the server with -api-key" {
			t.Errorf("GET %s without -api-key: %d %s", path, reply.status, reply.body)
		}
	}
	if got := status(t, "http://"+r.addr+"/healthz"); got != http.StatusOK {
		t.Errorf("/healthz: %d", got)
	}
}

// TestAPIKeyTooShort: a key under 16 bytes stops the server at start, in
// words.
func TestAPIKeyTooShort(t *testing.T) {
	var stderr bytes.Buffer
	code := Run(context.Background(), []string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-api-key", "short"}, noEnv, &stderr, nil)
	if code == 0 || !strings.Contains(stderr.String(), "-api-key must be at least 16 bytes") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// TestAPIKeyFromEnvironment: CHATROOM_API_KEY sets the key, as every flag's
// variable does.
func TestAPIKeyFromEnvironment(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "CHATROOM_API_KEY" {
			return testAPIKey, true
		}
		return "", false
	}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		done <- Run(ctx, []string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir()}, env, &stderr, func(a string) { ready <- a })
	}()
	defer func() { cancel(); <-done }()
	var addr string
	select {
	case addr = <-ready:
	case c := <-done:
		done <- c
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	api := newAPIClient(t, &running{addr: addr})
	api.want(http.StatusOK, "GET", "/api/rooms", nil)
}

// TestAPIKeyHeaders: the key is accepted as Authorization: Bearer (any
// case of the scheme) and as X-API-Key; a missing or wrong one gets 401
// with WWW-Authenticate, whatever the path.
func TestAPIKeyHeaders(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	api.want(http.StatusOK, "GET", "/api/rooms", nil)
	api.want(http.StatusOK, "GET", "/api/rooms", nil, "Authorization", "bearer "+testAPIKey)
	api.want(http.StatusOK, "GET", "/api/rooms", nil, "Authorization", "", "X-API-Key", testAPIKey)
	for _, c := range []struct {
		name   string
		header []string
		words  string
	}{
		{"no key", []string{"Authorization", ""}, "needs its key"},
		{"wrong Bearer", []string{"Authorization", "Bearer " + testAPIKey + "x"}, "wrong API key"},
		{"wrong X-API-Key", []string{"Authorization", "", "X-API-Key", "nope"}, "wrong API key"},
		{"Basic", []string{"Authorization", "Basic " + testAPIKey}, "needs its key"},
		{"prefix of the key", []string{"Authorization", "Bearer " + testAPIKey[:16]}, "wrong API key"},
	} {
		for _, path := range []string{"/api/rooms", "/api/nothing"} {
			reply := api.do("GET", path, nil, c.header...)
			if reply.status != http.StatusUnauthorized || !strings.HasPrefix(reply.header.Get("WWW-Authenticate"), "Bearer") || !strings.Contains(reply.errorText(t), c.words) {
				t.Errorf("%s, GET %s: %d WWW-Authenticate %q %s", c.name, path, reply.status, reply.header.Get("WWW-Authenticate"), reply.body)
			}
		}
	}
	if n := scrape(t, nil, r.metrics, `chatroom_api_requests_total{result="unauthorized"}`); n != 10 {
		t.Errorf("unauthorized requests counted: %v, want 10", n)
	}
	if n := scrape(t, nil, r.metrics, `chatroom_api_requests_total{result="served"}`); n != 3 {
		t.Errorf("served requests counted: %v, want 3", n)
	}
}

// TestAPIGuessing: an address that sends 10 wrong keys gets 429 with
// Retry-After for every request after, the right key too, until its
// allowance refills; it is counted and said once in the log.
func TestAPIGuessing(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	for i := range 10 {
		if reply := api.do("GET", "/api/rooms", nil, "Authorization", "Bearer guess"); reply.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i, reply.status, reply.body)
		}
	}
	for _, key := range []string{"guess", testAPIKey} {
		reply := api.do("GET", "/api/rooms", nil, "Authorization", "Bearer "+key)
		if reply.status != http.StatusTooManyRequests || reply.header.Get("Retry-After") == "" || !strings.Contains(reply.errorText(t), "too many requests with a wrong API key") {
			t.Errorf("after 10 guesses, key %q: %d Retry-After %q %s", key, reply.status, reply.header.Get("Retry-After"), reply.body)
		}
	}
	if n := scrape(t, nil, r.metrics, `chatroom_api_requests_total{result="throttled"}`); n != 2 {
		t.Errorf("throttled requests counted: %v, want 2", n)
	}
	if n := strings.Count(r.stderr.String(), "too many wrong keys"); n != 1 {
		t.Errorf("the log says it %d times, want once", n)
	}
}
