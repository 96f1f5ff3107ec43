package view

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"chatroom/ctrl"
)

// A room's topic in the public rooms list shows its bidirectional
// controls as codes, as a talk's text does: a moderator's topic
// "\u202e..." must not reorder the list's line (the server lets any
// UTF-8 text through, as in talks).
func TestRoomTopicBidiControlIsShown(t *testing.T) {
	test.NewTempApp(t)
	got := roomText(ctrl.RoomInfo{Name: "den", Members: 2, Topic: "\u202etxet"})
	if want := "#den (2 online): <U+202E>txet"; got != want {
		t.Errorf("rooms list line %+q, want %+q", got, want)
	}
}
