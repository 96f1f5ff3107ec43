package view_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"chatroom/ctrl"
	"chatroom/internal/wsscript"
	"chatroom/model"
)

// lineIndex is the index of the first line of the conversation shown
// holding text, -1 if none.
func (c *client) lineIndex(text string) int {
	return slices.IndexFunc(c.w.Lines(), func(l string) bool { return strings.Contains(l, text) })
}

// waitLineOf waits for a line of conversation conv holding text.
func (c *client) waitLineOf(conv ctrl.Conv, text string) {
	c.t.Helper()
	c.ui.until(c.t, "a line of "+conv.Room+" with "+text, func() bool {
		return slices.ContainsFunc(c.w.LinesOf(conv), func(l string) bool { return strings.Contains(l, text) })
	})
}

// A plain member sees a room's moderation: the topic and slow mode in the
// header, the events as lines, the operator's notices, deleted talks as
// tombstones (in the last talks and live), a refusal as the error it is,
// and its own kick from a room (which closes it); it is offered no
// moderation: no Delete message, and commands refused here in words.
func TestModerationSeenByAMember(t *testing.T) {
	until := time.Date(2030, 1, 2, 10, 30, 0, 0, time.Local).UnixMilli()
	first := []*model.ChatRoomRequest{
		{Type: model.TypeJoin, UserName: "alice", Room: "go", Seq: 1},
		{Type: model.TypeTopic, Room: "go", Topic: "Go talk"},
		{Type: model.TypeSlow, Room: "go", Duration: 10},
		{Type: model.TypeTalk, Room: "go", UserName: "bob", Content: "hi there", Seq: 2},
		{Type: model.TypeTalk, Room: "go", UserName: model.SystemName, Content: "maintenance at ten", Seq: 3},
		{Type: model.TypeDelete, Room: "go", UserName: "bob", By: "carol", Seq: 4},
	}
	steps := map[string][]*model.ChatRoomRequest{
		"events": {
			{Type: model.TypeKick, Room: "go", UserName: "dave", By: "carol", Content: "rude", Seq: 5},
			{Type: model.TypeMute, Room: "go", UserName: "erin", By: "carol", Until: until, Duration: 60, Seq: 6},
			{Type: model.TypeDelete, Room: "go", UserName: "bob", By: "carol", TargetSeq: 2, Seq: 7},
			{Type: model.TypeTopic, Room: "go", By: "carol", Topic: "Go and gophers", Seq: 8},
			{Type: model.TypeSlow, Room: "go", By: "carol", Seq: 9},
			{Type: model.TypeRole, Room: "go", UserName: "frank", By: "carol", Role: model.RoleModerator, Seq: 10},
			{Type: model.TypeError, Room: "go", Content: "you are muted in go until 10:30"},
		},
		"join":    {{Type: model.TypeJoin, UserName: "alice", Room: "side", Seq: 1}},
		"kick me": {{Type: model.TypeKick, Room: "side", UserName: "alice", By: "carol", Content: "off topic", Seq: 2}},
	}
	url := wsscript.Serve(t, nil, first, func(m *model.ChatRoomRequest) []*model.ChatRoomRequest {
		switch m.Type {
		case model.TypeTalk:
			return steps[m.Content]
		case model.TypeHistory: // nothing older
			return []*model.ChatRoomRequest{{Type: model.TypeHistory, Room: m.Room, Before: m.Before}}
		}
		return nil
	})
	a := scripted(t, url, 0)
	go_ := ctrl.RoomConv("go")
	a.waitLineOf(go_, "bob: message deleted by carol")
	a.ui.until(t, "the topic and slow mode in the header", func() bool {
		return a.w.Topic.Visible() && a.w.Topic.Text == "Topic: Go talk · Slow mode: one message per 10 s"
	})
	a.waitLine("Notice from the operator: maintenance at ten")
	a.readBack(go_)
	a.say("events")
	for _, want := range []string{
		"dave was kicked by carol: rude",
		"erin was muted by carol until 2030-01-02 10:30",
		"carol set the topic: Go and gophers",
		"carol turned slow mode off",
		"carol made frank a moderator",
		"The server said: you are muted in go until 10:30",
	} {
		a.waitLine(want)
	}
	a.ui.until(t, "hi there replaced by its tombstone", func() bool {
		return a.lineIndex("hi there") < 0 && strings.Count(strings.Join(a.w.Lines(), "\n"), "bob: message deleted by carol") == 2
	})
	if a.w.Topic.Text != "Topic: Go and gophers" {
		t.Fatalf("header %q", a.w.Topic.Text)
	}

	a.w.Messages.Select(a.lineIndex("maintenance"))
	if a.ui.run(); a.w.DeleteBtn.Visible() {
		t.Fatal("a member is offered Delete message")
	}
	for cmd, want := range map[string]string{
		"/kick bob":   "You are not a moderator of this room",
		"/delete":     "You are not a moderator of this room",
		"/mod bob":    "Only the room's owner or an admin may name moderators",
		"/frob":       "Unknown command: /frob (try /help)",
		"/ban bob 0h": "A duration is from 1s to 366 days, like 10m, 2h or 7d",
	} {
		a.w.Input.SetText(cmd)
		a.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		a.ui.until(t, cmd+" refused", func() bool { return a.w.InputErr.Visible() && a.w.InputErr.Text == want })
	}
	a.say("/help")
	a.waitLine("Commands: /help; // at the start sends a message that starts with /")
	if a.lineIndex("Moderation: /kick") >= 0 {
		t.Fatal("/help lists moderation to a member")
	}

	a.say("join")
	a.ui.until(t, "side listed", func() bool { return slices.Equal(a.w.Convs(), []string{"#go", "#side"}) })
	a.w.Show(ctrl.RoomConv("side"))
	a.say("kick me")
	a.ui.until(t, "side closed", func() bool { return slices.Equal(a.w.Convs(), []string{"#go"}) })
	a.waitLineOf(go_, "You were kicked from #side by carol: off topic")
}

// Deleted talks are tombstones in an older page and in search results
// too, and a talk deleted while found turns into one among the results.
func TestTombstonesInPagesAndSearch(t *testing.T) {
	tomb := &model.ChatRoomRequest{Type: model.TypeDelete, Room: "go", UserName: "bob", By: "carol", Seq: 9}
	old := &model.ChatRoomRequest{Type: model.TypeTalk, Room: "go", UserName: "carol", Content: "an old word", Seq: 8}
	url := wsscript.Serve(t, nil, []*model.ChatRoomRequest{
		{Type: model.TypeJoin, UserName: "alice", Room: "go", Seq: 10},
		{Type: model.TypeTalk, Room: "go", UserName: "dave", Content: "the latest word", Seq: 11},
	}, func(m *model.ChatRoomRequest) []*model.ChatRoomRequest {
		switch m.Type {
		case model.TypeHistory:
			return []*model.ChatRoomRequest{{Type: model.TypeHistory, Room: "go", Before: m.Before, Messages: []*model.ChatRoomRequest{old, tomb}}}
		case model.TypeSearch:
			return []*model.ChatRoomRequest{{Type: model.TypeSearch, Room: "go", Content: m.Content, Messages: []*model.ChatRoomRequest{
				{Type: model.TypeTalk, Room: "go", UserName: "dave", Content: "the latest word", Seq: 11}, tomb, old}}}
		case model.TypeTalk: // a moderator deletes dave's talk
			return []*model.ChatRoomRequest{{Type: model.TypeDelete, Room: "go", UserName: "dave", By: "carol", TargetSeq: 11, Seq: 12}}
		}
		return nil
	})
	a := scripted(t, url, 0)
	a.ui.until(t, "the older page", func() bool {
		return len(a.w.Lines()) >= 3 && strings.HasSuffix(a.w.Lines()[0], "carol: an old word") && strings.HasSuffix(a.w.Lines()[1], "bob: message deleted by carol")
	})
	a.w.Shortcut(fyne.KeyF)
	a.w.SearchField.SetText("word")
	a.w.SearchField.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.ui.until(t, "three results", func() bool { return len(a.w.SearchResults()) == 3 })
	if res := a.w.SearchResults(); !strings.HasSuffix(res[1], "bob: message deleted by carol") {
		t.Fatalf("results: %q", res)
	}
	a.say("delete it")
	a.ui.until(t, "the latest word deleted, in the list and the results", func() bool {
		res := a.w.SearchResults()
		return strings.HasSuffix(res[0], "dave: message deleted by carol") && a.lineIndex("the latest word") < 0
	})
}
