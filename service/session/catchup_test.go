package session_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/chattest"
	"chatroom/internal/faultnet"
	"chatroom/internal/wsscript"
	"chatroom/model"
	"chatroom/service/session"
)

// roomTalks is the contents of the talks rec reported in room, in order.
func (r *recorder) roomTalks(room string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if tk, ok := e.(session.Talk); ok && tk.Msg.Room == room {
			out = append(out, tk.Msg.Content)
		}
	}
	return out
}

// sayAll has s say each of texts in room, each answered before the next.
func sayAll(t *testing.T, s *session.Session, rec *recorder, room string, texts []string) {
	t.Helper()
	for _, text := range texts {
		if err := s.Talk(room, text); err != nil {
			t.Fatal(err)
		}
		rec.wait(t, text, roomTalk(room, text))
	}
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i)
	}
	return out
}

// The link to the server drops while the server runs on: the session
// comes back to each of its rooms from the last seq it saw (the
// handshake's since), and is sent exactly the talks it missed, once, in
// order, then the live ones. Nothing is de-duplicated by the client.
func TestSessionCatchesUpAfterReconnect(t *testing.T) {
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	srv := chattest.Start(t, cfg, "")
	link := faultnet.New(t, srv.Addr)
	rooms := []string{"go", "rust"}
	a, arec, _ := run(t, session.Config{URL: "ws://" + link.Addr() + "/ws", Username: "alice", Rooms: rooms, Reconnect: true, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	arec.wait(t, "alice connected", state(session.Connected))
	b, brec, _ := run(t, session.Config{URL: srv.URL, Username: "bob", Rooms: rooms})
	brec.wait(t, "bob connected", state(session.Connected))
	want := map[string][]string{}
	for _, room := range rooms {
		before := numbered(room+" before", 3)
		sayAll(t, b, brec, room, before)
		arec.wait(t, "the last before", roomTalk(room, before[2]))
		want[room] = before
	}
	link.Partition()
	arec.wait(t, "reconnecting", state(session.Reconnecting))
	for _, room := range rooms { // said while alice is away
		away := numbered(room+" away", 30)
		sayAll(t, b, brec, room, away)
		want[room] = append(want[room], away...)
	}
	link.Heal()
	arec.wait(t, "connected again", state(session.Connected))
	for _, room := range rooms {
		sayAll(t, a, arec, room, []string{room + " back"})
		want[room] = append(want[room], room+" back")
	}
	for _, room := range rooms {
		if got := arec.roomTalks(room); !slices.Equal(got, want[room]) {
			t.Errorf("%s: alice holds\n%q\nwant\n%q", room, got, want[room])
		}
		if a.LastSeq(room) == 0 {
			t.Errorf("%s: no last seq", room)
		}
	}
}

// awayWhileSaid runs alice, through a link that can be cut, and bob in
// room go of srv: bob says "first", then n talks while alice's link is
// cut, and the link heals. It returns alice's recorder and the n talks.
func awayWhileSaid(t *testing.T, srv *chattest.Server, n int) (*recorder, []string) {
	t.Helper()
	link := faultnet.New(t, srv.Addr)
	_, arec, _ := run(t, session.Config{URL: "ws://" + link.Addr() + "/ws", Username: "alice", Rooms: []string{"go"}, Reconnect: true, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	arec.wait(t, "alice connected", state(session.Connected))
	b, brec, _ := run(t, session.Config{URL: srv.URL, Username: "bob", Rooms: []string{"go"}})
	brec.wait(t, "bob connected", state(session.Connected))
	sayAll(t, b, brec, "go", []string{"first"})
	arec.wait(t, "first", roomTalk("go", "first"))
	link.Partition()
	arec.wait(t, "reconnecting", state(session.Reconnecting))
	away := numbered("away", n)
	sayAll(t, b, brec, "go", away)
	link.Heal()
	return arec, away
}

// More was said while the session was away than the server can replay
// (a server without a store holds only its rooms' last talks): the session
// is told of the gap, then gets the room's latest talks, in order.
func TestSessionIsToldOfAGap(t *testing.T) {
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	cfg.History = 10
	arec, away := awayWhileSaid(t, chattest.Start(t, cfg, ""), 25)
	gap := arec.wait(t, "the gap", func(e session.Event) bool { g, ok := e.(session.Gap); return ok && g.Room == "go" }).(session.Gap)
	if gap.Reason == "" {
		t.Error("a gap without a reason")
	}
	arec.wait(t, "the last talk", roomTalk("go", away[24]))
	var after []string // the talks reported after the gap
	arec.mu.Lock()
	i := slices.IndexFunc(arec.events, func(e session.Event) bool { _, ok := e.(session.Gap); return ok })
	for _, e := range arec.events[i:] {
		if tk, ok := e.(session.Talk); ok {
			after = append(after, tk.Msg.Content)
		}
	}
	arec.mu.Unlock()
	if want := away[25-cfg.History:]; !slices.Equal(after, want) {
		t.Fatalf("after the gap alice got\n%q\nwant the latest\n%q", after, want)
	}
}

// A page of history can be as big as 200 talks of 4 KB: the session reads
// it. The chat server caps its pages at 256 KB of content, so a server of
// the test's own sends the biggest page a server with longer talks could.
func TestSessionReadsABigPage(t *testing.T) {
	page := &model.ChatRoomRequest{Type: model.TypeHistory, Room: "go", Before: 1000, More: true}
	for i := range model.MaxHistoryPage {
		page.Messages = append(page.Messages, &model.ChatRoomRequest{
			Type: model.TypeTalk, Room: "go", UserName: "bob", Seq: uint64(500 + i), Timestamp: 1,
			Content: string(make([]byte, 4096)),
		})
	}
	if n := len(model.Encode(page)); n < 800<<10 {
		t.Fatalf("the page is only %d bytes", n)
	}
	url := wsscript.Serve(t, nil, []*model.ChatRoomRequest{{Type: model.TypeJoin, UserName: "x", Room: "go", Seq: 1}},
		func(*model.ChatRoomRequest) []*model.ChatRoomRequest { return []*model.ChatRoomRequest{page} })
	s, rec, _ := run(t, session.Config{URL: url, Username: "x"})
	rec.wait(t, "connected", state(session.Connected))
	if err := s.Page("go", "", 1000, 0); err != nil {
		t.Fatal(err)
	}
	p := rec.wait(t, "the page", func(e session.Event) bool { _, ok := e.(session.Page); return ok }).(session.Page)
	if len(p.Messages) != model.MaxHistoryPage || !p.More || p.Before != 1000 {
		t.Fatalf("page of %d talks, more %v, before %d", len(p.Messages), p.More, p.Before)
	}
}

// A catch-up longer than one frame (200 talks) comes in several, in
// order, from a server that keeps its history in a store.
func TestSessionCatchesUpInSeveralFrames(t *testing.T) {
	arec, away := awayWhileSaid(t, chattest.StartStored(t, storedConfig(), "", t.TempDir()), model.MaxHistoryPage+50)
	arec.wait(t, "the last talk", roomTalk("go", away[len(away)-1]))
	if got, want := arec.roomTalks("go"), append([]string{"first"}, away...); !slices.Equal(got, want) {
		t.Fatalf("alice holds %d talks, want %d:\n%q", len(got), len(want), got)
	}
}
