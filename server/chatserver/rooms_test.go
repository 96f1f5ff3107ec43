package chatserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// A client written to the original specification (text frames, no
// username, no room) chats in the default room with a client that knows
// rooms, and never sees another room's talk.
func TestSpecClientChatsInDefaultRoom(t *testing.T) {
	r := start(t, "-log-stderr=false")
	spec, _, err := websocket.DefaultDialer.Dial("ws://"+r.addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer spec.Close()
	me := until(t, spec, model.TypeJoin).UserName
	alice := dialRooms(t, r.addr, "alice", "lobby", "a")
	if err := spec.WriteMessage(websocket.TextMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "你好 from the spec"})); err != nil {
		t.Fatal(err)
	}
	if m, _ := alice.untilTalk("你好 from the spec"); m.UserName != me || m.Room != "lobby" {
		t.Fatalf("alice got %v", m)
	}
	alice.say("a", "only for room a")
	alice.say("lobby", "hello spec")
	m, before := talkAfter(t, spec, "hello spec")
	if m.UserName != "alice" || len(before) != 1 || before[0].Content != "你好 from the spec" {
		t.Fatalf("the spec client got %v after %v", m, before)
	}
}

// talkAfter reads ws until the talk saying content; it returns it and the
// talks before it.
func talkAfter(t *testing.T, ws *websocket.Conn, content string) (*model.ChatRoomRequest, []*model.ChatRoomRequest) {
	t.Helper()
	var before []*model.ChatRoomRequest
	for range 1000 {
		m := until(t, ws, model.TypeTalk)
		if m.Content == content {
			return m, before
		}
		before = append(before, m)
	}
	t.Fatalf("no talk %q", content)
	return nil, nil
}

// Two users in room A never see room B's talk, nor B's joins, and each
// room's events carry its name.
func TestRoomsAreIsolated(t *testing.T) {
	r := start(t, "-log-stderr=false")
	a1 := dialRooms(t, r.addr, "a1", "a", "both")
	a2 := dialRooms(t, r.addr, "a2", "a", "both")
	b1 := dialRooms(t, r.addr, "b1", "b", "both")
	b1.say("b", "secret of b")
	b1.untilTalk("secret of b") // in the room's order before anything a1 says next
	a1.say("a", "hello a")
	a1.say("both", "marker")
	for _, c := range []*roomClient{a1, a2} {
		m, before := c.untilTalk("marker")
		if m.Room != "both" || len(before) != 1 || before[0].Content != "hello a" || before[0].Room != "a" {
			t.Fatalf("%s got %v, then %v", c.name, before, m)
		}
	}
	if _, before := b1.untilTalk("marker"); len(before) != 0 {
		t.Fatalf("b1 got %v before the marker", before)
	}
}

// A direct message reaches its addressee and its sender, no one else.
func TestDirectMessageReachesOnlyTheTwo(t *testing.T) {
	r := start(t, "-log-stderr=false")
	alice, bob, carol := dialRooms(t, r.addr, "alice"), dialRooms(t, r.addr, "bob"), dialRooms(t, r.addr, "carol")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "bob", Content: "悄悄话"})
	for _, c := range []*roomClient{alice, bob} {
		m := c.until(model.TypeTalk)
		if m.Content != "悄悄话" || m.UserName != "alice" || m.To != "bob" || m.Room != "" || m.Seq == 0 {
			t.Fatalf("%s got %v", c.name, m)
		}
	}
	alice.say("", "public")
	if _, before := carol.untilTalk("public"); len(before) != 0 {
		t.Fatalf("carol saw %v", before)
	}
	// The conversation's history, for either of the two.
	bob.untilTalk("public")
	bob.send(&model.ChatRoomRequest{Type: model.TypeHistory, To: "alice"})
	if m := bob.until(model.TypeTalk); m.Content != "悄悄话" {
		t.Fatalf("bob's history: %v", m)
	}
	if m := bob.until(model.TypeHistory); m.To != "alice" {
		t.Fatalf("bob's history ended with %v", m)
	}
}

// A join answers like a connect: the join, the room's user list, its last
// talks; a part answers with the leave; and the room's history can be
// asked for again.
func TestJoinPartAndHistory(t *testing.T) {
	r := start(t, "-log-stderr=false")
	alice := dialRooms(t, r.addr, "alice", "茶馆")
	alice.say("", "第一")
	alice.untilTalk("第一")
	bob := dialRooms(t, r.addr, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "茶馆"})
	if m := bob.until(model.TypeJoin); m.Room != "茶馆" || m.UserName != "bob" {
		t.Fatalf("bob's join: %v", m)
	}
	if m := bob.until(model.TypeUserList); m.Room != "茶馆" || len(m.UserList) != 2 {
		t.Fatalf("bob's list: %v", m)
	}
	if m := bob.until(model.TypeTalk); m.Content != "第一" || m.Room != "茶馆" {
		t.Fatalf("bob's history: %v", m)
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "茶馆"})
	bob.until(model.TypeTalk)
	if m := bob.until(model.TypeHistory); m.Room != "茶馆" {
		t.Fatalf("history end: %v", m)
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "茶馆"})
	if m := bob.until(model.TypeLeave); m.Room != "茶馆" || m.UserName != "bob" {
		t.Fatalf("bob's part: %v", m)
	}
	if m := alice.until(model.TypeLeave); m.Room != "茶馆" || m.UserName != "bob" {
		t.Fatalf("alice saw %v", m)
	}
	bob.say("茶馆", "after part")
	if m := bob.refused(); m.Room != "茶馆" || !strings.Contains(m.Content, "not in room") {
		t.Fatalf("talk after part: %v", m)
	}
}

// Every rule of rooms and direct messages is refused in words, with the
// room or user it is about, and counted on /metrics by rule.
func TestRoomRulesAreRefusedInWords(t *testing.T) {
	r := start(t, "-max-rooms-per-conn", "3", "-max-rooms", "4")
	alice := dialRooms(t, r.addr, "alice", "lobby", "a")
	dialRooms(t, r.addr, "bob", "b")
	cases := []struct {
		req  *model.ChatRoomRequest
		rule string
		want string
		room string
	}{
		{&model.ChatRoomRequest{Type: model.TypeJoin, Room: "a b"}, "room_name", "room name may hold only", "a b"},
		{&model.ChatRoomRequest{Type: model.TypeJoin, Room: strings.Repeat("长", 65)}, "room_name", "longer than 64", strings.Repeat("长", 65)},
		{&model.ChatRoomRequest{Type: model.TypeJoin, Room: "-x"}, "room_name", "must start with a letter", "-x"},
		{&model.ChatRoomRequest{Type: model.TypeJoin, Room: "A"}, "already_in", "in room a already", "a"},
		{&model.ChatRoomRequest{Type: model.TypePart, Room: "b"}, "not_in", "not in room b", "b"},
		{&model.ChatRoomRequest{Type: model.TypeTalk, Room: "b", Content: "hi"}, "not_in", "not in room b", "b"},
		{&model.ChatRoomRequest{Type: model.TypeUserList, Room: "b"}, "not_in", "not in room b", "b"},
		{&model.ChatRoomRequest{Type: model.TypeTalk, To: "nobody", Content: "hi"}, "not_online", "nobody is not online", ""},
		{&model.ChatRoomRequest{Type: model.TypeTalk, To: "alice", Content: "hi"}, "dm_self", "yourself", ""},
		{&model.ChatRoomRequest{Type: model.TypeJoin, Room: "c"}, "", "", ""}, // the third room: fine
		{&model.ChatRoomRequest{Type: model.TypeJoin, Room: "d"}, "rooms_per_conn", "too many rooms", "d"},
	}
	for _, tc := range cases {
		alice.send(tc.req)
		if tc.rule == "" {
			alice.until(model.TypeUserList)
			continue
		}
		m := alice.refused()
		if !strings.Contains(m.Content, tc.want) || m.Room != tc.room {
			t.Errorf("%s %q: got %q (room %q), want %q (room %q)", tc.req.Type, tc.req.Room+tc.req.To, m.Content, m.Room, tc.want, tc.room)
		}
	}
	// Four rooms exist (lobby, a, b, c): a fifth is refused, to anyone.
	carol := dialRooms(t, r.addr, "carol")
	carol.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "e"})
	if m := carol.refused(); !strings.Contains(m.Content, "too many rooms on this server (4)") || m.Room != "e" {
		t.Errorf("a fifth room: %v", m)
	}
	for rule, n := range map[string]float64{"room_name": 3, "already_in": 1, "not_in": 3, "not_online": 1, "dm_self": 1, "rooms_per_conn": 1, "rooms_total": 1} {
		if got := scrape(t, nil, r.metrics, fmt.Sprintf(`chatroom_room_refusals_total{rule=%q}`, rule)); got != n {
			t.Errorf("refusals by %s: %v, want %v", rule, got, n)
		}
	}
	if got := scrape(t, nil, r.metrics, "chatroom_rooms"); got != 4 {
		t.Errorf("chatroom_rooms %v, want 4", got)
	}
}

// The handshake names the rooms to start in (query or header); bad ones
// are refused with an HTTP status and words.
func TestHandshakeRooms(t *testing.T) {
	r := start(t, "-log-stderr=false", "-max-rooms-per-conn", "2", "-max-rooms", "3")
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+r.addr+"/ws?room=Go&room=%E8%8C%B6", http.Header{"Username": {"alice"}, "Room": {"go"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if m := until(t, ws, model.TypeJoin); m.Room != "go" {
		t.Fatalf("first join in %q, want the home room go", m.Room)
	}
	if m := until(t, ws, model.TypeJoin); m.Room != "茶" {
		t.Fatalf("second join in %q", m.Room)
	}
	if err := ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "home"})); err != nil {
		t.Fatal(err)
	}
	if m := until(t, ws, model.TypeTalk); m.Room != "go" {
		t.Fatalf("a talk with no room went to %q", m.Room)
	}
	for _, tc := range []struct {
		query  string
		status int
		want   string
	}{
		{"room=a%20b", 400, "room name may hold only"},
		{"room=x&room=y&room=z", 400, "too many rooms: at most 2"},
		{"room=x&room=y", 503, "too many rooms on this server (3)"},
	} {
		code, body, _ := handshake(t, nil, "ws://"+r.addr+"/ws?"+tc.query, http.Header{"Username": {"bob"}})
		if code != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("?%s: %d %q, want %d %q", tc.query, code, body, tc.status, tc.want)
		}
	}
}

// The rooms list: public rooms only, by name, in pages.
func TestRoomsListIsPagedAndPublic(t *testing.T) {
	r := start(t, "-log-stderr=false", "-rooms-page", "2")
	alice := dialRooms(t, r.addr, "alice", "r1", "r2", "r3")
	alice.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "hidden", Private: true})
	alice.until(model.TypeUserList)
	var names []string
	cursor := ""
	for page := 0; page < 10; page++ {
		alice.send(&model.ChatRoomRequest{Type: model.TypeRooms, Cursor: cursor})
		m := alice.until(model.TypeRooms)
		if len(m.Rooms) > 2 {
			t.Fatalf("a page of %d rooms", len(m.Rooms))
		}
		for _, ri := range m.Rooms {
			names = append(names, fmt.Sprintf("%s:%d", ri.Name, ri.Members))
		}
		if cursor = m.Cursor; cursor == "" {
			break
		}
	}
	if got := strings.Join(names, " "); got != "lobby:0 r1:1 r2:1 r3:1" && got != "r1:1 r2:1 r3:1" {
		t.Fatalf("rooms %s", got)
	}
	bob := dialRooms(t, r.addr, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "hidden"})
	if m := bob.until(model.TypeUserList); m.Room != "hidden" || len(m.UserList) != 2 {
		t.Fatalf("bob joins the unlisted room by name: %v", m)
	}
}

// With -auth-secret, a token's rooms claim lists the only rooms its user
// may join.
func TestTokenRoomsClaim(t *testing.T) {
	secret := strings.Repeat("s", 32)
	r := start(t, "-log-stderr=false", "-auth-secret", secret)
	token := mint(t, secret, "alice", "team", "lobby")
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+r.addr+"/ws?room=team", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	until(t, ws, model.TypeUserList)
	c := &roomClient{t: t, name: "alice", ws: ws}
	c.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "elsewhere"})
	if m := c.refused(); !strings.Contains(m.Content, "does not let you join room elsewhere") {
		t.Fatalf("join elsewhere: %v", m)
	}
	c.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "lobby"})
	c.until(model.TypeUserList)
	code, body, _ := handshake(t, nil, "ws://"+r.addr+"/ws?room=elsewhere", http.Header{"Authorization": {"Bearer " + mint(t, secret, "bob", "team")}})
	if code != http.StatusForbidden || !strings.Contains(body, "room elsewhere") {
		t.Fatalf("handshake into a room the token does not name: %d %q", code, body)
	}
}
