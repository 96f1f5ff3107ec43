package session_test

import (
	"slices"
	"testing"

	"chatroom/config"
	"chatroom/internal/chattest"
	"chatroom/model"
	"chatroom/service/session"
)

// storedConfig is a server's settings for tests that read history back:
// no rate limits on talks and reads (a test asks faster than people do).
func storedConfig() config.Server {
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	cfg.UserListInterval, cfg.UserListRatePerIP = 0, 0
	return cfg
}

// isPage matches a Page of room.
func isPage(room string) func(session.Event) bool {
	return func(e session.Event) bool { p, ok := e.(session.Page); return ok && p.Room == room }
}

// A session that joins a room with a long past gets its last talks, then
// pages back to the beginning: every talk once, in order.
func TestSessionScrollsBackToTheBeginning(t *testing.T) {
	cfg := storedConfig()
	srv := chattest.StartStored(t, cfg, "", t.TempDir())
	a, arec, _ := run(t, session.Config{URL: srv.URL, Username: "alice", Rooms: []string{"go"}})
	arec.wait(t, "alice connected", state(session.Connected))
	said := numbered("talk", 130)
	sayAll(t, a, arec, "go", said)
	c, crec, _ := run(t, session.Config{URL: srv.URL, Username: "carol", Rooms: []string{"go"}})
	crec.wait(t, "carol connected", state(session.Connected))
	crec.wait(t, "the last talk replayed", roomTalk("go", said[len(said)-1]))
	var held []*model.ChatRoomRequest
	crec.mu.Lock()
	for _, e := range crec.events {
		if tk, ok := e.(session.Talk); ok {
			held = append(held, tk.Msg)
		}
	}
	crec.mu.Unlock()
	if len(held) != cfg.History {
		t.Fatalf("carol was replayed %d talks, want %d", len(held), cfg.History)
	}
	for pages := 0; ; pages++ {
		if pages > len(said) {
			t.Fatal("no beginning")
		}
		if err := c.Page("go", "", held[0].Seq, 0); err != nil {
			t.Fatal(err)
		}
		p := crec.wait(t, "a page", isPage("go")).(session.Page)
		if p.Before != held[0].Seq || len(p.Messages) > session.PageSize {
			t.Fatalf("page before %d of %d talks, asked before %d", p.Before, len(p.Messages), held[0].Seq)
		}
		held = append(slices.Clone(p.Messages), held...)
		if !p.More {
			break
		}
	}
	got := make([]string, len(held))
	for i, m := range held {
		got[i] = m.Content
	}
	if !slices.Equal(got, said) {
		t.Fatalf("carol holds\n%q\nwant\n%q", got, said)
	}
}

// Search finds a two-character Chinese word, newest first, in pages.
func TestSessionSearchesChinese(t *testing.T) {
	srv := chattest.StartStored(t, storedConfig(), "", t.TempDir())
	a, arec, _ := run(t, session.Config{URL: srv.URL, Username: "alice", Rooms: []string{"中文"}})
	arec.wait(t, "alice connected", state(session.Connected))
	sayAll(t, a, arec, "中文", []string{"你好，世界", "大家好", "你 好 不在一起", "hello 你好吗", "再见", "你好"})
	if err := a.Search("中文", "", "你好", 0, 2); err != nil {
		t.Fatal(err)
	}
	isFound := func(e session.Event) bool { f, ok := e.(session.Found); return ok && f.Room == "中文" }
	f := arec.wait(t, "the results", isFound).(session.Found)
	if f.Query != "你好" || len(f.Messages) != 2 || !f.More || f.Messages[0].Content != "你好" || f.Messages[1].Content != "hello 你好吗" {
		t.Fatalf("first page: %+v", f)
	}
	if err := a.Search("中文", "", "你好", f.Messages[1].Seq, 2); err != nil {
		t.Fatal(err)
	}
	f = arec.wait(t, "the next results", isFound).(session.Found)
	if len(f.Messages) != 1 || f.More || f.Messages[0].Content != "你好，世界" {
		t.Fatalf("second page: %+v", f)
	}
	for _, bad := range []string{"", "  ", string(make([]byte, session.MaxQuery+1))} {
		if err := a.Search("中文", "", bad, 0, 0); err == nil {
			t.Errorf("query %q was sent", bad)
		}
	}
}

// A direct conversation pages back too: its talks, oldest first, each
// with its seq, and the beginning.
func TestSessionPagesADirectConversation(t *testing.T) {
	srv := chattest.StartStored(t, storedConfig(), "", t.TempDir())
	a, arec, _ := run(t, session.Config{URL: srv.URL, Username: "alice"})
	arec.wait(t, "alice connected", state(session.Connected))
	b, brec, _ := run(t, session.Config{URL: srv.URL, Username: "bob"})
	brec.wait(t, "bob connected", state(session.Connected))
	said := []string{"嗨 bob", "are you there?", "再见"}
	for _, text := range said {
		if err := a.Direct("bob", text); err != nil {
			t.Fatal(err)
		}
		brec.wait(t, text, talk(text))
	}
	if err := b.Page("", "alice", 0, 2); err != nil {
		t.Fatal(err)
	}
	isDM := func(e session.Event) bool { p, ok := e.(session.Page); return ok && p.To == "alice" }
	p := brec.wait(t, "the newest page", isDM).(session.Page)
	if len(p.Messages) != 2 || !p.More || p.Messages[0].Content != said[1] || p.Messages[1].Content != said[2] {
		t.Fatalf("newest page: %+v", p)
	}
	if err := b.Page("", "alice", p.Messages[0].Seq, 2); err != nil {
		t.Fatal(err)
	}
	p = brec.wait(t, "the oldest page", isDM).(session.Page)
	if len(p.Messages) != 1 || p.More || p.Messages[0].Content != said[0] {
		t.Fatalf("oldest page: %+v", p)
	}
}
