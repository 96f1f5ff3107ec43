package view_test

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/internal/chattest"
	"chatroom/internal/poll"
)

// step runs the UI work queued, one piece at a time, until cond holds
// after one of them: it sees a state the next piece of work ends (a
// "loading" note its page replaces), which until, running all that is
// queued before looking, could miss.
func (u *uiLoop) step(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.CheckFor(t, waitTime, uiPoll, func() error {
		for {
			select {
			case f := <-u.q:
				f()
				if cond() {
					return nil
				}
			default:
				return poll.Check(cond(), "%s", what)
			}
		}
	})
}

// storedServer serves a chat room whose history is kept in a directory,
// with no limits on how fast a test talks and reads.
func storedServer(t *testing.T) *chattest.Server {
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	cfg.UserListInterval, cfg.UserListRatePerIP = 0, 0
	return chattest.StartStored(t, cfg, "", t.TempDir())
}

// A room with more past than a join replays: scrolled to the top, the
// window says it is loading, puts the older talks above without moving
// the lines shown, and says when the beginning is reached. (A list short
// enough to show its top, as it is while a join's talks arrive, loads too:
// the first page may come without scrolling.)
func TestScrollBackLoadsToTheBeginning(t *testing.T) {
	test.NewTempApp(t)
	srv := storedServer(t)
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice", "go")
	const said = 160
	for i := range said {
		a.say(fmt.Sprint("talk ", i))
	}
	c := loggedIn(t, ui, srv.Addr, "carol", "go")
	c.waitLine(fmt.Sprint("alice: talk ", said-1))
	row := widget.NewLabel("X").MinSize().Height
	loaded := false
	for range said / 50 * 2 { // pages of 50, and a page at most per scroll
		held := len(c.w.Lines())
		if c.w.HistoryNoteText() == "Beginning of the room" {
			break
		}
		c.w.Messages.ScrollToTop()
		c.ui.step(t, "the loading note", func() bool {
			return c.w.HistoryNoteText() != "" || len(c.w.Lines()) > held // the page may be in already
		})
		loaded = loaded || c.w.HistoryNoteText() == "Loading older messages…"
		c.ui.until(t, "the page", func() bool { return c.w.HistoryNoteText() != "Loading older messages…" })
		// The line that was at the top still is: the list moved by the
		// rows put above it.
		added := float32(len(c.w.Lines()) - held)
		if off, want := c.w.Messages.GetScrollOffset(), added*(row+theme.Padding()); off != want {
			t.Fatalf("the list is at %v after a page of %v, want %v", off, added, want)
		}
	}
	if !loaded {
		t.Error("the loading note was never shown")
	}
	lines := c.w.Lines()
	if c.w.HistoryNoteText() != "Beginning of the room" || len(lines) != said {
		t.Fatalf("after scrolling back carol holds %d lines and the note says %q", len(lines), c.w.HistoryNoteText())
	}
	for i, l := range lines {
		if !strings.HasSuffix(l, fmt.Sprint("alice: talk ", i)) {
			t.Fatalf("line %d is %q", i, l)
		}
	}
	c.w.Messages.ScrollToTop() // the beginning is held: nothing more is asked
	c.ui.until(t, "the lines drawn", func() bool { return len(c.w.Lines()) == said })
	if note := c.w.HistoryNoteText(); note != "Beginning of the room" {
		t.Fatalf("at the top again the note says %q", note)
	}
}

// Ctrl+F opens the conversation's search; 你好 finds its talks, newest
// first with sender and time; choosing one not held loads the talks up to
// it and shows it.
func TestSearchFindsAndShowsAResult(t *testing.T) {
	test.NewTempApp(t)
	srv := storedServer(t)
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice", "中文")
	a.say("你好，第一条")
	for i := range 60 {
		a.say(fmt.Sprint("talk ", i))
	}
	a.say("大家你好")
	c := loggedIn(t, ui, srv.Addr, "carol", "中文")
	c.waitLine("alice: 大家你好")
	if c.w.Shortcut(fyne.KeyF); c.w.Win.Canvas().Focused() != c.w.SearchField {
		t.Fatal("Ctrl+F did not put the focus in the search field")
	}
	test.Type(c.w.SearchField, "你好")
	c.w.SearchField.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c.ui.until(t, "two results", func() bool { return len(c.w.SearchResults()) == 2 })
	res := c.w.SearchResults()
	if !strings.HasSuffix(res[0], "alice: 大家你好") || !strings.HasSuffix(res[1], "alice: 你好，第一条") || !strings.Contains(res[0], "-") {
		t.Fatalf("results: %q", res)
	}
	if c.w.SearchMore.Visible() {
		t.Fatal("More results shown for a search that has none")
	}
	c.w.ChooseResult(1) // not among the 50 talks carol holds
	c.ui.until(t, "the first talk shown", func() bool {
		return c.w.Chosen() != 0 && strings.HasSuffix(c.w.Lines()[0], "alice: 你好，第一条")
	})
	if off := c.w.Messages.GetScrollOffset(); off != 0 {
		t.Fatalf("the chosen talk is the first line, but the list is at %v", off)
	}
	test.Type(c.w.SearchField, "x")
	c.w.SearchField.SetText("   ")
	c.w.SearchField.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c.ui.until(t, "the empty search explained", func() bool { return c.w.SearchErr.Text == "Type what to search for" })
	test.Tap(c.w.SearchClose)
	c.w.Show(ctrl.RoomConv("中文"))
}
