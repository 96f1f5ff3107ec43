package chatserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/model"
)

// Attacks on presence at scale (issue 18), continued: hostile userlist
// page requests (names that fold together, look-alikes, NFKC tricks,
// cursors that are no name, prefixes of control characters, a limit
// past any uint32), floods of pages, and hostile presence negotiation.
// None of them broke anything: these tests keep it so.

// hostileNames are names a hostile user would pick to confuse pages:
// case and width variants, ligatures, decomposed accents, Turkish and
// German case rules, Greek final sigma, names of digits and marks. The
// server refuses those that collide with one online; the others must be
// paged exactly once each.
var hostileNames = []string{"alice", "ALICE", "ａｌｉｃｅ", "Ａｌｉｃｅ２", "ﬁle", "file", "éclair", "e\u0301clair2",
	"straße", "STRASSE", "İstanbul", "istanbul2", "σοφίας", "ΣΟΦΙΑΣ2", "张三", "Zoë", "zoe", "a_b", "a-b", "a.b",
	"0", "9lives", "ǅemal", "ﷺ", "x\u200dy", "Ⅻ", "xii"}

// online dials each name that the server lets in (from its own address
// each, under its limits) and returns the names as the server shows them.
func online(t *testing.T, addr string, names []string) []string {
	t.Helper()
	var shown []string
	for _, name := range names {
		code, _, ws := handshake(t, nil, "ws://"+addr+"/ws?"+url.Values{"username": {name}}.Encode(), nil)
		if code != http.StatusSwitchingProtocols {
			continue
		}
		m := until(t, ws, model.TypeJoin)
		until(t, ws, model.TypeUserList)
		shown = append(shown, m.UserName)
	}
	return shown
}

// pageFold is the fold pages are ordered and searched by, as the
// protocol says: NFKC, then case folding.
func pageFold(s string) string { return cases.Fold().String(norm.NFKC.String(s)) }

// walk pages c's room by limit from cursor "" with prefix, and returns
// the names in the order paged; it fails after more pages than names.
func walk(t *testing.T, c *roomClient, limit uint32, prefix string, most int) []string {
	t.Helper()
	var got []string
	cursor := ""
	for range most/int(limit) + 2 {
		p := c.names(limit, cursor, prefix)
		if p.Type != model.TypeUserList || len(p.UserList) > int(limit) {
			t.Fatalf("limit %d prefix %q cursor %q: %v", limit, prefix, cursor, p)
		}
		page := listNames(p)
		slices.SortFunc(page, func(a, b string) int {
			return cmpPage(a, b)
		})
		got = append(got, page...)
		if cursor = p.Cursor; cursor == "" {
			return got
		}
	}
	t.Fatalf("limit %d prefix %q: no end after %d pages (%d names)", limit, prefix, most/int(limit)+2, len(got))
	return nil
}

// cmpPage orders names as pages do: by fold, then as they are.
func cmpPage(a, b string) int {
	if c := strings.Compare(pageFold(a), pageFold(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// Every walk by cursor, whatever its page size, visits each name online
// exactly once, in page order, and ends; a prefix finds exactly the names
// whose fold starts with its fold, full-width or ligature alike.
func TestAttackPresencePagesHostileNames(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", "5", "-max-rooms-per-ip", "0")...)
	asker, _ := dialPresence(t, r.addr, "asker", true)
	all := append(online(t, r.addr, hostileNames), "asker")
	if len(all) < 15 {
		t.Fatalf("only %d of the names got in: %v", len(all), all)
	}
	slices.SortFunc(all, cmpPage)
	t.Logf("%d of %d names online: %q", len(all)-1, len(hostileNames), all)
	for _, limit := range []uint32{1, 2, 3, 7, model.MaxUserListPage} {
		if got := walk(t, asker, limit, "", len(all)); !slices.Equal(got, all) {
			t.Errorf("a walk by %d: %q, want each of %q once", limit, got, all)
		}
	}
	for _, prefix := range []string{"a", "A", "ａ", "ﬁ", "FI", "STR", "σο", "e\u0301", "İ", "x", "Ⅻ", "张"} {
		want := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return !strings.HasPrefix(pageFold(n), pageFold(prefix)) })
		if got := walk(t, asker, 2, prefix, len(all)); !slices.Equal(got, want) {
			t.Errorf("prefix %q by 2: %q, want %q", prefix, got, want)
		}
	}
	// Cursors that are no name: the names after them, in page order.
	for _, cursor := range []string{"b", "\x00", "\x7f", "\u202e", "ZZZZ", "ａｌｉｃｅ"} {
		want := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return cmpPage(n, cursor) <= 0 })
		p := asker.names(model.MaxUserListPage, cursor, "")
		if got := listNames(p); p.Type != model.TypeUserList || len(got) != len(want) || p.Cursor != "" {
			t.Errorf("cursor %q: %v (%d names), want the %d after it", cursor, p.Type, len(got), len(want))
		}
	}
	checkHostilePageRequests(t, asker, len(all))
	checkNoRoomOracle(t, r.addr, asker)
}

// checkNoRoomOracle checks that pages of a private room c is not in, and
// of a room that does not exist, are refused alike: a page tells nobody
// that a room exists.
func checkNoRoomOracle(t *testing.T, addr string, c *roomClient) {
	t.Helper()
	owner := dialRoomsWith(t, dialerFrom(bystanderAddr), addr, "owner")
	owner.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "secret", Private: true})
	owner.until(model.TypeUserList)
	for _, room := range []string{"secret", "nosuch"} {
		c.send(&model.ChatRoomRequest{Type: model.TypeUserList, Room: room, Limit: 10, Content: "o"})
		if m := c.until2(model.TypeUserList, model.TypeError); m.Type != model.TypeError || m.Content != "you are not in room "+room {
			t.Errorf("a page of %s, not joined: %v", room, m)
		}
	}
}

// checkHostilePageRequests sends page requests no client should: each
// gets a page or an error in words, and the connection stays.
func checkHostilePageRequests(t *testing.T, c *roomClient, n int) {
	t.Helper()
	for _, prefix := range []string{"\x00", "\x1b[2J", "\u202e", strings.Repeat("é", 32), strings.Repeat("a", 64)} {
		if p := c.names(10, "", prefix); p.Type != model.TypeUserList || len(p.UserList) != 0 || p.Cursor != "" {
			t.Errorf("prefix %q: %v", prefix, p)
		}
	}
	for _, bad := range []struct{ cursor, prefix, says string }{
		{"", strings.Repeat("a", 65), "prefix"},
		{"", strings.Repeat("é", 33), "prefix"},
		{strings.Repeat("z", 4*model.MaxUsernameRunes+1), "", "cursor"},
	} {
		if p := c.names(10, bad.cursor, bad.prefix); p.Type != model.TypeError || !strings.Contains(p.Content, bad.says) {
			t.Errorf("cursor %q prefix %q: %v, want an error about the %s", bad.cursor, bad.prefix, p, bad.says)
		}
	}
	// A cursor that is not UTF-8 (a client's encoder would not send it):
	// the frame is not decoded at all.
	b := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), model.TypeUserList)
	if p := rawNames(c, protowire.AppendBytes(protowire.AppendTag(b, 10, protowire.BytesType), []byte{'a', 0xff})); p.Type != model.TypeError || !strings.Contains(p.Content, "UTF-8") {
		t.Errorf("a cursor that is not UTF-8: %v", p)
	}
	// A limit of ten bytes of varint (a negative int64 on the wire): read
	// as the largest uint32, then as the largest page.
	if p := rawNames(c, protowire.AppendVarint(protowire.AppendTag(b, 11, protowire.VarintType), ^uint64(0))); p.Type != model.TypeUserList || len(p.UserList) != n {
		t.Errorf("a limit of -1 on the wire: %v", p)
	}
	if p := c.names(3, "", ""); p.Type != model.TypeUserList || len(p.UserList) != 3 {
		t.Errorf("after the hostile requests: %v", p)
	}
}

// rawNames sends the encoded userlist request b and returns the reply
// (or the error).
func rawNames(c *roomClient, b []byte) *model.ChatRoomRequest {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		c.t.Fatal(err)
	}
	return c.until2(model.TypeUserList, model.TypeError)
}

// A flood of page requests spends the connection's user list budget as
// whole lists do: with a burst of 3 and one a minute, 3 of 20 are
// answered and 17 refused in words; the connection stays.
func TestAttackPresencePageFlood(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", "5", "-userlist-interval", "1m", "-userlist-burst", "3")...)
	asker, _ := dialPresence(t, r.addr, "asker", true)
	crowd(t, r.addr, crowdNames(20))
	for i := range 20 {
		asker.send(&model.ChatRoomRequest{Type: model.TypeUserList, Limit: 1000, Content: fmt.Sprint(i % 3)})
	}
	pages, refused := 0, 0
	for pages+refused < 20 {
		switch m := asker.until2(model.TypeUserList, model.TypeError); {
		case m.Type == model.TypeUserList:
			pages++
		case strings.Contains(m.Content, "user list rate limited"):
			refused++
		default:
			t.Fatalf("unexpected error: %v", m)
		}
	}
	if pages != 3 || refused != 17 {
		t.Errorf("20 page requests: %d pages, %d refused; want 3 and 17", pages, refused)
	}
	if got := scrape(t, nil, r.metrics, "chatroom_userlist_limited_total"); got != 17 {
		t.Errorf("chatroom_userlist_limited_total %v, want 17", got)
	}
}

// Hostile negotiation: repeated, mixed-case, listed, huge, NUL and
// non-UTF-8 values are refused with 400 in a short, valid UTF-8 answer
// that names the one value; repeats of coalesce itself, in the query and
// the header, are accepted and coalesce.
func TestAttackPresenceNegotiation(t *testing.T) {
	r := start(t)
	base := "ws://" + r.addr + "/ws?username=neg"
	bad := []struct {
		query  string
		header []string
	}{
		{"&presence=COALESCE", nil},
		{"&presence=coalesce%00", nil},
		{"&presence=%ff%fe", nil},
		{"&presence=" + strings.Repeat("x", 6000), nil},
		{"&presence=coalesce&presence=", nil},
		{"", []string{"coalesce, coalesce"}},
		{"", []string{"coalesce", "no"}},
		{"", []string{strings.Repeat("é", 3000)}},
		{"&presence=coalesce", []string{"off"}},
	}
	for _, b := range bad {
		code, body, _ := handshake(t, nil, base+b.query, http.Header{"Presence": b.header})
		if code != http.StatusBadRequest || !strings.Contains(body, `the only value is "coalesce"`) || len(body) > 300 || !utf8.ValidString(body) {
			t.Errorf("query %.40q header %.40q: %d %q, want a short 400 naming coalesce", b.query, b.header, code, body)
		}
	}
	code, _, ws := handshake(t, nil, base+"&presence=coalesce&presence=coalesce", http.Header{"Presence": {"coalesce", "coalesce"}})
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("coalesce four times: %d", code)
	}
	c := &roomClient{t: t, name: "neg", ws: ws}
	if ts := types(c.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeUserList })); !slices.Equal(ts, []string{model.TypeJoin, model.TypePresence, model.TypeUserList}) {
		t.Errorf("coalesce four times: got %v", ts)
	}
}

// A walk by cursor while others join and part the room around it (names
// that sort first, in the middle and last): each name that stays is
// visited exactly once and no name twice, in page order, and the walk
// ends.
func TestAttackPresencePagesWalkWhileChurning(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", "20")...)
	asker, _ := dialPresence(t, r.addr, "asker", true)
	stay := crowdNames(60)
	crowd(t, r.addr, stay)
	var churners []*roomClient
	for _, name := range []string{"aaa", "cat030x", "zzz"} {
		churners = append(churners, dialRoomsWith(t, dialerFrom(attackerAddr), r.addr, name, "base"))
	}
	done := make(chan struct{})
	churned := make(chan int, len(churners))
	for _, c := range churners {
		go func() { churned <- churn(c.ws, c.name, done) }()
	}
	var walks [][]string
	for range 6 {
		walks = append(walks, walk(t, asker, 3, "", 70))
	}
	close(done)
	for range churners {
		n := <-churned
		if n < 1 {
			t.Errorf("a churner could not churn: %d", n)
		}
		t.Logf("6 walks by 3 while a name joined and parted %d times", n)
	}
	want := append(slices.Clone(stay), "asker")
	slices.SortFunc(want, cmpPage)
	for i, got := range walks {
		if !slices.IsSortedFunc(got, cmpPage) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("walk %d is not in page order or names a name twice: %q", i, got)
		}
		if stayed := slices.DeleteFunc(got, func(n string) bool { return !slices.Contains(want, n) }); !slices.Equal(stayed, want) {
			t.Fatalf("walk %d: %d of the %d names that stayed", i, len(stayed), len(want))
		}
	}
}

// churn has the client on ws, named name, join and part the lobby until
// done, each time reading up to its own leave, and returns how many times
// it did (-1 on an error).
func churn(ws *websocket.Conn, name string, done chan struct{}) int {
	for n := 0; ; n++ {
		select {
		case <-done:
			return n
		default:
		}
		for _, typ := range []string{model.TypeJoin, model.TypePart} {
			if ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: typ, Room: "lobby"})) != nil {
				return -1
			}
		}
		for {
			ws.SetReadDeadline(time.Now().Add(waitTime))
			_, b, err := ws.ReadMessage()
			if err != nil {
				return -1
			}
			if m, err := model.Decode(b); err == nil && m.Type == model.TypeLeave && m.Room == "lobby" && m.UserName == name {
				break
			}
		}
	}
}
