package chatserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Attacks on the rooms and direct messages of one node, each found
// misbehaving and then fixed; what held is listed in
// /work/notes/rooms/attack.md. The attacker connects from attackerAddr,
// the bystander from bystanderAddr.

// dialRoomsFrom is dialRooms from the loopback address src.
func dialRoomsFrom(t *testing.T, src, addr, name string, rooms ...string) *roomClient {
	t.Helper()
	return dialRoomsWith(t, dialerFrom(src), addr, name, rooms...)
}

// A newcomer joins "Dev" (the join normalizes it to dev) and then talks,
// asks for the user list and the history, and parts, naming the room as
// they typed it. Each was refused with "you are not in room Dev": only
// join normalized the name. A room name of 30,000 bytes in a talk came
// back whole in the refusal's room field.
func TestAttackRoomsNamesAreNormalizedInEveryRequest(t *testing.T) {
	r := start(t, "-log-stderr=false")
	alice := dialRoomsFrom(t, bystanderAddr, r.addr, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "Dev"})
	if m := alice.until(model.TypeUserList); m.Room != "dev" {
		t.Fatalf("join Dev: %v", m)
	}
	alice.say("Dev", "hello")
	if m := alice.until(model.TypeTalk); m.Room != "dev" || m.Content != "hello" {
		t.Fatalf("talk in Dev: %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeUserList, Room: "DEV"})
	if m := alice.until(model.TypeUserList); m.Room != "dev" {
		t.Fatalf("user list of DEV: %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "Ｄｅｖ"}) // fullwidth
	if m := alice.until(model.TypeTalk); m.Content != "hello" {
		t.Fatalf("history of Ｄｅｖ: %v", m)
	}
	if m := alice.until(model.TypeHistory); m.Room != "dev" {
		t.Fatalf("history of Ｄｅｖ ended with %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "Dev"})
	if m := alice.until(model.TypeLeave); m.Room != "dev" {
		t.Fatalf("part Dev: %v", m)
	}
	att := dialRoomsFrom(t, attackerAddr, r.addr, "mallory")
	att.say(strings.Repeat("x", 30000), "hi")
	if m := att.refused(); len(m.Room) > 4*model.MaxRoomRunes || !strings.Contains(m.Content, "longer than") {
		t.Fatalf("a talk in a room of 30,000 bytes: %q in a room of %d bytes", m.Content, len(m.Room))
	}
}

// The handshake's room lists: more than the handshake may carry, with
// -max-rooms-per-conn 0 (no limit), was refused with "at most 0 per
// connection"; two room headers that a proxy joined into one ("a, b", as
// HTTP allows) were refused because of the comma.
func TestAttackRoomsHandshakeRoomLists(t *testing.T) {
	r := start(t, "-log-stderr=false", "-max-rooms-per-conn", "0")
	q := url.Values{}
	for i := range 300 {
		q.Add("room", "r"+strings.Repeat("x", i%3))
	}
	code, body, _ := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws?"+q.Encode(), http.Header{"Username": {"mallory"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "at most 256") {
		t.Errorf("300 room names: %d %q", code, body)
	}
	code, body, ws := handshake(t, dialerFrom(bystanderAddr), "ws://"+r.addr+"/ws?room=a", http.Header{"Username": {"bob"}, "Room": {"B, c"}})
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("room headers joined by a proxy: %d %q", code, body)
	}
	var rooms []string
	for range 3 {
		rooms = append(rooms, until(t, ws, model.TypeUserList).Room)
	}
	if got := strings.Join(rooms, " "); got != "a b c" {
		t.Errorf("rooms %s, want a b c", got)
	}
}

// Join and part churn: each join replays the room's history (here 20
// talks of 4,000 bytes), yet joins were limited only by the frame rate, so
// one connection turned a 13-byte join into 80 KB out as fast as it could
// send frames (measured with the defaults: 6.7 MB/s out per address with
// ten connections; asking for the history, which the list budget limits,
// gave 1.4 MB/s). A join, and each room a handshake names past the first,
// now spends one of the address's joins, as a new connection does.
func TestAttackRoomsJoinChurnSpendsTheAddressJoins(t *testing.T) {
	r := start(t, "-log-stderr=false", "-msg-rate", "0", "-msg-rate-per-ip", "0", "-history", "20",
		"-join-rate-per-ip", "0.01", "-join-burst-per-ip", "6")
	bob := dialRoomsFrom(t, bystanderAddr, r.addr, "bob")
	for i := range 20 {
		bob.say("", strings.Repeat("x", 4000)+fmt.Sprint(i))
	}
	bob.untilTalk(strings.Repeat("x", 4000) + "19")
	att := dialRoomsFrom(t, attackerAddr, r.addr, "mallory") // one join spent
	att.untilTalk(strings.Repeat("x", 4000) + "19")
	const pairs = 30
	for range pairs {
		att.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "lobby"})
		att.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "lobby"})
	}
	att.send(&model.ChatRoomRequest{Type: model.TypeRooms}) // the end of the answers
	joins, refused, out := 0, 0, 0
	for range 10 * pairs * 25 {
		att.ws.SetReadDeadline(time.Now().Add(waitTime))
		_, p, err := att.ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		out += len(p)
		m, _ := model.Decode(p)
		if m.Type == model.TypeRooms {
			break
		}
		if m.Type == model.TypeUserList {
			joins++
		}
		if m.Type == model.TypeError && strings.Contains(m.Content, "joins rooms too fast") {
			refused++
		}
	}
	t.Logf("%d joins and parts: %d joins answered, %d refused, %d bytes out", pairs, joins, refused, out)
	if joins > 5 || refused < pairs-5 {
		t.Errorf("%d joins answered and %d refused, want at most the 5 left in the address's burst", joins, refused)
	}
	// The address has no join left: a handshake naming two rooms is
	// refused as a new connection past the rate is.
	code, body, _ := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws?room=a&room=b", http.Header{"Username": {"mallory2"}})
	if code != http.StatusTooManyRequests {
		t.Errorf("a handshake naming two rooms with no join left: %d %q", code, body)
	}
}

// Each room a handshake names past the first spends one of the address's
// joins, as a join request does.
func TestAttackRoomsHandshakeRoomsSpendJoins(t *testing.T) {
	r := start(t, "-log-stderr=false", "-join-rate-per-ip", "0.01", "-join-burst-per-ip", "5")
	dialRoomsFrom(t, attackerAddr, r.addr, "m1", "a", "b", "c") // 3 of 5
	code, body, _ := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws?room=d&room=e&room=f", http.Header{"Username": {"m2"}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "too many new connections") {
		t.Errorf("three rooms with two joins left: %d %q", code, body)
	}
	dialRoomsFrom(t, bystanderAddr, r.addr, "bob", "d", "e", "f") // another address is not affected
}

// One address holds every room: with the defaults, 20 connections of 50
// rooms each (-max-conns-per-ip is 256) made all of -max-rooms' 1000, and
// no one else could open a room until they left. The rooms an address
// opened that are still open are now bounded by -max-rooms-per-ip: past
// it, a join is refused, and so is a handshake naming a new room; a room
// its last member leaves is the address's to open again.
func TestAttackRoomsOneAddressCannotHoldEveryRoom(t *testing.T) {
	r := start(t, "-max-rooms", "20", "-max-rooms-per-conn", "5", "-max-rooms-per-ip", "8")
	var held int
	var first *websocket.Conn
	for i := range 4 {
		q := url.Values{}
		for j := range 5 {
			q.Add("room", fmt.Sprintf("r%d-%d", i, j))
		}
		code, body, ws := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws?"+q.Encode(), http.Header{"Username": {fmt.Sprint("m", i)}})
		switch {
		case code == http.StatusSwitchingProtocols:
			held += 5
			first = ws
			until(t, ws, model.TypeUserList)
		case code != http.StatusServiceUnavailable || !strings.Contains(body, "your address has opened 8 rooms"):
			t.Errorf("handshake %d: %d %q", i, code, body)
		}
	}
	m := dialRoomsFrom(t, attackerAddr, r.addr, "m9")
	for i := range 5 {
		if m.join(fmt.Sprint("more", i)) == nil {
			held++
		}
	}
	if held != 8 {
		t.Errorf("the attacker's address opened %d rooms, want 8", held)
	}
	bob := dialRoomsFrom(t, bystanderAddr, r.addr, "bob")
	if refusal := bob.join("mine"); refusal != nil {
		t.Fatalf("a bystander opens a room after the attacker: %v", refusal)
	}
	if got := scrape(t, nil, r.metrics, `chatroom_room_refusals_total{rule="rooms_per_ip"}`); got != 2 {
		t.Errorf("refusals by rooms_per_ip: %v, want 2", got)
	}
	first.Close()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		return poll.Check(m.join("again") == nil, "the address opens a room once its first connection left")
	})
}

// join joins room and returns nil once in, or the refusal.
func (c *roomClient) join(room string) *model.ChatRoomRequest {
	c.t.Helper()
	c.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: room})
	for range 1000 {
		m, err := read(c.t, c.ws)
		switch {
		case err != nil:
			c.t.Fatalf("%s joins %s: %v", c.name, room, err)
		case m.Type == model.TypeError:
			return m
		case m.Type == model.TypeUserList && m.Room == room:
			return nil
		}
	}
	c.t.Fatalf("%s: no answer to its join of %s", c.name, room)
	return nil
}

// A direct message to "BOB" while bob is online was refused with "user BOB
// is not online", and the history of "Bob" was empty, though usernames
// compare case-folded (BOB cannot connect while bob is online). The
// addressee is now the user online under that name's key
// (model.UsernameKey).
func TestAttackRoomsDirectMessagesCompareNamesAsUsernames(t *testing.T) {
	r := start(t, "-log-stderr=false")
	bob := dialRoomsFrom(t, bystanderAddr, r.addr, "bob")
	alice := dialRoomsFrom(t, attackerAddr, r.addr, "alice")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "BOB", Content: "hi"})
	if m, _ := read(t, alice.ws); m.Type != model.TypeTalk || m.To != "bob" {
		t.Fatalf("alice got %v", m)
	}
	if m := bob.until(model.TypeTalk); m.To != "bob" || m.UserName != "alice" {
		t.Fatalf("bob got %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeHistory, To: "Bob"})
	if m := alice.until(model.TypeTalk); m.Content != "hi" {
		t.Fatalf("the history of Bob: %v", m)
	}
	if m := alice.until(model.TypeHistory); m.To != "bob" {
		t.Fatalf("the history of Bob ended with %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "ALICE", Content: "me"})
	if m := alice.refused(); !strings.Contains(m.Content, "yourself") {
		t.Fatalf("a direct message to ALICE from alice: %v", m)
	}
	// Names compare by their confusables skeleton too: no one else can be
	// online as bоb (Cyrillic о) while bob is, so it can mean only him, and
	// the echo says whom it reached.
	alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "bоb", Content: "look-alike"})
	if m := alice.until(model.TypeTalk); m.To != "bob" || m.Content != "look-alike" {
		t.Fatalf("a direct message to a look-alike of bob: %v", m)
	}
}
