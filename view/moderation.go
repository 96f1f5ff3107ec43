package view

// This file owns what the window shows and offers of moderation: the room
// header's topic, slow mode and our role; choosing a message in the list
// and deleting it (the Delete message button, for moderators and up); and
// a deleted talk turning into its tombstone.

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// buildModeration makes the room note (topic, slow mode, role) and the
// Delete message button, and lets a message of the list be chosen.
func (w *Window) buildModeration() {
	w.Topic = widget.NewLabel("")
	w.Topic.Wrapping = fyne.TextWrapWord
	w.Topic.Hide()
	w.DeleteBtn = widget.NewButton(lang.L("Delete message"), w.deleteSelected)
	w.DeleteBtn.Importance = widget.DangerImportance
	w.DeleteBtn.Hide()
	w.Messages.OnSelected = func(id widget.ListItemID) { w.chooseLine(id) }
	w.Messages.OnUnselected = func(widget.ListItemID) { w.chooseLine(-1) }
}

// chooseLine records line id of the conversation shown as the one
// selected (-1: none), for the Delete message button and /delete.
func (w *Window) chooseLine(id widget.ListItemID) {
	cv := w.cur
	cv.selected = 0
	// Not our own: the server lets nobody act on their own role's equal.
	if id >= 0 && id < len(cv.lines) && deletable(cv.lines[id]) && !cv.lines[id].Own {
		cv.selected = cv.lines[id].Seq
	}
	if w.ctrl != nil {
		w.ctrl.Select(cv.conv, cv.selected)
	}
	w.showModControls()
}

// deletable says whether l is a message a moderator may delete.
func deletable(l ctrl.Line) bool {
	return l.Seq != 0 && (l.Kind == ctrl.LineTalk || l.Kind == ctrl.LineOperator)
}

// deleteSelected asks to delete the message selected.
func (w *Window) deleteSelected() {
	cv := w.cur
	seq := cv.selected
	go func() {
		if err := w.ctrl.DeleteTalk(cv.conv, seq); err != nil {
			w.do(func() { w.AppendLine(cv.conv, errorLine(err.Text)) })
		}
	}()
}

// SetRoomMod implements ctrl.ClientView.
func (w *Window) SetRoomMod(c ctrl.Conv, m ctrl.RoomMod) {
	w.do(func() {
		if cv := w.find(c); cv != nil {
			cv.mod = m
			if cv == w.cur {
				w.showModControls()
			}
		}
	})
}

// showModControls shows the conversation shown's room note, and the
// Delete message button when we may delete the message selected.
func (w *Window) showModControls() {
	cv := w.cur
	var parts []string
	if cv.mod.Topic != "" {
		parts = append(parts, lang.L("Topic: {{.Topic}}", map[string]any{"Topic": ctrl.ShownText(cv.mod.Topic)}))
	}
	if cv.mod.Slow != 0 {
		parts = append(parts, lang.L("Slow mode: one message per {{.Seconds}} s", map[string]any{"Seconds": cv.mod.Slow}))
	}
	if role := roleName(cv.mod.Role); role != "" {
		parts = append(parts, lang.L("You are {{.Role}} here", map[string]any{"Role": role}))
	}
	note := strings.Join(parts, " · ")
	w.Topic.SetText(note)
	w.Topic.Hidden = note == ""
	w.Topic.Refresh()
	if cv.mod.CanModerate() && cv.selected != 0 {
		w.DeleteBtn.Show()
	} else {
		w.DeleteBtn.Hide()
	}
}

// roleName is a role as the room note says it.
func roleName(role string) string {
	switch role {
	case "moderator":
		return lang.L("a moderator")
	case "owner":
		return lang.L("the owner")
	case "admin":
		return lang.L("an admin")
	}
	return ""
}

// DeleteLine implements ctrl.ClientView: the talk seq becomes its
// tombstone, in the list and in the search results, keeping its time.
func (w *Window) DeleteLine(c ctrl.Conv, seq uint64, tomb ctrl.Line) {
	w.do(func() {
		cv := w.find(c)
		if cv == nil {
			return
		}
		if i := slices.IndexFunc(cv.lines, func(l ctrl.Line) bool { return l.Seq == seq && deletable(l) }); i >= 0 {
			cv.lines[i] = keepTime(cv.lines[i], tomb)
			cv.heights[i] = max(w.lineHeight(cv.lines[i]), w.rowHeight)
			if cv == w.cur {
				w.Messages.SetItemHeight(i, cv.heights[i])
				w.Messages.Refresh()
			}
		}
		if i := slices.IndexFunc(cv.search.results, func(l ctrl.Line) bool { return l.Seq == seq && deletable(l) }); i >= 0 {
			cv.search.results[i] = keepTime(cv.search.results[i], tomb)
			if cv == w.cur {
				w.Results.Refresh()
			}
		}
		if cv.selected == seq { // deleted: nothing left to delete
			cv.selected = 0
			w.ctrl.Select(cv.conv, 0)
			if cv == w.cur {
				w.showModControls()
			}
		}
	})
}

// keepTime is tomb, at old's time when it has none of its own.
func keepTime(old, tomb ctrl.Line) ctrl.Line {
	if tomb.Time.IsZero() {
		tomb.Time = old.Time
	}
	tomb.Past = old.Past
	return tomb
}

// lineBody is what a talk, a tombstone or an operator's notice says,
// after its time.
func lineBody(l ctrl.Line) string {
	switch l.Kind {
	case ctrl.LineDeleted:
		if l.By == "" {
			return ctrl.ShownName(l.Sender) + ": " + lang.L("message deleted")
		}
		return ctrl.ShownName(l.Sender) + ": " + lang.L("message deleted by {{.By}}", map[string]any{"By": ctrl.ShownName(l.By)})
	case ctrl.LineOperator:
		return lang.L("Notice from the operator: {{.Text}}", map[string]any{"Text": ctrl.ShownText(l.Text)})
	}
	return ctrl.ShownName(l.Sender) + ": " + ctrl.ShownText(l.Text)
}
