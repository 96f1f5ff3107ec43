package chatserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"chatroom/service"
)

// FuzzHandshake sends arbitrary handshake parameters (the username header,
// the query string, the token, the Origin) to two real servers, one with
// -auth-secret and one without, written byte for byte as a client could.
// Every answer must be a well-formed HTTP response: 101, or one of the
// refusals with a reason in its body; never a 500, a hang or a crash.
//
//	go test -run '^$' -fuzz FuzzHandshake -fuzztime 5m ./server/chatserver
func FuzzHandshake(f *testing.F) {
	const secret = "a-secret-for-fuzzing-32-bytes-ok"
	open := start(f, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0", "-msg-rate", "0", "-msg-rate-per-ip", "0", "-userlist-rate-per-ip", "0")
	auth := start(f, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0", "-msg-rate-per-ip", "0", "-userlist-rate-per-ip", "0", "-auth-secret", secret)
	good, err := service.MintToken([]byte(secret), "张三", time.Hour, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add("alice", "", "", "")
	f.Add("", "username=%E5%BC%A0%E4%B8%89", "", "")
	f.Add("", "", good, "")
	f.Add("张三", "token="+good, "", "http://127.0.0.1")
	f.Add("bob", "", "x.y.z", "https://evil.example")
	f.Add(" ", "username=\x00", "Bearer", "null")
	f.Add(strings.Repeat("名", 100), "username=a&username=b", good+"x", "http://[::1")
	f.Fuzz(func(t *testing.T, username, query, token, origin string) {
		for _, r := range []*running{open, auth} {
			status, body := rawHandshake(t, r.addr, username, query, token, origin)
			switch status {
			case http.StatusSwitchingProtocols:
			case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
				http.StatusConflict, http.StatusServiceUnavailable:
				if strings.TrimSpace(body) == "" {
					t.Fatalf("%d without a reason", status)
				}
			case http.StatusRequestHeaderFieldsTooLarge, http.StatusExpectationFailed,
				http.StatusNotImplemented, http.StatusHTTPVersionNotSupported,
				http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestURITooLong:
				// net/http's own answers to a request the parameters
				// broke (CR LF in them makes new header or request lines).
			default:
				t.Fatalf("status %d %q for username %q query %q token %q origin %q", status, body, username, query, token, origin)
			}
		}
	})
}

// rawHandshake writes a WebSocket handshake with the given parameters as
// they are (so a parameter may break the request itself) and returns the
// status and body of the answer. The server must answer every request,
// even one the parameters broke.
func rawHandshake(t *testing.T, addr, username, query, token, origin string) (int, string) {
	c, err := net.DialTimeout("tcp", addr, waitTime)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitTime))
	var b strings.Builder
	b.WriteString("GET /ws")
	if query != "" {
		b.WriteString("?" + query)
	}
	b.WriteString(" HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
	for _, h := range [][2]string{{"username", username}, {"Authorization", "Bearer " + token}, {"Origin", origin}} {
		if h[1] != "" && h[1] != "Bearer " {
			b.WriteString(h[0] + ": " + h[1] + "\r\n")
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if isTimeout(err) {
			t.Fatalf("no answer within %v", waitTime)
		}
		t.Fatalf("no HTTP answer (%v) for username %q query %q token %q origin %q", err, username, query, token, origin)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return resp.StatusCode, ""
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}
