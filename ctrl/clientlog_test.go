package ctrl

import (
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
)

// entries are the hook's lines with message msg.
func (ts *testServer) entries(msg string) []*logrus.Entry {
	var out []*logrus.Entry
	for _, e := range ts.logs.AllEntries() {
		if e.Message == msg {
			out = append(out, e)
		}
	}
	return out
}

// Rejected frames are logged a few times per address, over all its
// connections, and the client's values in them are clipped.
func TestRejectedFramesAreSampledPerAddress(t *testing.T) {
	cfg := testConfig()
	cfg.MsgRate = 0
	ts := startServer(t, cfg)
	huge := strings.Repeat("t", 15<<10)
	for _, name := range []string{"alice", "bob"} {
		c := ts.join(name)
		for range 50 {
			c.send(&model.ChatRoomRequest{Type: huge})
		}
		for range 50 {
			if m := c.expect(model.TypeError); !strings.HasPrefix(m.Content, config.ReplyUnknownType) || len(m.Content) > 100 {
				t.Fatalf("reply %q", m.Content)
			}
		}
	}
	lines := ts.entries("frame rejected")
	if len(lines) != logsPerAddr {
		t.Errorf("%d lines for 100 rejected frames from one address, want %d", len(lines), logsPerAddr)
	}
	for _, e := range lines {
		if r, _ := e.Data["reason"].(string); len(r) > maxReason+20 {
			t.Errorf("a reason of %d bytes was logged", len(r))
		}
	}
}

func TestHTTPErrorLogIsSampledPerAddress(t *testing.T) {
	ts := startServer(t, testConfig())
	el := ts.chat.ErrorLog()
	for range 100 {
		el.Printf("http: TLS handshake error from 127.0.0.2:%d: EOF", 40000)
	}
	el.Printf("http: TLS handshake error from [::1]:5000: EOF")
	el.Printf("http: something else %s", strings.Repeat("x", 5000))
	var tls, other int
	for _, e := range ts.logs.AllEntries() {
		switch {
		case strings.Contains(e.Message, "TLS handshake error") && e.Level == logrus.DebugLevel:
			tls++
		case strings.HasPrefix(e.Message, "http: something else") && e.Level == logrus.WarnLevel:
			other++
			if len(e.Message) > maxHTTPLogLine+20 {
				t.Errorf("a line of %d bytes was logged", len(e.Message))
			}
		}
	}
	if tls != logsPerAddr+1 || other != 1 {
		t.Errorf("%d TLS lines (want %d), %d others (want 1)", tls, logsPerAddr+1, other)
	}
}

func TestLineAddr(t *testing.T) {
	for line, want := range map[string]string{
		"http: TLS handshake error from 203.0.113.7:51234: EOF":         "203.0.113.7",
		"http: panic serving [2001:db8::1:2]:443: boom":                 "2001:db8::",
		"http: superfluous response.WriteHeader call from x.y (a.go:1)": "invalid IP",
		"http: Accept error: too many open files; retrying in 5ms":      "invalid IP",
	} {
		if got := lineAddr(line); got.String() != want {
			t.Errorf("lineAddr(%q) = %v, want %v", line, got, want)
		}
	}
}
