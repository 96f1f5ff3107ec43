package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
	"chatroom/service/natstest"
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
	if got := scrape(t, nil, "http://"+b.addr, "chatroom_broker_connected"); got != 1 {
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
	code := run(t.Context(), []string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-nats", "nats://127.0.0.1:1"}, noEnv, &out, nil)
	if code != 1 || !strings.Contains(out.String(), "cannot connect to NATS at nats://127.0.0.1:1") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
}

// Users on two nodes talk at once; a listener on each node hears every talk
// in the same order.
func TestTwoNodesOneOrderOverSockets(t *testing.T) {
	url := natstest.Start(t)
	nodes := []*running{
		start(t, "-nats", url, "-node", "a", "-msg-rate", "0", "-presence=false"),
		start(t, "-nats", url, "-node", "b", "-msg-rate", "0", "-presence=false"),
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
