package view

// This file owns the conversations: the sidebar of rooms and direct
// conversations with their unread counts, each one's own lines, users and
// draft, and switching between them without losing your place (where the
// list was scrolled to, what you were typing).

import (
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// convView is one conversation as the window keeps it.
type convView struct {
	conv      ctrl.Conv
	lines     []ctrl.Line
	heights   []float32        // each line's height in the message list
	users     ctrl.Users       // its users panel (users.go)
	filter    string           // what its users filter holds
	filterGen int              // counts its filter's changes: a pause asks only for the last
	usersErr  string           // why its users could not be asked for
	unread    int              // talks that came while another conversation was shown
	draft     string           // the message box, while another conversation is shown
	offset    float32          // the message list's scroll offset, likewise
	follow    bool             // the list was at the bottom: show the newest lines
	mark      ctrl.HistoryMark // older lines loading, the beginning held, or refused (history.go)
	refusal   ctrl.Text        // why they were refused
	asking    bool             // the controller is being asked for older lines
	chosen    uint64           // the seq of the talk a search result showed
	search    searchState      // its search panel (search.go)
	mod       ctrl.RoomMod     // its topic, slow mode and our role (moderation.go)
	selected  uint64           // the seq of the message selected in its list (0: none)
}

func newConvView(c ctrl.Conv) *convView { return &convView{conv: c, follow: true} }

// convName is how the sidebar names a conversation: "#room" or "@user".
func convName(c ctrl.Conv) string {
	if c.IsDirect() {
		return "@" + ctrl.ShownName(c.With)
	}
	return "#" + c.Room
}

// buildSidebar makes the list of conversations.
func (w *Window) buildSidebar() {
	w.ConvList = widget.NewList(
		func() int { return len(w.convs) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(w.convs) {
				l := o.(*widget.Label)
				l.TextStyle.Bold = w.convs[id].unread > 0
				l.SetText(w.convLabel(w.convs[id]))
			}
		})
	w.ConvList.OnSelected = func(id widget.ListItemID) {
		if id < len(w.convs) {
			w.show(w.convs[id])
		}
	}
}

func (w *Window) convLabel(cv *convView) string {
	if cv.unread == 0 {
		return convName(cv.conv)
	}
	return lang.L("{{.Name}} ({{.Count}} new)", map[string]any{"Name": convName(cv.conv), "Count": cv.unread})
}

// buildConversation makes what shows the current conversation: its title
// and Leave button, its users panel (users.go) and the message list.
func (w *Window) buildConversation() {
	w.ConvTitle = widget.NewLabel("")
	w.ConvTitle.TextStyle.Bold = true
	w.ConvTitle.Truncation = fyne.TextTruncateEllipsis
	w.PartBtn = widget.NewButton(lang.L("Leave room"), w.part)
	w.buildUsers()
	w.buildMessages()
	w.buildModeration()
}

// writeTo opens (or shows) the direct conversation with user.
func (w *Window) writeTo(user string) {
	go func() {
		if err := w.ctrl.OpenDirect(user); err != nil {
			w.do(func() { w.fieldError(err) })
		}
	}()
}

// find is conversation c, nil when it is not listed; the zero Conv is the
// conversation of a server without rooms.
func (w *Window) find(c ctrl.Conv) *convView {
	if c == (ctrl.Conv{}) {
		return w.none
	}
	if i := slices.IndexFunc(w.convs, func(cv *convView) bool { return cv.conv == c }); i >= 0 {
		return w.convs[i]
	}
	return nil
}

// OpenConv implements ctrl.ClientView: rooms are listed before direct
// conversations, each in the order they were opened. The first one opened
// is shown, whatever show says.
func (w *Window) OpenConv(c ctrl.Conv, show bool) {
	w.do(func() {
		cv := w.find(c)
		if cv == nil {
			cv = newConvView(c)
			at := len(w.convs)
			if !c.IsDirect() {
				at = slices.IndexFunc(w.convs, func(o *convView) bool { return o.conv.IsDirect() })
				if at < 0 {
					at = len(w.convs)
				}
			}
			w.convs = slices.Insert(w.convs, at, cv)
			w.ConvList.Refresh()
		}
		if show || w.cur == w.none {
			w.show(cv)
		} else {
			w.selectCurrent() // its row may have moved
		}
	})
}

// CloseConv implements ctrl.ClientView. Closing the one shown shows the
// first one left.
func (w *Window) CloseConv(c ctrl.Conv) {
	w.do(func() {
		i := slices.IndexFunc(w.convs, func(cv *convView) bool { return cv.conv == c })
		if i < 0 {
			return
		}
		closed := w.convs[i]
		w.convs = slices.Delete(w.convs, i, i+1)
		w.ConvList.Refresh()
		if closed == w.cur {
			next := w.none
			if len(w.convs) > 0 {
				next = w.convs[min(i, len(w.convs)-1)]
			}
			w.show(next)
		}
		w.selectCurrent()
	})
}

// show switches to conversation cv, keeping the place in the one left:
// where its list was scrolled to, and its draft.
func (w *Window) show(cv *convView) {
	if cv == w.cur {
		return
	}
	old := w.cur
	old.draft = w.Input.Text
	old.offset, old.follow = w.scrollPlace()
	w.cur = cv
	cv.unread = 0
	w.setItemHeights()
	w.Messages.UnselectAll()
	cv.selected = 0 // nothing is selected in the list shown now
	w.Messages.Refresh()
	if cv.follow {
		w.Messages.ScrollToBottom()
	} else {
		w.Messages.ScrollToOffset(cv.offset)
	}
	w.Input.SetText(cv.draft)
	showError(w.InputErr, "")
	w.showUsers()
	w.showConvHeader()
	w.showHistoryNote()
	w.showSearch()
	w.ConvList.Refresh()
	w.selectCurrent()
}

// showConvHeader titles the conversation shown and words its Leave button.
func (w *Window) showConvHeader() {
	c := w.cur.conv
	switch {
	case c.IsDirect():
		w.ConvTitle.SetText(lang.L("Direct messages with {{.Name}}", map[string]any{"Name": ctrl.ShownName(c.With)}))
		w.PartBtn.SetText(lang.L("Close"))
		w.PartBtn.Show()
	case c.Room != "":
		w.ConvTitle.SetText(lang.L("Room {{.Room}}", map[string]any{"Room": c.Room}))
		w.PartBtn.SetText(lang.L("Leave room"))
		w.PartBtn.Show()
	default:
		w.ConvTitle.SetText("")
		w.PartBtn.Hide()
	}
	w.showModControls()
}

// selectCurrent marks the conversation shown in the sidebar.
func (w *Window) selectCurrent() {
	if i := slices.Index(w.convs, w.cur); i >= 0 {
		w.ConvList.Select(i)
	} else {
		w.ConvList.UnselectAll()
	}
}

// step shows the conversation delta places down the sidebar (up when
// negative), going round at the ends.
func (w *Window) step(delta int) {
	if len(w.convs) == 0 {
		return
	}
	i := slices.Index(w.convs, w.cur) // -1 when none is shown: start at the top
	if i < 0 && delta < 0 {
		i = 0
	}
	n := len(w.convs)
	w.show(w.convs[((i+delta)%n+n)%n])
}

// resetConvs forgets every conversation: a new login.
func (w *Window) resetConvs() {
	w.convs = nil
	w.none = newConvView(ctrl.Conv{})
	w.cur = w.none
	w.Input.SetText("")
	w.Messages.Refresh()
	w.ConvList.Refresh()
	w.ConvList.UnselectAll()
	w.showUsers()
	w.showConvHeader()
	w.showHistoryNote()
	w.showSearch()
}

// Convs returns the sidebar's conversations, in order, with their unread
// counts (for tests and a11y).
func (w *Window) Convs() []string {
	out := make([]string, len(w.convs))
	for i, cv := range w.convs {
		out[i] = convName(cv.conv)
		if cv.unread > 0 {
			out[i] += " " + strconv.Itoa(cv.unread)
		}
	}
	return out
}

// Current is the conversation shown.
func (w *Window) Current() ctrl.Conv { return w.cur.conv }

// Unread is conversation c's unread count.
func (w *Window) Unread(c ctrl.Conv) int {
	if cv := w.find(c); cv != nil {
		return cv.unread
	}
	return 0
}

// Show switches to conversation c, if it is listed (as choosing it in the
// sidebar does).
func (w *Window) Show(c ctrl.Conv) {
	if cv := w.find(c); cv != nil {
		w.show(cv)
	}
}

func errorLine(t ctrl.Text) ctrl.Line {
	return ctrl.Line{Kind: ctrl.LineError, Time: time.Now(), Info: t}
}
