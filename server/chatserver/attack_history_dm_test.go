package chatserver

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"chatroom/model"
)

// Attacks on the direct messages kept on disk, without -auth-secret: a
// name is not a person, so whoever takes a name after its user left must
// not read what the earlier session said or was told.

// takeName dials from src as name until the server
// accepts it (the earlier session's leave may still be under way), and
// returns the client once its user list is read.
func takeName(t *testing.T, src, addr, name string) *roomClient {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for time.Now().Before(deadline) {
		ws, _, err := dialerFrom(src).Dial("ws://"+addr+"/ws", http.Header{"Username": {name}})
		if err != nil {
			continue
		}
		t.Cleanup(func() { ws.Close() })
		c := &roomClient{t: t, name: name, ws: ws}
		for range 100 {
			m, err := read(t, ws)
			if err != nil {
				break
			}
			if m.Type == model.TypeUserList {
				return c
			}
			if m.Type == model.TypeError {
				break // the name is still held: dial again
			}
		}
		ws.Close()
	}
	t.Fatalf("%s could not be taken in %v", name, waitTime)
	return nil
}

// leaks asks, as c, for its direct messages with to in every form
// (scroll back, the old form, search for word) and returns what came back.
func (c *roomClient) leaks(to, word string) []string {
	c.t.Helper()
	var got []string
	p, _ := c.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, To: to, Limit: 200}, model.TypeHistory)
	got = append(got, contents(p.Messages)...)
	p, _ = c.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, To: to, Limit: 200, Before: 1 << 62}, model.TypeHistory)
	got = append(got, contents(p.Messages)...)
	s, _ := c.roundTrip(&model.ChatRoomRequest{Type: model.TypeSearch, To: to, Content: word}, model.TypeSearch)
	got = append(got, contents(s.Messages)...)
	c.send(&model.ChatRoomRequest{Type: model.TypeHistory, To: to})
	for range 300 {
		m, err := read(c.t, c.ws)
		if err != nil || m.Type == model.TypeHistory || m.Type == model.TypeError {
			break
		}
		if m.Type == model.TypeTalk && m.To != "" {
			got = append(got, m.Content)
		}
	}
	return got
}

// A user's direct messages with alice, after it left: whoever takes its
// name, as it was or in another case or width, reads none of them.
func TestAttackHistoryDMsOfAnEarlierSession(t *testing.T) {
	r := start(t, "-log-stderr=false", "-userlist-burst", "50", "-userlist-burst-per-ip", "50")
	alice := dialRoomsFrom(t, bystanderAddr, r.addr, "alice")
	for _, name := range []string{"bob", "Bob", "BOB", "ｂｏｂ"} {
		bob := takeName(t, bystanderAddr, r.addr, "bob")
		secret := fmt.Sprintf("secret for bob before %s", name)
		bob.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "alice", Content: secret})
		bob.untilTalk(secret)
		alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "bob", Content: "reply " + secret})
		bob.untilTalk("reply " + secret)
		bob.ws.Close()
		mal := takeName(t, attackerAddr, r.addr, name)
		if got := mal.leaks("alice", "secret"); len(got) > 0 {
			t.Errorf("%s, after bob left, read bob's direct messages: %q", name, got)
		}
		mine := "mine as " + name
		mal.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "alice", Content: mine})
		mal.untilTalk(mine)
		if p, _ := mal.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, To: "alice", Limit: 10}, model.TypeHistory); !slices.Equal(contents(p.Messages), []string{mine}) {
			t.Errorf("%s reads back its own direct messages as %q", name, contents(p.Messages))
		}
		mal.ws.Close()
	}
}

// The floor that hid an earlier session's direct messages was the time
// (in ms) the new session connected, and a talk's time is the broker's
// clock, which never goes back (it stays on the last time given when the
// wall clock steps back): a direct message of the same millisecond as the
// new session's connect (18 of 200 here), or of a time ahead of the wall
// clock, was read by whoever took the name at once. The floor is now also
// the highest seq delivered when the session connected.
func TestAttackHistoryDMsOfTheSameMillisecond(t *testing.T) {
	r := start(t, "-log-stderr=false", "-userlist-burst", "50", "-userlist-burst-per-ip", "50", "-msg-burst-per-ip", "1000", "-msg-rate-per-ip", "0", "-join-burst-per-ip", "1000")
	alice := dialRoomsFrom(t, bystanderAddr, r.addr, "alice")
	leaked := 0
	const tries = 200
	for i := range tries {
		name := fmt.Sprint("bob", i)
		bob := takeName(t, bystanderAddr, r.addr, name)
		secret := fmt.Sprint("secret ", i)
		bob.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "alice", Content: secret})
		bob.ws.Close()
		mal := takeName(t, attackerAddr, r.addr, name)
		alice.untilTalk(secret)
		p, _ := mal.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, To: "alice", Limit: 10}, model.TypeHistory)
		if len(p.Messages) > 0 {
			leaked++
			t.Logf("%s's next holder read %q", name, contents(p.Messages))
		}
		mal.ws.Close()
	}
	if leaked > 0 {
		t.Errorf("%d of %d names taken at once leaked their earlier session's direct messages", leaked, tries)
	}
}
