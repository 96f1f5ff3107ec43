package ctrl

import (
	"context"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/model"
	"chatroom/service"
)

func TestExit(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	b := ts.join("bob")
	a.expect(model.TypeJoin)
	b.send(&model.ChatRoomRequest{Type: model.TypeExit})
	if ce := b.expectClose(); ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("close %d %q, want 1000", ce.Code, ce.Text)
	}
	if m := a.expect(model.TypeLeave); m.UserName != "bob" || m.Seq == 0 {
		t.Fatalf("got %v", m)
	}
	a.send(&model.ChatRoomRequest{Type: model.TypeUserList})
	if ul := a.expect(model.TypeUserList); len(ul.UserList) != 1 || ul.UserList["alice"] != "alice" {
		t.Fatalf("user list %v", ul.UserList)
	}
	poll.CheckFor(t, waitTime, pollEvery, ts.connectionsAre(1)) // bob's ended
}

// A client that just drops the connection is removed and announced too.
func TestDroppedConnectionLeaves(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	b := ts.join("bob")
	a.expect(model.TypeJoin)
	b.ws.NetConn().Close()
	if m := a.expect(model.TypeLeave); m.UserName != "bob" {
		t.Fatalf("got %v", m)
	}
}

func TestJoinPreambleAndPresence(t *testing.T) {
	cfg := testConfig()
	cfg.History = 3
	ts := startServer(t, cfg)
	a := ts.join("alice")
	for i := range 5 {
		a.talk(fmt.Sprint("m", i))
		a.expect(model.TypeTalk)
	}
	// bob receives: his own join, the full list, the last 3 talks, then live.
	b := ts.dial(dialOpts{header: "bob", noJoin: true})
	j := b.expect(model.TypeJoin)
	if j.UserName != "bob" {
		t.Fatalf("first frame is the join of %q", j.UserName)
	}
	ul := b.expect(model.TypeUserList)
	if len(ul.UserList) != 2 || ul.UserList["alice"] != "alice" || ul.UserList["bob"] != "bob" {
		t.Fatalf("user list %v", ul.UserList)
	}
	var last uint64
	for i := 2; i < 5; i++ {
		m := b.expect(model.TypeTalk)
		if m.Content != fmt.Sprint("m", i) || m.UserName != "alice" || m.Seq <= last {
			t.Fatalf("history %d: %v", i, m)
		}
		last = m.Seq
	}
	if m := a.expect(model.TypeJoin); m.UserName != "bob" || m.Seq != j.Seq {
		t.Fatalf("alice got %v", m)
	}
	a.talk("live")
	if m := b.expect(model.TypeTalk); m.Content != "live" || m.Seq <= j.Seq {
		t.Fatalf("bob got %v", m)
	}
}

func TestPresenceOff(t *testing.T) {
	cfg := testConfig()
	cfg.Presence = false
	ts := startServer(t, cfg)
	a := ts.join("alice")
	b := ts.join("bob") // still gets its own join (its name) and the list
	b.send(&model.ChatRoomRequest{Type: model.TypeExit})
	b.expectClose()
	a.talk("only me")
	// alice hears of neither bob's join nor his leave.
	if m := a.next(); m.Type != model.TypeTalk || m.Content != "only me" {
		t.Fatalf("alice got %v", m)
	}
}

// A session whose claim the others found gone (its node was cut off from
// NATS too long) is told why, then closed with 1012 so that its client
// comes back; the close is counted as claim_lost, and the name is free.
func TestClaimLostEndsSessionWithReason(t *testing.T) {
	b := service.NewMemoryBroker()
	ts := startServerOn(t, testConfig(), b)
	alice := ts.join("alice")
	bob := ts.join("bob")
	alice.expect(model.TypeJoin) // bob's
	if err := b.Publish(context.Background(), &model.ChatRoomRequest{Type: model.TypeLeave, UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	if m := alice.expect(model.TypeError); m.Content != config.NoticeClaimLost {
		t.Fatalf("alice was told %q", m.Content)
	}
	if ce := alice.expectClose(); ce.Code != websocket.CloseServiceRestart || ce.Text != service.DisconnectClaimLost.Reason() {
		t.Fatalf("alice's close: %d %q", ce.Code, ce.Text)
	}
	if m := bob.expect(model.TypeLeave); m.UserName != "alice" {
		t.Fatalf("bob saw %q leave", m.UserName)
	}
	poll.CheckFor(t, waitTime, pollEvery, ts.connectionsAre(1)) // alice's ended
	if got := ts.chat.Stats().Closes["claim_lost"]; got != 1 {
		t.Fatalf("claim_lost closes: %d", got)
	}
	ts.join("alice") // the name is free again
	if m := bob.expect(model.TypeJoin); m.UserName != "alice" {
		t.Fatalf("bob saw %q join", m.UserName)
	}
	bob.talk("still one alice?")
	bob.expect(model.TypeTalk) // no second leave came before it
}
