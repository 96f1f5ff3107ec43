package chatserver

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/poll"
)

// Limits on what connections may hold: connections in total and per
// address, connections not yet upgraded, header size and header time.

// Connections that never finish their request hold files too: past
// -max-conns plus 256, a new one is closed at once.
func TestPendingConnectionsAreCapped(t *testing.T) {
	r := start(t, "-max-conns", "4", "-handshake-timeout", "30s")
	const limit = 4 + config.FDReserve/2
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// closedWithin says whether the server closed c within d, after
	// what it wrote (a 503 in words). "At once" is anything well inside
	// the 30 s handshake timeout, however slow the machine.
	closedWithin := func(c net.Conn, d time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		return !isTimeout(err)
	}
	for range limit + 1 {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if !closedWithin(conns[limit], waitTime) {
		t.Fatalf("connection %d was kept open", limit+1)
	}
	for i, c := range conns[:limit] {
		if closedWithin(c, time.Millisecond) {
			t.Fatalf("connection %d of %d was closed", i+1, limit)
		}
	}
	// When the idle ones go, new connections are served again.
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		status, reason, _ := handshake(t, nil, "ws://"+r.addr+"/ws", nil)
		return poll.Check(status == 101, "the server to serve again, not %d %s", status, reason)
	})
}

func TestConnectionLimits(t *testing.T) {
	r := start(t, "-max-conns", "4", "-max-conns-per-ip", "2")
	url := "ws://" + r.addr + "/ws"
	a := dialerFrom("127.0.0.1")
	b := dialerFrom("127.0.0.2")
	var open []*websocket.Conn
	for i, tc := range []struct {
		d      *websocket.Dialer
		status int
		reason string
	}{
		{a, 101, ""},
		{a, 101, ""},
		{a, 503, config.RefuseTooManyFromIP}, // a third from one address
		{b, 101, ""},                         // another address still may
		{b, 101, ""},
		{dialerFrom("127.0.0.3"), 503, config.RefuseServerFull}, // four in all
	} {
		status, reason, ws := handshake(t, tc.d, url, nil)
		if status != tc.status || reason != tc.reason {
			t.Fatalf("connection %d: %d %q, want %d %q", i, status, reason, tc.status, tc.reason)
		}
		if ws != nil {
			open = append(open, ws)
		}
	}
	// A handshake is counted accepted once the server has written its 101,
	// which the client may read first.
	for result, want := range map[string]float64{"full": 1, "per_ip_limit": 1, "accepted": 4} {
		poll.CheckFor(t, waitTime, pollEvery, func() error {
			got := scrape(t, nil, r.metrics, `chatroom_handshakes_total{result="`+result+`"}`)
			return poll.Check(got == want, "handshakes %s: %v, want %v", result, got, want)
		})
	}
	// A connection that ends frees its slot.
	open[0].Close()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		status, reason, _ := handshake(t, a, url, nil)
		return poll.Check(status == 101, "a slot for 127.0.0.1 again, not %d %s", status, reason)
	})
}

func TestHTTPLimits(t *testing.T) {
	r := start(t, "-handshake-timeout", "300ms", "-max-header-bytes", "4096")
	// A header block far over the limit: 431.
	req, _ := http.NewRequest("GET", "http://"+r.addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("big header: %s", resp.Status)
	}
	// Slowloris: headers that never finish are cut at the handshake timeout.
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\n")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(waitTime))
	io.Copy(io.Discard, c) // until the server closes
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("an unfinished request was kept %v", took)
	}
}
