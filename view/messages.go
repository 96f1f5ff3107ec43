package view

// This file owns the message list: each conversation's lines, how a line
// reads and looks, and following the newest line unless the user has
// scrolled up.

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// buildMessages makes the message list, which shows the current
// conversation's lines.
func (w *Window) buildMessages() {
	w.Messages = widget.NewList(
		func() int { return len(w.cur.lines) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Wrapping = fyne.TextWrapWord; return l },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(w.cur.lines) {
				w.drawLine(o.(*widget.Label), w.cur.lines[id])
			}
			if id == 0 { // the top is in view: older talks (history.go)
				w.do(w.topShown)
			}
		})
	w.rowHeight = widget.NewLabel("X").MinSize().Height
}

// AppendLine implements ctrl.ClientView: a line of conversation c (the
// zero Conv: the one shown). A talk in a conversation not shown counts as
// unread, unless it is ours or history replayed when we joined. The list
// follows the newest line unless the user has scrolled up.
func (w *Window) AppendLine(c ctrl.Conv, l ctrl.Line) {
	w.do(func() {
		cv := w.cur
		if c != (ctrl.Conv{}) {
			if cv = w.find(c); cv == nil {
				return // a conversation closed meanwhile
			}
		}
		height := max(w.lineHeight(l), w.rowHeight)
		if cv != w.cur {
			cv.lines, cv.heights = append(cv.lines, l), append(cv.heights, height)
			if l.Kind == ctrl.LineTalk && !l.Own && !l.Past {
				cv.unread++
				w.ConvList.Refresh()
			}
			return
		}
		_, follow := w.scrollPlace()
		cv.lines, cv.heights = append(cv.lines, l), append(cv.heights, height)
		// Always set it: a row id may have held a taller line of another
		// conversation, or before a new login.
		w.Messages.SetItemHeight(len(cv.lines)-1, height)
		w.Messages.Refresh()
		if follow {
			w.Messages.ScrollToBottom()
		}
	})
}

// scrollPlace is where the message list is scrolled to, and whether that
// is the bottom. It asks the list itself, as the window may have been
// resized since the last line.
func (w *Window) scrollPlace() (offset float32, atBottom bool) {
	offset = w.Messages.GetScrollOffset()
	w.Messages.ScrollToBottom()
	atBottom = offset >= w.Messages.GetScrollOffset()-1
	if !atBottom {
		w.Messages.ScrollToOffset(offset)
	}
	return offset, atBottom
}

// lineHeight is the height of a line wrapped at the list's current width.
func (w *Window) lineHeight(l ctrl.Line) float32 {
	width := w.Messages.Size().Width - 2*theme.Padding() - theme.ScrollBarSize()
	text := lineText(l)
	if width <= 0 {
		return w.rowHeight * float32(strings.Count(text, "\n")+1)
	}
	m := widget.NewLabel(text)
	m.Wrapping = fyne.TextWrapWord
	m.TextStyle = fyne.TextStyle{Bold: l.Own}
	m.Resize(fyne.NewSize(width, w.rowHeight))
	return m.MinSize().Height
}

// Lines returns what the message list shows, as text (for tests and a11y).
func (w *Window) Lines() []string { return linesText(w.cur.lines) }

// LinesOf returns conversation c's lines, as text, shown or not.
func (w *Window) LinesOf(c ctrl.Conv) []string {
	if cv := w.find(c); cv != nil {
		return linesText(cv.lines)
	}
	return nil
}

func linesText(lines []ctrl.Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = lineText(l)
	}
	return out
}

func lineText(l ctrl.Line) string {
	at := l.Time.Format("15:04")
	switch l.Kind {
	case ctrl.LineJoin:
		return at + "  " + lang.L("{{.Name}} joined", map[string]any{"Name": ctrl.ShownName(l.Sender)})
	case ctrl.LineLeave:
		return at + "  " + lang.L("{{.Name}} left", map[string]any{"Name": ctrl.ShownName(l.Sender)})
	case ctrl.LineError, ctrl.LineNotice, ctrl.LineModeration:
		return at + "  " + tr(l.Info)
	}
	return at + "  " + lineBody(l) // moderation.go
}

func (w *Window) drawLine(label *widget.Label, l ctrl.Line) {
	label.TextStyle = fyne.TextStyle{Bold: l.Own, Italic: l.Kind != ctrl.LineTalk}
	switch {
	case l.Kind == ctrl.LineError:
		label.Importance = widget.DangerImportance
	case l.Kind == ctrl.LineNotice, l.Kind == ctrl.LineOperator:
		label.Importance = widget.WarningImportance
	case l.Kind != ctrl.LineTalk:
		label.Importance = widget.LowImportance
	case l.Own:
		label.Importance = widget.HighImportance
	default:
		label.Importance = widget.MediumImportance
	}
	label.SetText(lineText(l))
}
