package chatserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

// Two server processes' worth of run, one NATS: one room.
func TestTwoNodesAreOneRoom(t *testing.T) {
	url := natstest.Start(t)
	a := start(t, "-nats", url, "-node", "a")
	b := start(t, "-nats", url, "-node", "b")
	alice := dial(t, a.addr, "alice")
	until(t, alice, model.TypeUserList)
	bob := dial(t, b.addr, "张三")
	if list := until(t, bob, model.TypeUserList).UserList; len(list) != 2 {
		t.Fatalf("张三's user list on node b: %v, want alice too", list)
	}
	if m := until(t, alice, model.TypeJoin); m.UserName != "张三" {
		t.Fatalf("alice saw %q join", m.UserName)
	}
	send(t, alice, model.TypeTalk, "你好，张三")
	got := until(t, bob, model.TypeTalk)
	if got.UserName != "alice" || got.Content != "你好，张三" {
		t.Fatalf("张三 got %+v", got)
	}
	if echo := until(t, alice, model.TypeTalk); echo.Seq != got.Seq {
		t.Fatalf("the nodes gave one talk seqs %d and %d", echo.Seq, got.Seq)
	}
	if got := scrape(t, nil, b.metrics, "chatroom_broker_connected"); got != 1 {
		t.Fatalf("chatroom_broker_connected = %v on node b", got)
	}
	// A name online on node a is taken on node b too.
	status, reason, _ := handshake(t, nil, "ws://"+b.addr+"/ws", http.Header{"Username": {"alice"}})
	if status != http.StatusConflict {
		t.Fatalf("alice on node b: %d %s, want 409", status, reason)
	}
}

func TestNATSUnreachableAtStartExits(t *testing.T) {
	var out syncBuffer
	code := Run(t.Context(), []string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-nats", "nats://127.0.0.1:1"}, noEnv, &out, nil)
	if code != 1 || !strings.Contains(out.String(), "cannot connect to NATS at nats://127.0.0.1:1") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
}

// Users on two nodes talk at once; a listener on each node hears every talk
// in the same order.
func TestTwoNodesOneOrderOverSockets(t *testing.T) {
	url := natstest.Start(t)
	nodes := []*running{
		start(t, "-nats", url, "-node", "a", "-msg-rate", "0", "-msg-rate-per-ip", "0", "-presence=false"),
		start(t, "-nats", url, "-node", "b", "-msg-rate", "0", "-msg-rate-per-ip", "0", "-presence=false"),
	}
	var listeners []*websocket.Conn
	for i, n := range nodes {
		l := dial(t, n.addr, fmt.Sprint("listener-", i))
		until(t, l, model.TypeUserList)
		listeners = append(listeners, l)
	}
	const perUser, usersPerNode = 25, 3
	var wg sync.WaitGroup
	for i, n := range nodes {
		for u := range usersPerNode {
			ws := dial(t, n.addr, fmt.Sprintf("talker-%d-%d", i, u))
			until(t, ws, model.TypeUserList)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range perUser {
					ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: fmt.Sprintf("%d-%d-%d 你好", i, u, k)}))
				}
			}()
		}
	}
	wg.Wait()
	total := len(nodes) * usersPerNode * perUser
	var heard [][]string
	for _, l := range listeners {
		var got []string
		for len(got) < total {
			m := until(t, l, model.TypeTalk)
			got = append(got, fmt.Sprint(m.Seq, " ", m.Content))
		}
		heard = append(heard, got)
	}
	if !slices.Equal(heard[0], heard[1]) {
		t.Fatal("the two nodes delivered the talks in different orders")
	}
}

// What was said on node a before node b even started is history on node b.
func TestHistoryAcrossNodes(t *testing.T) {
	url := natstest.Start(t)
	a := start(t, "-nats", url, "-node", "a")
	alice := dial(t, a.addr, "alice")
	until(t, alice, model.TypeUserList)
	for _, c := range []string{"早上好", "有人吗？"} {
		send(t, alice, model.TypeTalk, c)
		until(t, alice, model.TypeTalk)
	}
	b := start(t, "-nats", url, "-node", "b")
	bob := dial(t, b.addr, "bob")
	if list := until(t, bob, model.TypeUserList).UserList; len(list) != 2 {
		t.Fatalf("bob's user list %v", list)
	}
	for _, want := range []string{"早上好", "有人吗？"} {
		if m := until(t, bob, model.TypeTalk); m.Content != want || m.UserName != "alice" {
			t.Fatalf("history: got %+v, want alice's %q", m, want)
		}
	}
}

// A node process killed without a goodbye: its users leave the user list of
// the node that lives on, with leave events, once their claims expire, and
// their names are free again.
func TestKilledNodesUsersLeave(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	a, addrA := startProcess(t, "-nats", url, "-node", "a", "-claim-ttl", ttl.String())
	b := start(t, "-nats", url, "-node", "b", "-claim-ttl", ttl.String())
	for _, name := range []string{"ghost", "幽灵"} {
		until(t, dial(t, addrA, name), model.TypeUserList)
	}
	bob := dial(t, b.addr, "bob")
	if list := until(t, bob, model.TypeUserList).UserList; len(list) != 3 {
		t.Fatalf("bob's user list on node b: %v, want the ghosts too", list)
	}
	if err := a.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	gone := map[string]bool{}
	for len(gone) < 2 {
		gone[until(t, bob, model.TypeLeave).UserName] = true
	}
	t.Logf("the killed node's users left %v after it died (-claim-ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
	if !gone["ghost"] || !gone["幽灵"] {
		t.Fatalf("leaves for %v", gone)
	}
	send(t, bob, model.TypeUserList, "")
	if list := until(t, bob, model.TypeUserList).UserList; len(list) != 1 {
		t.Fatalf("bob's user list after: %v", list)
	}
	until(t, dial(t, b.addr, "幽灵"), model.TypeUserList) // the name is free again
}

// untilError reads from ws until an error frame whose content starts with
// prefix arrives.
func untilError(t *testing.T, ws *websocket.Conn, prefix string) {
	t.Helper()
	for range 100 {
		if m := until(t, ws, model.TypeError); strings.HasPrefix(m.Content, prefix) {
			return
		}
	}
	t.Fatalf("no error %q", prefix)
}

// talkUntilSent sends a talk from ws until the node takes it (it answers
// "message not sent" while its link to NATS is not quite back) and returns
// its echo.
func talkUntilSent(t *testing.T, ws *websocket.Conn, content string) *model.ChatRoomRequest {
	t.Helper()
	var echo *model.ChatRoomRequest
	poll.CheckFor(t, waitTime, 100*time.Millisecond, func() error {
		send(t, ws, model.TypeTalk, content)
		for range 1000 {
			m, err := read(t, ws)
			if err != nil {
				t.Fatalf("waiting for the talk %q: %v", content, err)
			}
			if m.Type == model.TypeTalk && m.Content == content {
				echo = m
				return nil
			}
			if m.Type == model.TypeError && strings.HasPrefix(m.Content, config.ReplyNotSent) {
				return fmt.Errorf("want the talk %q taken, not %q", content, m.Content)
			}
		}
		return fmt.Errorf("want the talk %q taken: no echo nor refusal in 1000 messages", content)
	})
	return echo
}

// NATS restarted under two nodes: users are told it is gone and back, a talk
// meanwhile is refused in words at once (not buffered to be sent later), a
// new user cannot join, the nodes are not ready; afterwards the room goes on
// in one order, and a node started later has the whole history.
func TestNATSRestartOverSockets(t *testing.T) {
	ns := natstest.StartServer(t)
	a := start(t, "-nats", ns.URL(), "-node", "a")
	b := start(t, "-nats", ns.URL(), "-node", "b")
	alice := dial(t, a.addr, "alice")
	until(t, alice, model.TypeUserList)
	bob := dial(t, b.addr, "bob")
	until(t, bob, model.TypeUserList)
	send(t, alice, model.TypeTalk, "重启之前")
	before := until(t, bob, model.TypeTalk)
	until(t, alice, model.TypeTalk)

	ns.Stop()
	untilError(t, alice, config.NoticeBusDown)
	untilError(t, bob, config.NoticeBusDown)
	send(t, alice, model.TypeTalk, "during")
	untilError(t, alice, config.ReplyNotSent)
	for _, n := range []*running{a, b} {
		if code := status(t, "http://"+n.addr+"/readyz"); code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz while NATS is down: %d", code)
		}
	}
	if status, reason, _ := handshake(t, nil, "ws://"+b.addr+"/ws", http.Header{"Username": {"carol"}}); status != http.StatusServiceUnavailable {
		t.Fatalf("joining while NATS is down: %d %s", status, reason)
	}

	ns.Restart()
	untilError(t, alice, config.NoticeBusUp)
	untilError(t, bob, config.NoticeBusUp)
	if code := status(t, "http://"+a.addr+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz once NATS is back: %d", code)
	}
	// The notice comes when the connection is back; JetStream may need a
	// moment more.
	after := talkUntilSent(t, bob, "重启之后")
	if m := until(t, alice, model.TypeTalk); m.Content != "重启之后" || m.Seq != after.Seq || m.Seq <= before.Seq {
		t.Fatalf("after the restart: %+v, want bob's talk %d after seq %d", m, after.Seq, before.Seq)
	}
	c := start(t, "-nats", ns.URL(), "-node", "c")
	carol := dial(t, c.addr, "carol")
	if list := until(t, carol, model.TypeUserList).UserList; len(list) != 3 {
		t.Fatalf("carol's user list: %v", list)
	}
	for _, want := range []string{"重启之前", "重启之后"} {
		if m := until(t, carol, model.TypeTalk); m.Content != want {
			t.Fatalf("carol's history: %q, want %q", m.Content, want)
		}
	}
}

// NATS restarted, and then a node process is killed: its users still leave
// the other node's list, with leave events, within the bound (the watch of
// the claims is made again after the restart, and the claims are
// reconciled).
func TestNATSRestartThenKilledNodesUsersLeave(t *testing.T) {
	ns := natstest.StartServer(t)
	// The restart and the reconnect must fit in what is left of the TTL
	// since the last refresh: 3 s left a slow machine too little.
	const ttl = 6 * time.Second
	a, addrA := startProcess(t, "-nats", ns.URL(), "-node", "a", "-claim-ttl", ttl.String())
	b := start(t, "-nats", ns.URL(), "-node", "b", "-claim-ttl", ttl.String())
	ghost := dial(t, addrA, "ghost")
	until(t, ghost, model.TypeUserList)
	bob := dial(t, b.addr, "bob")
	if list := until(t, bob, model.TypeUserList).UserList; len(list) != 2 {
		t.Fatalf("bob's user list on node b: %v, want the ghost too", list)
	}

	ns.Stop()
	ns.Restart()
	untilError(t, ghost, config.NoticeBusUp)
	untilError(t, bob, config.NoticeBusUp)
	talkUntilSent(t, ghost, "still here")
	send(t, bob, model.TypeUserList, "")
	if list := until(t, bob, model.TypeUserList).UserList; len(list) != 2 {
		t.Fatalf("after the restart, bob's user list: %v, want the ghost still", list)
	}

	if err := a.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	if m := untilWithin(t, bob, 3*ttl, model.TypeLeave); m.UserName != "ghost" {
		t.Fatalf("%q left, want the ghost", m.UserName)
	}
	took := time.Since(died)
	t.Logf("after a NATS restart, the killed node's user left %v after it died (-claim-ttl %v)", took.Round(10*time.Millisecond), ttl)
	if took > 2*ttl {
		t.Fatalf("the ghost left %v after its node died, want within %v", took, 2*ttl)
	}
	send(t, bob, model.TypeUserList, "")
	if list := until(t, bob, model.TypeUserList).UserList; len(list) != 1 {
		t.Fatalf("bob's user list after: %v", list)
	}
}
