package view_test

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chatroom/ctrl"
	"chatroom/view"
)

// A message whose text holds a bidirectional control (the server lets any
// text through) shows the control as a code: the window has no bidi
// algorithm, and the control would otherwise be invisible.
func TestBidiControlInTextIsShown(t *testing.T) {
	a, _, _ := connected(t, "bob", ctrl.ClientOptions{})
	a.say("\u202eolleh")
	a.waitLine("bob: <U+202E>olleh")
}

// Names from a server with older rules may hold invisible characters: the
// window shows them as codes, so "alice" and "alice"+U+200B do not look
// the same. (Today's server refuses such names, so the window is told of
// them directly, as its controller would be.)
func TestHiddenCharactersInNamesAreShown(t *testing.T) {
	test.NewTempApp(t)
	ui := newUILoop()
	w := view.New(fyne.CurrentApp(), ui.do)
	now := time.Now()
	w.AppendLine(ctrl.Conv{}, ctrl.Line{Kind: ctrl.LineJoin, Time: now, Sender: "alice\u200b"})
	w.AppendLine(ctrl.Conv{}, ctrl.Line{Kind: ctrl.LineTalk, Time: now, Sender: "\u202eecila", Text: "hi"})
	w.AppendLine(ctrl.Conv{}, ctrl.Line{Kind: ctrl.LineTalk, Time: now, Sender: "\u3164", Text: "boo"})
	w.AppendLine(ctrl.Conv{}, ctrl.Line{Kind: ctrl.LineTalk, Time: now, Sender: "family", Text: "👨\u200d👩\u200d👧"})
	ui.run()
	got := strings.Join(w.Lines(), "\n")
	for _, want := range []string{"alice<U+200B> joined", "<U+202E>ecila: hi", "<U+3164>: boo", "family: 👨\u200d👩\u200d👧"} {
		if !strings.Contains(got, want) {
			t.Errorf("no line with %+q in:\n%+q", want, got)
		}
	}
}
