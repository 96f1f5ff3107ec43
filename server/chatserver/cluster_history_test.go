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

// With NATS the stream is the history, the same on every node: a client
// of node b that saw the lobby up to a talk sent on node a catches up with
// exactly what followed, scrolls back to the beginning, and finds Chinese
// by two characters; node a pages back to the same talks with the same
// seqs.
func TestClusterHistoryIsTheStream(t *testing.T) {
	a, b := twoNodes(t, "-userlist-burst", "100", "-msg-burst", "100")
	ann := dialRooms(t, a.addr, "ann")
	var said []string
	for i := range 30 {
		said = append(said, fmt.Sprint("m", i))
	}
	said = append(said, "大家你好啊")
	var seen uint64 // the seq of m9, the last talk bob saw
	for _, s := range said {
		ann.say("", s)
		if m, _ := ann.untilTalk(s); s == "m9" {
			seen = m.Seq
		}
	}
	bob := dialSince(t, b.addr, "bob", seen)
	if caught := bob.caughtUp(seen, len(said)-10); !slices.Equal(caught, said[10:]) {
		t.Fatalf("bob caught up with %v, want %v", caught, said[10:])
	}
	pages := map[string]string{}
	for name, c := range map[string]*roomClient{"ann": ann, "bob": bob} {
		all := c.scrollBack(12)
		if !slices.Equal(contents(all), said) {
			t.Fatalf("%s scrolled back to %v, want %v", name, contents(all), said)
		}
		pages[name] = fmt.Sprint(all)
	}
	if pages["ann"] != pages["bob"] {
		t.Fatalf("node a's history\n%s\nnode b's\n%s", pages["ann"], pages["bob"])
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeSearch, Content: "你好"})
	if r := bob.until(model.TypeSearch); !slices.Equal(contents(r.Messages), []string{"大家你好啊"}) {
		t.Fatalf("searching 你好 found %v", contents(r.Messages))
	}
	ann.send(&model.ChatRoomRequest{Type: model.TypeSearch, Content: "M2", Limit: 5})
	if r := ann.until(model.TypeSearch); !slices.Equal(contents(r.Messages), []string{"m29", "m28", "m27", "m26", "m25"}) || !r.More {
		t.Fatalf("searching M2 found %v (more %v)", contents(r.Messages), r.More)
	}
}

// With NATS, -history-keep is what the stream keeps of a room (its joins
// and leaves count): a client that comes back to a room (one its node did
// not follow, so had none of in memory) from before what is kept is told
// of the gap, then sent what is kept.
func TestClusterCatchUpPastKeepIsAGap(t *testing.T) {
	a, b := twoNodes(t, "-history-keep", "8", "-userlist-burst", "100", "-msg-burst", "100")
	ann := dialRooms(t, a.addr, "ann", "r")
	seqs := map[string]uint64{}
	for i := range 20 {
		s := fmt.Sprint("m", i)
		ann.say("r", s)
		m, _ := ann.untilTalk(s)
		seqs[s] = m.Seq
	}
	q := url.Values{"room": {"r"}, "since": {fmt.Sprintf("r:%d", seqs["m2"])}}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+b.addr+"/ws?"+q.Encode(), http.Header{"Username": {"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	bob := &roomClient{t: t, name: "bob", ws: ws}
	gap := bob.until(model.TypeGap)
	if gap.Content != "older messages are no longer available" || gap.Seq != seqs["m13"] || gap.Room != "r" {
		t.Fatalf("the gap: %v (m13 has seq %d)", gap, seqs["m13"])
	}
	var caught []string
	for len(caught) < 7 {
		caught = append(caught, contents(bob.until(model.TypeHistory).Messages)...)
	}
	if want := []string{"m13", "m14", "m15", "m16", "m17", "m18", "m19"}; !slices.Equal(caught, want) {
		t.Fatalf("after the gap bob got %v, want %v (the last 8 events: 7 talks and bob's join)", caught, want)
	}
}
