package chatserver

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/internal/testpki"
)

// Attack 7 of the abuse issue: the origin check and the Host check. A page
// from another scheme or port is not this server's origin; a page on an
// attacker's name rebound to 127.0.0.1 (DNS rebinding) sends the
// attacker's name as Host and Origin, both alike, and must be refused.

func TestAttack7OriginSchemeAndPort(t *testing.T) {
	r := start(t)
	_, port, _ := net.SplitHostPort(r.addr)
	url := "ws://" + r.addr + "/ws"
	attacker := dialerFrom(attackerAddr)
	for _, tc := range []struct {
		origin, host string
		status       int
	}{
		{"foo://127.0.0.1:" + port, "", http.StatusForbidden},
		{"https://127.0.0.1:" + port, "", http.StatusForbidden}, // this server serves http
		{"http://127.0.0.1:1", "", http.StatusForbidden},        // another port
		{"http://127.0.0.1", "", http.StatusForbidden},          // port 80
		{"http://127.0.0.1:" + port + "@evil.example", "", http.StatusForbidden},
		{"http://127.0.0.1:" + port, "", http.StatusSwitchingProtocols}, // the server's own page
		{"http://LOCALHOST:" + port, "localhost:" + port, http.StatusSwitchingProtocols},
		{"http://localhost:" + port, "localhost:0" + port, http.StatusSwitchingProtocols}, // the same port
	} {
		h := http.Header{"Origin": {tc.origin}}
		if tc.host != "" {
			h.Set("Host", tc.host)
		}
		status, reason, _ := handshake(t, attacker, url, h)
		if status != tc.status {
			t.Errorf("Origin %q, Host %q: %d %q, want %d", tc.origin, tc.host, status, reason, tc.status)
		}
	}
	if got := scrape(t, nil, r.metrics, `chatroom_handshakes_total{result="forbidden"}`); got != 5 {
		t.Errorf("forbidden handshakes counted: %v, want 5", got)
	}

	// Under TLS the server's origin is https.
	pki := testpki.New(t)
	cert, key := pki.ServerFiles()
	rt := start(t, "-tls-cert", cert, "-tls-key", key)
	_, port, _ = net.SplitHostPort(rt.addr)
	d := &websocket.Dialer{HandshakeTimeout: waitTime, TLSClientConfig: &tls.Config{RootCAs: pki.Pool}}
	for origin, want := range map[string]int{
		"http://127.0.0.1:" + port:  http.StatusForbidden,
		"https://127.0.0.1:" + port: http.StatusSwitchingProtocols,
	} {
		if status, reason, _ := handshake(t, d, "wss://"+rt.addr+"/ws", http.Header{"Origin": {origin}}); status != want {
			t.Errorf("TLS server, Origin %q: %d %q, want %d", origin, status, reason, want)
		}
	}
}

func TestAttack7DNSRebinding(t *testing.T) {
	r := start(t) // on 127.0.0.1, as by default
	_, port, _ := net.SplitHostPort(r.addr)
	evil := "evil.example:" + port
	// The rebound page opens the chat: its Origin and Host agree.
	status, reason, _ := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws", http.Header{"Origin": {"http://" + evil}, "Host": {evil}})
	if status != http.StatusMisdirectedRequest || !strings.Contains(reason, "does not answer to the name evil.example") {
		t.Errorf("WebSocket from a rebound name: %d %q, want 421", status, reason)
	}
	// And reads any other page.
	for _, path := range []string{"/", "/healthz", "/readyz", "/app.js"} {
		if status, body := getFrom(t, attackerAddr, "http://"+r.addr+path, evil); status != http.StatusMisdirectedRequest {
			t.Errorf("GET %s with Host %s: %d %.80q, want 421", path, evil, status, body)
		}
	}
	// A private listener on loopback is guarded the same way.
	if status, _ := getFrom(t, attackerAddr, r.metrics+"/metrics", evil); status != http.StatusMisdirectedRequest {
		t.Errorf("GET /metrics with Host %s: %d, want 421", evil, status)
	}
	if got := scrape(t, nil, r.metrics, "chatroom_host_refused_total"); got != 6 {
		t.Errorf("refused hosts counted: %v, want 6", got)
	}
	// Loopback names keep working, whatever the port.
	for _, host := range []string{r.addr, "localhost:" + port, "[::1]:" + port, "localhost"} {
		if status, body := getFrom(t, bystanderAddr, "http://"+r.addr+"/healthz", host); status != http.StatusOK {
			t.Errorf("GET /healthz with Host %s: %d %q, want 200", host, status, body)
		}
	}
	dialFrom(t, bystanderAddr, r.addr, "bystander")

	// Told its public name, the server answers to it too, and still not to
	// the attacker's.
	rp := start(t, "-public-names", "chat.example.com, other.example")
	_, port, _ = net.SplitHostPort(rp.addr)
	public := "chat.example.com:" + port
	if status, reason, _ := handshake(t, dialerFrom(bystanderAddr), "ws://"+rp.addr+"/ws", http.Header{"Origin": {"http://" + public}, "Host": {public}}); status != http.StatusSwitchingProtocols {
		t.Errorf("WebSocket to a public name: %d %q, want 101", status, reason)
	}
	if status, _ := getFrom(t, attackerAddr, "http://"+rp.addr+"/", "evil.example:"+port); status != http.StatusMisdirectedRequest {
		t.Errorf("GET / with Host evil.example on a server with public names: %d, want 421", status)
	}
}

// getFrom sends GET url from the loopback address src with host as the
// Host header, and returns the status and the body.
func getFrom(t *testing.T, src, url, host string) (int, string) {
	t.Helper()
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: waitTime}
	tr := &http.Transport{DialContext: nd.DialContext}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := (&http.Client{Transport: tr, Timeout: waitTime}).Do(req)
	if err != nil {
		t.Fatalf("GET %s (Host %s): %v", url, host, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(body)
}
