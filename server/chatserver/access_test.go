package chatserver

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// Who may connect: the origin check for browser pages, and tokens.

func TestOriginCheck(t *testing.T) {
	r := start(t, "-allowed-origins", "https://chat.example.com")
	url := "ws://" + r.addr + "/ws"
	for _, tc := range []struct {
		origin string
		status int
	}{
		{"", http.StatusSwitchingProtocols}, // native clients
		{"http://" + r.addr, http.StatusSwitchingProtocols},
		{"https://chat.example.com", http.StatusSwitchingProtocols},
		{"https://CHAT.example.com/", http.StatusSwitchingProtocols},
		{"https://evil.example", http.StatusForbidden},
		{"https://chat.example.com.evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		status, reason, _ := handshake(t, nil, url, h)
		if status != tc.status {
			t.Errorf("Origin %q: status %d (%s), want %d", tc.origin, status, reason, tc.status)
		}
		if status == http.StatusForbidden && !strings.Contains(reason, "origin not allowed") {
			t.Errorf("Origin %q: reason %q", tc.origin, reason)
		}
	}
	// A page from another origin is not upgraded even to be told why.
	h := http.Header{"Origin": {"https://evil.example"}, "Sec-Websocket-Protocol": {model.SubprotocolRefusals}}
	if status, reason, _ := handshake(t, nil, url, h); status != http.StatusForbidden {
		t.Errorf("another origin offering %s: %d %s, want 403", model.SubprotocolRefusals, status, reason)
	}
}

func TestAuth(t *testing.T) {
	const secret = "a-secret-for-tests-32-bytes-long"
	r := start(t, "-auth-secret", secret)
	url := "ws://" + r.addr + "/ws"
	now := time.Now()
	mint := func(sec, name string, ttl time.Duration, at time.Time) string {
		tok, err := service.MintToken([]byte(sec), name, ttl, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// The token subcommand mints what the server accepts.
	var out, errOut bytes.Buffer
	env := func(k string) (string, bool) { return secret, k == config.EnvName("auth-secret") }
	if c := mintToken([]string{"-sub", "carol", "-ttl", "1h"}, env, &out, &errOut); c != 0 {
		t.Fatalf("token subcommand: %d %s", c, errOut.String())
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	for _, tc := range []struct {
		name   string
		url    string
		header http.Header
		status int
		reason string
		user   string
	}{
		{"no token", url, nil, 401, "authentication required", ""},
		{"username alone", url, http.Header{"Username": {"bob"}}, 401, "authentication required", ""},
		{"not bearer", url, http.Header{"Authorization": {"Basic Ym9iOmJvYg=="}}, 401, "authentication required", ""},
		{"garbage", url, bearer("not.a.token"), 401, "malformed", ""},
		{"wrong secret", url, bearer(mint("other", "bob", time.Hour, now)), 401, "signature is invalid", ""},
		{"expired", url, bearer(mint(secret, "bob", time.Minute, now.Add(-time.Hour))), 401, "expired", ""},
		{"other user's name", url, func() http.Header {
			h := bearer(mint(secret, "bob", time.Hour, now))
			h.Set("Username", "mallory")
			return h
		}(), 401, `"bob"`, ""},
		{"bearer", url, bearer(mint(secret, "bob", time.Hour, now)), 101, "", "bob"},
		{"query", url + "?token=" + mint(secret, "张三", time.Hour, now), nil, 101, "", "张三"},
		{"subcommand's token", url, bearer(strings.TrimSpace(out.String())), 101, "", "carol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, reason, ws := handshake(t, nil, tc.url, tc.header)
			if status != tc.status || !strings.Contains(reason, tc.reason) {
				t.Fatalf("status %d %q, want %d with %q", status, reason, tc.status, tc.reason)
			}
			if ws != nil {
				if m := until(t, ws, model.TypeJoin); m.UserName != tc.user {
					t.Fatalf("joined as %q, want %q", m.UserName, tc.user)
				}
			}
		})
	}
}
