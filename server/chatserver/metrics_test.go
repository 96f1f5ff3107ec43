package chatserver

import (
	"net/http"
	"strings"
	"testing"

	"chatroom/internal/poll"
	"chatroom/model"
)

// /metrics counts what happened; /readyz says 503 from the moment a
// shutdown begins.

func TestMetricsAndReadyz(t *testing.T) {
	r := start(t, "-shutdown-delay", "3s")
	base := "http://" + r.addr
	a := dial(t, r.addr, "alice")
	until(t, a, model.TypeUserList) // the join preamble
	send(t, a, model.TypeTalk, "你好")
	until(t, a, model.TypeTalk)

	for series, want := range map[string]float64{
		`chatroom_connections`:                         1,
		`chatroom_users`:                               1,
		`chatroom_handshakes_total{result="accepted"}`: 1,
		`chatroom_handshakes_total{result="conflict"}`: 0,
		`chatroom_frames_in_total{type="talk"}`:        1,
		`chatroom_frames_out_total{type="talk"}`:       1,
		`chatroom_closes_total{cause="slow_consumer"}`: 0,
		`chatroom_closes_total{cause="flood"}`:         0,
		`chatroom_rate_limited_frames_total`:           0,
	} {
		if got := scrape(t, nil, r.metrics, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	for _, series := range []string{"go_goroutines", "process_resident_memory_bytes", "chatroom_broadcast_fanout_seconds_count", "chatroom_deliveries_total"} {
		if got := scrape(t, nil, r.metrics, series); got <= 0 {
			t.Errorf("%s = %v, want > 0", series, got)
		}
	}

	// The server must keep answering during -shutdown-delay.
	ready := func() int { return status(t, base+"/readyz") }
	if s := ready(); s != 200 {
		t.Fatalf("/readyz before shutdown: %d", s)
	}
	r.cancel()
	// During -shutdown-delay the server still answers, but not ready.
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		s := ready()
		return poll.Check(s == http.StatusServiceUnavailable, "/readyz to say 503, not %d", s)
	})
	if r.wait(t) != 0 {
		t.Fatalf("exit code not 0: %s", r.stderr)
	}
	// The sockets reach the write pumps bare: writev works.
	if strings.Contains(r.stderr.String(), "writev") {
		t.Fatalf("the server warned about wrapped connections: %s", r.stderr)
	}
}
