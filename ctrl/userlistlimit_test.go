package ctrl

import (
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/model"
)

// The user list's own limit: each connection has its bucket, the
// connections of one address share another, and the address's bucket goes
// with its last connection.
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
	a.ws.Close()
	b.ws.Close()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		ts.chat.userLists.mu.Lock()
		n := len(ts.chat.userLists.byIP)
		ts.chat.userLists.mu.Unlock()
		return poll.Check(n == 0, "%d address buckets kept after every connection closed", n)
	})
}
