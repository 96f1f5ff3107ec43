package chatserver

// Review probes (branch review-cluster): rooms and direct messages across
// two NATS nodes.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

// reviewOpen are the flags that turn off the limits a probe would run into.
func reviewOpen() []string {
	return []string{"-userlist-interval", "0", "-userlist-rate-per-ip", "0", "-join-rate-per-ip", "0", "-msg-rate", "0", "-msg-rate-per-ip", "0"}
}

// rooms asks for the first page of public rooms and returns their names.
func (c *roomClient) roomNames() []string {
	c.t.Helper()
	c.send(&model.ChatRoomRequest{Type: model.TypeRooms, Limit: 200})
	m := c.until(model.TypeRooms)
	var names []string
	for _, r := range m.Rooms {
		names = append(names, r.Name)
	}
	return names
}

// A private room on node a, which bob (on node b) names in his handshake,
// stays unlisted after alice, its creator, parts. Found by a review: node
// b recorded bob's claim with the room listed when its directory had not
// heard of the room yet, and the next refresh of the claim listed it
// everywhere.
func TestReviewPrivateRoomListedAfterHandshakeOnOtherNode(t *testing.T) {
	args := append([]string{"-claim-ttl", "3s"}, reviewOpen()...)
	a, b := twoNodes(t, args...)
	alice := dialRooms(t, a.addr, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "secret", Private: true})
	if m := alice.until(model.TypeUserList); m.Room != "secret" || !m.Private {
		t.Fatalf("alice's join of secret: %v", m)
	}
	carol := dialRooms(t, a.addr, "carol")
	bob := dialRooms(t, b.addr, "bob", "secret")
	bob.send(&model.ChatRoomRequest{Type: model.TypeUserList, Room: "secret"})
	if m := bob.until(model.TypeUserList); !m.Private || len(m.UserList) != 2 {
		t.Fatalf("bob's user list of secret on node b: %v", m)
	}
	for _, n := range carol.roomNames() {
		if n == "secret" {
			t.Fatalf("secret listed while alice is in it")
		}
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "secret"})
	alice.until(model.TypeLeave)
	// The claims are refreshed every -claim-ttl/3 (1 s): look for 4 s.
	err := poll.Until(t.Context(), 4*time.Second, 100*time.Millisecond, func() error {
		for _, n := range carol.roomNames() {
			if n == "secret" {
				return nil
			}
		}
		return errors.New("secret not listed")
	})
	if err == nil {
		bob.send(&model.ChatRoomRequest{Type: model.TypeUserList, Room: "secret"})
		m := bob.until(model.TypeUserList)
		t.Fatalf("private room secret is in carol's rooms list (bob's user list of it still says private=%v)", m.Private)
	}
}

// The last member on node a of room r parts while another user on node a
// joins r, again and again, with bob on node b in r all along: each time
// the joiner must get its join, find bob listed and hear bob.
func TestReviewRejoinRacingLastPartOverSockets(t *testing.T) {
	a, b := twoNodes(t, reviewOpen()...)
	bob := dialRooms(t, b.addr, "bob", "r")
	u := []*roomClient{dialRooms(t, a.addr, "u0"), dialRooms(t, a.addr, "u1")}
	u[0].send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "r"})
	u[0].until(model.TypeUserList)
	in := 0
	for i := range 60 {
		out := in
		in = 1 - in
		u[out].send(&model.ChatRoomRequest{Type: model.TypePart, Room: "r"})
		u[in].send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "r"})
		u[in].ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		var list *model.ChatRoomRequest
		for list == nil {
			m, err := read(t, u[in].ws)
			if err != nil {
				t.Fatalf("round %d: %s joined r and got no user list: %v", i, u[in].name, err)
			}
			if m.Type == model.TypeUserList && m.Room == "r" {
				list = m
			}
		}
		if list.UserList["bob"] == "" {
			t.Fatalf("round %d: %s's list of r lacks bob: %v", i, u[in].name, list.UserList)
		}
		mark := fmt.Sprint("mark ", i)
		bob.say("r", mark)
		u[in].ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			m, err := read(t, u[in].ws)
			if err != nil {
				t.Fatalf("round %d: %s in r did not hear bob: %v", i, u[in].name, err)
			}
			if m.Type == model.TypeTalk && m.Content == mark {
				break
			}
		}
		u[in].ws.SetReadDeadline(time.Time{})
	}
}

// A node killed with a user in three rooms: bob (r) and carol (s), on the
// node that lives on, each see one leave of the ghost in their room, and no
// second one; a room only the ghost was in (t) is empty to a later joiner.
func TestReviewKilledNodeLeavesEveryRoomOnce(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	args := append([]string{"-claim-ttl", ttl.String()}, reviewOpen()...)
	a, addrA := startProcess(t, append([]string{"-nats", url, "-node", "a"}, args...)...)
	b := start(t, append([]string{"-nats", url, "-node", "b", "-log-stderr=false"}, args...)...)
	dialRooms(t, addrA, "ghost", "r", "s", "t")
	bob := dialRooms(t, b.addr, "bob", "r")
	carol := dialRooms(t, b.addr, "carol", "s")
	if err := a.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*roomClient{bob, carol} {
		m := c.until(model.TypeLeave)
		if m.UserName != "ghost" {
			t.Fatalf("%s saw %v leave", c.name, m)
		}
		c.say("", "marker")
		c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			m, err := read(t, c.ws)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type == model.TypeLeave {
				t.Fatalf("%s: a second leave %v", c.name, m)
			}
			if m.Type == model.TypeTalk && m.Content == "marker" {
				break
			}
		}
		c.ws.SetReadDeadline(time.Time{})
	}
	dave := dialRooms(t, b.addr, "dave")
	dave.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "t"})
	if m := dave.until(model.TypeUserList); len(m.UserList) != 1 {
		t.Fatalf("dave's list of t, the ghost's room: %v", m.UserList)
	}
	dave.send(&model.ChatRoomRequest{Type: model.TypeUserList, Room: "t"})
	if m := dave.until(model.TypeUserList); len(m.UserList) != 1 {
		t.Fatalf("dave's list of t, asked again: %v", m.UserList)
	}
}

// alice on node a joins room r while bob on node b talks in it as fast as
// he can: she must get r's talks with increasing seqs and no gap or repeat
// between the history and what follows, up to bob's last.
func TestReviewFollowWhileRoomIsBusy(t *testing.T) {
	a, b := twoNodes(t, append(reviewOpen(), "-presence=false")...)
	bob := dialRooms(t, b.addr, "bob", "r")
	const n = 400
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			if err := bob.ws.WriteMessage(2, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Room: "r", Content: fmt.Sprint(i)})); err != nil {
				return
			}
		}
	}()
	// Join once some talks are in.
	bob.untilTalk("100")
	alice := dialRooms(t, a.addr, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "r"})
	<-done
	var seqs []uint64
	var got []int
	for len(got) == 0 || got[len(got)-1] != n-1 {
		m := alice.until(model.TypeTalk)
		var i int
		fmt.Sscan(m.Content, &i)
		if len(got) > 0 && (i != got[len(got)-1]+1 || m.Seq <= seqs[len(seqs)-1]) {
			t.Fatalf("alice got talk %d (seq %d) after %d (seq %d)", i, m.Seq, got[len(got)-1], seqs[len(seqs)-1])
		}
		got, seqs = append(got, i), append(seqs, m.Seq)
	}
	t.Logf("alice got talks %d..%d", got[0], got[len(got)-1])
}

// Direct messages across nodes to case variants of a name: alice (node a)
// writes to "BOB", bob being on node b; only bob and alice get it, with to
// "bob"; once bob is gone, a message to him is refused.
func TestReviewDirectMessageCaseVariantsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t, reviewOpen()...)
	alice, carol := dialRooms(t, a.addr, "alice"), dialRooms(t, a.addr, "carol")
	bob, dave := dialRooms(t, b.addr, "bob"), dialRooms(t, b.addr, "dave")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "BOB", Content: "to BOB"})
	for _, c := range []*roomClient{alice, bob} {
		if m := c.until(model.TypeTalk); m.To != "bob" || m.Content != "to BOB" || m.UserName != "alice" {
			t.Fatalf("%s got %v", c.name, m)
		}
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "ALICE", Content: "to ALICE"})
	if m := alice.until(model.TypeTalk); m.To != "alice" || m.Content != "to ALICE" {
		t.Fatalf("alice got %v", m)
	}
	dave.say("", "marker")
	for _, c := range []*roomClient{carol, dave} {
		if _, before := c.untilTalk("marker"); len(before) != 0 {
			t.Fatalf("%s got %v", c.name, before)
		}
	}
	bob.ws.Close()
	poll.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "Bob", Content: "are you there"})
		for {
			m, err := read(t, alice.ws)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type == model.TypeTalk || m.Type == model.TypeError {
				return poll.Check(m.Type == model.TypeError && m.To == "Bob", "a refusal naming Bob, got %v", m)
			}
		}
	})
}

// Direct messages' history does not outlive its user's session: once bob
// (node b) is gone, whoever connects as "bob" and asks for the history
// with alice reads nothing of what alice and bob wrote each other. (Names
// are free once their user leaves; without -auth-secret anyone may take
// one.) Found by a review: it read all of it.
func TestReviewDirectHistoryGoesToTheNextHolderOfTheName(t *testing.T) {
	a, b := twoNodes(t, reviewOpen()...)
	alice := dialRooms(t, a.addr, "alice")
	bob := dialRooms(t, b.addr, "bob")
	// Node a refuses a direct message to bob until it has heard of his
	// claim: wait for bob in alice's user list first.
	poll.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		alice.send(&model.ChatRoomRequest{Type: model.TypeUserList})
		if _, ok := alice.until(model.TypeUserList).UserList["bob"]; !ok {
			return errors.New("node a has not heard of bob yet")
		}
		return nil
	})
	alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "bob", Content: "the code is 4711"})
	bob.until(model.TypeTalk)
	bob.ws.Close()
	var mallory *roomClient
	poll.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		q := "ws://" + b.addr + "/ws"
		code, _, ws := handshake(t, nil, q, map[string][]string{"Username": {"bob"}})
		if ws == nil {
			return fmt.Errorf("bob refused with %d", code)
		}
		mallory = &roomClient{t: t, name: "bob", ws: ws}
		return nil
	})
	mallory.until(model.TypeUserList)
	mallory.send(&model.ChatRoomRequest{Type: model.TypeHistory, To: "alice"})
	for {
		m, err := read(t, mallory.ws)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == model.TypeHistory {
			return
		}
		if m.Type == model.TypeTalk && m.Content == "the code is 4711" {
			t.Fatalf("the new holder of bob's name read bob's direct message: %v", m)
		}
	}
}

// mallory on node b, in no private room, asks about secret (private, on
// node a) and about a room that does not exist: every answer must be the
// same but for the name, so that nothing tells secret exists.
func TestReviewPrivateRoomErrorsAcrossNodesTellNothing(t *testing.T) {
	a, b := twoNodes(t, reviewOpen()...)
	alice := dialRooms(t, a.addr, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "secret", Private: true})
	alice.until(model.TypeUserList)
	mallory := dialRooms(t, b.addr, "mallory")
	poll.CheckFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		// node b knows of secret once its directory has alice's claim:
		// a look-alike is refused then.
		mallory.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "ѕecret", Private: true})
		for {
			m, err := read(t, mallory.ws)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type == model.TypeError {
				return nil
			}
			if m.Type == model.TypeUserList && m.Room == "ѕecret" {
				mallory.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "ѕecret"})
				mallory.until(model.TypeLeave)
				return errors.New("look-alike joined")
			}
		}
	})
	for _, req := range []*model.ChatRoomRequest{
		{Type: model.TypeTalk, Content: "hi"},
		{Type: model.TypeUserList},
		{Type: model.TypeHistory},
		{Type: model.TypePart},
	} {
		var answers []string
		for _, room := range []string{"secret", "nosuch"} {
			r := &model.ChatRoomRequest{Type: req.Type, Content: req.Content, Room: room}
			mallory.send(r)
			m := mallory.refused()
			answers = append(answers, strings.ReplaceAll(m.Content, room, "ROOM"))
		}
		if answers[0] != answers[1] {
			t.Errorf("%s: %q about secret, %q about a room that does not exist", req.Type, answers[0], answers[1])
		}
	}
	for _, n := range mallory.roomNames() {
		if n == "secret" {
			t.Error("secret listed")
		}
	}
}
