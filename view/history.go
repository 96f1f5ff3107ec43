package view

// This file owns scrolling back: when the message list shows its top line,
// the conversation's older talks are asked for (one page at a time); the
// note above the list says they are loading, or that the beginning is
// reached; a page goes before the lines held without moving what the user
// reads; a gap in catching up replaces the lines with its notice; and a
// search result is shown by scrolling to it.

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// buildHistoryNote makes the note above the message list.
func (w *Window) buildHistoryNote() {
	w.HistoryNote = widget.NewLabel("")
	w.HistoryNote.Alignment = fyne.TextAlignCenter
	w.HistoryNote.Importance = widget.LowImportance
	w.HistoryNote.TextStyle.Italic = true
	w.HistoryNote.Hide()
}

// topShown is the message list drawing its first line: the user is at the
// top, so older talks are asked for, unless a page is on its way or the
// beginning is held. The controller says whether it asked (SetHistory):
// it asks once at a time, and not again for a while after a refusal.
func (w *Window) topShown() {
	cv := w.cur
	busy := cv.mark == ctrl.HistoryLoading || cv.mark == ctrl.HistoryBeginning
	if !w.connected || cv.asking || busy || len(cv.lines) == 0 || w.ctrl == nil {
		return
	}
	if cv.conv == (ctrl.Conv{}) {
		return // a server without rooms keeps no history to page
	}
	cv.asking = true
	go func() {
		err := w.ctrl.LoadOlder(cv.conv)
		w.do(func() {
			cv.asking = false
			if err != nil && cv == w.cur {
				w.fieldError(err)
			}
		})
	}()
}

// SetHistory implements ctrl.ClientView.
func (w *Window) SetHistory(c ctrl.Conv, mark ctrl.HistoryMark, why ctrl.Text) {
	w.do(func() {
		if cv := w.find(c); cv != nil {
			cv.mark, cv.refusal = mark, why
			if cv == w.cur {
				w.showHistoryNote()
			}
		}
	})
}

// showHistoryNote words the note of the conversation shown.
func (w *Window) showHistoryNote() {
	switch {
	case w.cur.mark == ctrl.HistoryLoading:
		w.HistoryNote.SetText(lang.L("Loading older messages…"))
	case w.cur.mark == ctrl.HistoryBeginning && w.cur.conv.IsDirect():
		w.HistoryNote.SetText(lang.L("Beginning of the conversation"))
	case w.cur.mark == ctrl.HistoryBeginning:
		w.HistoryNote.SetText(lang.L("Beginning of the room"))
	case w.cur.mark == ctrl.HistoryRefused:
		w.HistoryNote.SetText(tr(w.cur.refusal))
	default:
		w.HistoryNote.SetText("")
		w.HistoryNote.Hide()
		return
	}
	w.HistoryNote.Show()
}

// HistoryNoteText returns what the note above the message list says ("" when
// hidden), for tests and a11y.
func (w *Window) HistoryNoteText() string {
	if w.HistoryNote.Hidden {
		return ""
	}
	return w.HistoryNote.Text
}

// PrependLines implements ctrl.ClientView: older lines go first, and the
// list moves by their height, so the line the user was reading stays put.
func (w *Window) PrependLines(c ctrl.Conv, lines []ctrl.Line) {
	w.do(func() {
		cv := w.find(c)
		if cv == nil || len(lines) == 0 {
			return
		}
		heights := make([]float32, len(lines))
		added := float32(0)
		for i, l := range lines {
			heights[i] = max(w.lineHeight(l), w.rowHeight)
			added += heights[i] + theme.Padding() // a row and its separator
		}
		cv.lines = slices.Concat(lines, cv.lines)
		cv.heights = slices.Concat(heights, cv.heights)
		if cv != w.cur {
			cv.offset += added
			return
		}
		offset := w.Messages.GetScrollOffset()
		w.setItemHeights()
		w.Messages.Refresh()
		w.Messages.ScrollToOffset(offset + added)
	})
}

// setItemHeights gives the message list the heights of the shown lines.
func (w *Window) setItemHeights() {
	for i, h := range w.cur.heights {
		w.Messages.SetItemHeight(i, h)
	}
}

// ResetLines implements ctrl.ClientView: a gap in catching up; the room's
// latest talks follow the notice.
func (w *Window) ResetLines(c ctrl.Conv, notice ctrl.Line) {
	w.do(func() {
		cv := w.find(c)
		if cv == nil {
			return
		}
		cv.lines = []ctrl.Line{notice}
		cv.heights = []float32{max(w.lineHeight(notice), w.rowHeight)}
		cv.mark, cv.offset, cv.follow = ctrl.HistoryIdle, 0, true
		if cv == w.cur {
			w.setItemHeights()
			w.Messages.Refresh()
			w.Messages.ScrollToBottom()
			w.showHistoryNote()
		}
	})
}

// ScrollToSeq implements ctrl.ClientView: shows conversation c with its
// talk seq in view and selected.
func (w *Window) ScrollToSeq(c ctrl.Conv, seq uint64) {
	w.do(func() {
		cv := w.find(c)
		if cv == nil {
			return
		}
		i := slices.IndexFunc(cv.lines, func(l ctrl.Line) bool { return l.Kind == ctrl.LineTalk && l.Seq >= seq })
		if i < 0 {
			return
		}
		w.show(cv)
		cv.chosen = cv.lines[i].Seq
		w.Messages.ScrollTo(i)
		w.Messages.Select(i)
	})
}

// Chosen is the seq of the talk a search result showed in the
// conversation shown (0: none), for tests and a11y.
func (w *Window) Chosen() uint64 { return w.cur.chosen }
