package chatserver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/model"
	"chatroom/service"
)

// The per-connection rate limit: a burst passes, the excess is refused in
// words, a flood is closed however it is paced.

func TestRateLimit(t *testing.T) {
	// A rate this slow refills nothing during the test: what passes is the
	// burst, exactly.
	r := start(t, "-msg-rate", "0.01", "-msg-burst", "10", "-rate-close", "30")
	a := dial(t, r.addr, "alice")
	until(t, a, model.TypeUserList)
	// A burst of 15: 10 go through, and 5 are refused in words.
	for i := range 15 {
		send(t, a, model.TypeTalk, fmt.Sprint("talk ", i))
	}
	talks, limited := 0, 0
	for talks+limited < 15 {
		m, err := read(t, a)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case m.Type == model.TypeTalk:
			talks++
		case m.Type == model.TypeError && m.Content == config.ReplyRateLimited:
			limited++
		}
	}
	if talks != 10 || limited != 5 {
		t.Errorf("%d talks passed, %d limited; want 10 and 5", talks, limited)
	}
	// A flood is closed: 30 refusals more than the rate forgives.
	b := dial(t, r.addr, "bob")
	until(t, b, model.TypeUserList)
	for range 100 {
		if err := b.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList})); err != nil {
			break // closed already
		}
	}
	for {
		_, _, err := b.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || !strings.Contains(err.Error(), service.DisconnectFlood.Reason()) {
			t.Fatalf("flood ended with %v, want 1008 %q", err, service.DisconnectFlood.Reason())
		}
		break
	}
	base := r.metrics
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		n := scrape(t, nil, base, `chatroom_closes_total{cause="flood"}`)
		return poll.Check(n == 1, "the flood close counted once, not %v times", n)
	})
	if got := scrape(t, nil, base, "chatroom_rate_limited_frames_total"); got < 30 {
		t.Errorf("rate-limited frames %v, want >= 30", got)
	}
}

// A flood paced to slip allowed frames between the refused ones is still a
// flood: refusals are forgiven only at the rate, not by one allowed frame.
func TestPacedFloodIsClosed(t *testing.T) {
	r := start(t, "-msg-rate", "20", "-msg-burst", "1", "-rate-close", "10")
	a := dial(t, r.addr, "alice")
	until(t, a, model.TypeUserList)
	closed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := a.ReadMessage(); err != nil {
				closed <- err
				return
			}
		}
	}()
	tick := time.NewTicker(5 * time.Millisecond) // 200 frames a second, 10 times the rate
	defer tick.Stop()
	for sent := 0; ; sent++ {
		select {
		case err := <-closed:
			if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || !strings.Contains(err.Error(), service.DisconnectFlood.Reason()) {
				t.Fatalf("ended with %v, want 1008 %q", err, service.DisconnectFlood.Reason())
			}
			t.Logf("closed after %d frames", sent)
			return
		case <-tick.C:
		}
		if sent > 2000 {
			t.Fatal("a paced flood of 2000 frames was not closed")
		}
		a.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList}))
	}
}
