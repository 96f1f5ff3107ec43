package view_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/internal/chattest"
	"chatroom/internal/faultnet"
)

// More was said while the window was away than the server could replay:
// the room's lines give way to the gap's notice, then its latest talks,
// each once and in order.
func TestGapShowsTheNoticeAndTheLatest(t *testing.T) {
	test.NewTempApp(t)
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	cfg.History = 5 // a server without a store replays this many at most
	srv := chattest.Start(t, cfg, "")
	link := faultnet.New(t, srv.Addr)
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{Reconnect: true, MinBackoff: 20 * time.Millisecond, Rooms: []string{"go"}})
	a.login(link.Addr(), "alice")
	a.waitStatus("Connected as alice")
	a.say("before")
	b := loggedIn(t, ui, srv.Addr, "bob", "go")
	link.Partition()
	a.waitStatus("Reconnecting")
	for i := range 12 {
		b.say(fmt.Sprint("away ", i))
	}
	link.Heal()
	a.waitStatus("Connected as alice")
	a.waitLineIn(ctrl.RoomConv("go"), "bob: away 11")
	// Joins come coalesced, up to a window late: bob's may follow the talks.
	lines := slices.DeleteFunc(a.w.LinesOf(ctrl.RoomConv("go")), func(l string) bool { return strings.HasSuffix(l, " joined") })
	if len(lines) != 6 || !strings.Contains(lines[0], "could be caught up") {
		t.Fatalf("after the gap, go shows %q", lines)
	}
	for i, l := range lines[1:] {
		if want := fmt.Sprint("bob: away ", 7+i); !strings.HasSuffix(l, want) {
			t.Fatalf("line %d is %q, want %q; all: %q", i+1, l, want, lines)
		}
	}
	if slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "before") }) {
		t.Fatalf("the line from before the gap is still shown: %q", lines)
	}
	// The short list's top asks for older talks, which a server without a
	// store refuses: the note above the list says so, once.
	a.ui.until(t, "the refusal in the note", func() bool {
		return strings.Contains(a.w.HistoryNoteText(), "Older messages cannot be loaded: history is not kept")
	})
}
