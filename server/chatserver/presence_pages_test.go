package chatserver

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/model"
)

// User list pages over real sockets, and what a large room's joiner is
// sent.

// crowdNames are n names of mixed case, so that pages' order (by the
// fold, then the name) is not byte order.
func crowdNames(n int) []string {
	var ns []string
	for i := range n {
		ns = append(ns, fmt.Sprintf("%s%03d", []string{"ann", "Bob", "cat", "Dan"}[i%4], i))
	}
	return ns
}

// A walk over 250 users by pages of 40 gets each exactly once, in order;
// a prefix finds the names that start with it, whatever their case; bad
// requests get an error in words and the connection stays.
func TestUserListPages(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", "0")...)
	asker, _ := dialPresence(t, r.addr, "asker", true)
	all := append(crowdNames(249), "asker")
	crowd(t, r.addr, all[:249])
	pageOrder(all)
	var walked []string
	cursor := ""
	for i := range 10 {
		p := asker.names(40, cursor, "")
		if p.Type != model.TypeUserList || p.Count != 250 || p.Large {
			t.Fatalf("page %d: %v", i, p)
		}
		got := listNames(p)
		pageOrder(got)
		walked = append(walked, got...)
		if cursor = p.Cursor; cursor == "" {
			break
		}
		if cursor != got[len(got)-1] {
			t.Fatalf("page %d: cursor %q, want its last name %q", i, cursor, got[len(got)-1])
		}
	}
	if !slices.Equal(walked, all) {
		t.Fatalf("the walk got %d names (%v...), want the 250 in order", len(walked), walked[:min(5, len(walked))])
	}
	p := asker.names(0, "", "BOB0")
	want := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return !strings.HasPrefix(n, "Bob0") })
	if got := listNames(p); !slices.Equal(got, want) || p.Cursor != "" || p.Count != 250 {
		t.Errorf("prefix BOB0: %v cursor %q, want %v", got, p.Cursor, want)
	}
	if p := asker.names(5000, "", ""); len(p.UserList) != 250 || p.Cursor != "" {
		t.Errorf("limit 5000 (clamped to %d): %d names, cursor %q", model.MaxUserListPage, len(p.UserList), p.Cursor)
	}
	for _, bad := range []string{strings.Repeat("a", 65)} {
		if p := asker.names(10, "", bad); p.Type != model.TypeError || !strings.Contains(p.Content, "prefix") {
			t.Errorf("prefix of %d bytes: %v", len(bad), p)
		}
	}
	if p := asker.names(10, strings.Repeat("z", 200), ""); p.Type != model.TypeError || !strings.Contains(p.Content, "cursor") {
		t.Errorf("a cursor of 200 bytes: %v", p)
	}
	checkBadUTF8Prefix(t, asker)
	if p := asker.names(3, "", ""); p.Type != model.TypeUserList || len(p.UserList) != 3 {
		t.Errorf("after the refusals: %v", p)
	}
}

// checkBadUTF8Prefix sends a userlist request whose content is not
// UTF-8: it is answered with an error.
func checkBadUTF8Prefix(t *testing.T, c *roomClient) {
	t.Helper()
	b := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), model.TypeUserList)
	b = protowire.AppendBytes(protowire.AppendTag(b, 3, protowire.BytesType), []byte{'a', 0xff})
	if err := c.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatal(err)
	}
	if m := c.until(model.TypeError); m.Content == "" {
		t.Errorf("a prefix that is not UTF-8: %v", m)
	}
}

// In a large room (-presence-limit 50, 150 users), a joiner gets the
// count and the first 100 names, not all; a coalescing one the count
// first; a spec client gets its own join first, and talks flow.
func TestLargeRoomJoiner(t *testing.T) {
	r := start(t, crowdFlags("-presence-limit", "50")...)
	all := crowdNames(150)
	crowd(t, r.addr, all)
	coal, pre := dialPresence(t, r.addr, "coal", true)
	if ts := types(pre); !slices.Equal(ts, []string{model.TypeJoin, model.TypePresence, model.TypeUserList}) {
		t.Fatalf("a coalescing joiner of a large room got %v", ts)
	}
	if p := pre[1]; p.Count != 151 || !p.Large {
		t.Errorf("its presence frame: %v", p)
	}
	l := pre[2]
	first := append(slices.Clone(all), "coal")
	pageOrder(first)
	if got := listNames(l); len(got) != 100 || !l.Large || l.Count != 151 || l.Cursor != first[99] {
		t.Errorf("its user list: %d names, large %v, count %d, cursor %q; want the first 100 (to %q), large, 151", len(got), l.Large, l.Count, l.Cursor, first[99])
	}
	spec, pre := dialPresence(t, r.addr, "spec", false)
	if ts := types(pre); !slices.Equal(ts, []string{model.TypeJoin, model.TypeUserList}) || pre[0].UserName != "spec" {
		t.Fatalf("a spec joiner of a large room got %v", ts)
	}
	if l := pre[1]; len(l.UserList) != 100 || l.Count != 152 {
		t.Errorf("the spec joiner's user list: %d names, count %d", len(l.UserList), l.Count)
	}
	if ms := coal.upToTalk(talkFrom(t, spec, "hello large")); len(ofType(ms, model.TypeJoin)) != 0 {
		t.Errorf("coal got joins in a large room: %s", summary(ms))
	}
	if ms := spec.upToTalk("hello large"); len(ofType(ms, model.TypeJoin)) != 0 {
		t.Errorf("spec got joins in a large room: %s", summary(ms))
	}
	got := coal.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypePresence })
	if p := got[len(got)-1]; p.Count != 152 || !p.Large || len(p.Joined) != 0 {
		t.Errorf("coal: the count after spec's join: %v", p)
	}
}

// talkFrom has c say content, and returns it.
func talkFrom(t *testing.T, c *roomClient, content string) string {
	t.Helper()
	c.say("", content)
	return content
}
