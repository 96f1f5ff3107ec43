package chatserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// stop stops a server started by start and waits for its exit code.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if c := r.wait(t); c != 0 {
		t.Fatalf("the server exited with %d: %s", c, r.stderr)
	}
}

// dialSince connects name to the lobby saying it saw it up to since, and
// returns the client once the user list is read.
func dialSince(t *testing.T, addr, name string, since uint64) *roomClient {
	t.Helper()
	q := url.Values{"since": {fmt.Sprintf("lobby:%d", since)}}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws?"+q.Encode(), http.Header{"Username": {name}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &roomClient{t: t, name: name, ws: ws}
	c.until(model.TypeUserList)
	return c
}

// page asks for one page of the lobby's history before before.
func (c *roomClient) page(before uint64, limit uint32) *model.ChatRoomRequest {
	c.t.Helper()
	c.send(&model.ChatRoomRequest{Type: model.TypeHistory, Before: before, Limit: limit})
	return c.until(model.TypeHistory)
}

// caughtUp reads catch-up frames (since) until n talks came, and returns
// their contents.
func (c *roomClient) caughtUp(since uint64, n int) []string {
	c.t.Helper()
	var caught []string
	for len(caught) < n {
		h := c.until(model.TypeHistory)
		if h.Since != since {
			c.t.Fatalf("a catch-up frame says since %d, want %d", h.Since, since)
		}
		caught = append(caught, contents(h.Messages)...)
	}
	return caught
}

// scrollBack pages the lobby's history back to its beginning, limit talks
// a page, and returns it oldest first.
func (c *roomClient) scrollBack(limit uint32) []*model.ChatRoomRequest {
	c.t.Helper()
	var all []*model.ChatRoomRequest
	before := uint64(0)
	for pages := 0; ; pages++ {
		if pages > 50 {
			c.t.Fatalf("%s's scroll back does not reach the beginning", c.name)
		}
		p := c.page(before, limit)
		all = append(slices.Clone(p.Messages), all...)
		if !p.More {
			return all
		}
		before = p.Messages[0].Seq
	}
}

func contents(msgs []*model.ChatRoomRequest) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Content)
	}
	return out
}

// History survives a restart on the same -data-dir: a client that comes
// back saying the last seq it saw is sent exactly what it missed, scroll
// back pages to the beginning, search finds Chinese by two characters, and
// seqs go on from where they were.
func TestHistorySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv := start(t, "-data-dir", dir, "-userlist-burst", "100", "-msg-burst", "100")
	ann := dialRooms(t, srv.addr, "ann")
	var said []string
	for i := range 30 {
		said = append(said, fmt.Sprint("m", i))
	}
	said = append(said, "大家你好啊")
	var seen uint64 // the seq of m9, the last talk "bob" saw
	var last uint64
	for _, s := range said {
		ann.say("", s)
		m, _ := ann.untilTalk(s)
		if s == "m9" {
			seen = m.Seq
		}
		last = m.Seq
	}
	srv.stop(t)

	srv = start(t, "-data-dir", dir, "-userlist-burst", "100", "-msg-burst", "100")
	bob := dialSince(t, srv.addr, "bob", seen)
	if caught := bob.caughtUp(seen, len(said)-10); !slices.Equal(caught, said[10:]) {
		t.Fatalf("bob caught up with %v, want %v", caught, said[10:])
	}
	if all := contents(bob.scrollBack(12)); !slices.Equal(all, said) {
		t.Fatalf("scrolled back to %v, want %v", all, said)
	}

	bob.send(&model.ChatRoomRequest{Type: model.TypeSearch, Content: "你好"})
	if r := bob.until(model.TypeSearch); !slices.Equal(contents(r.Messages), []string{"大家你好啊"}) {
		t.Fatalf("searching 你好 found %v", contents(r.Messages))
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeSearch, Content: "M2", Limit: 5})
	if r := bob.until(model.TypeSearch); !slices.Equal(contents(r.Messages), []string{"m29", "m28", "m27", "m26", "m25"}) || !r.More {
		t.Fatalf("searching M2 found %v (more %v)", contents(r.Messages), r.More)
	}

	bob.say("", "after")
	if m, _ := bob.untilTalk("after"); m.Seq <= last {
		t.Fatalf("a talk after the restart has seq %d, not above the %d before", m.Seq, last)
	}
}

// Without a store (-data-dir ""), scroll back and search are refused in
// words, and the server keeps the last -history talks as before.
func TestNoStoreRefusesScrollBack(t *testing.T) {
	srv := start(t, "-data-dir", "")
	ann := dialRooms(t, srv.addr, "ann")
	ann.send(&model.ChatRoomRequest{Type: model.TypeHistory, Limit: 10})
	if e := ann.refused(); e.Content != "history is not kept on this server" || e.Room != "lobby" {
		t.Fatalf("scroll back without a store: %q (room %q)", e.Content, e.Room)
	}
}
