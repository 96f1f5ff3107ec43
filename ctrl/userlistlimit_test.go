package ctrl

import (
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/model"
)

// The user list's own limit: each connection has its bucket, and the
// connections of one address share another, which reconnecting does not
// refill.
func TestUserListLimit(t *testing.T) {
	cfg := testConfig()
	cfg.UserListInterval, cfg.UserListBurst = time.Hour, 2 // nothing refills during the test
	cfg.UserListRatePerIP, cfg.UserListBurstPerIP = 0.001, 3
	ts := startServer(t, cfg)
	a, b := ts.join("alice"), ts.join("bob")
	a.expect(model.TypeJoin) // bob's
	ask := func(c *client) string {
		t.Helper()
		c.send(&model.ChatRoomRequest{Type: model.TypeUserList})
		m := c.next()
		if m.Type == model.TypeError {
			return m.Content
		}
		return m.Type
	}
	limited := config.ReplyUserListLimited
	for i, want := range []struct {
		c     *client
		reply string
	}{
		{a, model.TypeUserList}, {a, model.TypeUserList}, // alice's burst
		{a, limited},            // alice's own bucket is empty
		{b, model.TypeUserList}, // the address's third
		{b, limited},            // the address's bucket is empty, bob's is not
		{b, limited},            // and refusals did not spend bob's
	} {
		if got := ask(want.c); got != want.reply {
			t.Fatalf("request %d: %q, want %q", i, got, want.reply)
		}
	}
	if n := ts.chat.Stats().UserListLimited; n != 3 {
		t.Errorf("%d refusals counted, want 3", n)
	}
	// The address's bucket outlives its connections until it is full
	// again: closing them all and coming back does not refill it.
	a.ws.Close()
	b.ws.Close()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		n := ts.chat.Connections()
		return poll.Check(n == 0, "%d connections open after both closed", n)
	})
	if got := ask(ts.join("carol")); got != limited {
		t.Fatalf("a new connection from the address after the others left: %q, want %q", got, limited)
	}
}
