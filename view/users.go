package view

// This file owns the users panel of the conversation shown: how many are
// in it ("1,234 online"), the filter by name prefix, the list (choosing a
// user starts a direct conversation with them) and, in a large room, whose
// list comes from the server a page at a time, More users. The filter of
// a large room asks the server once typing pauses (filterDelay); a
// small room's is applied at once by the controller.

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// filterDelay is how long typing in a large room's filter must pause
// before the server is asked.
const filterDelay = 300 * time.Millisecond

// buildUsers makes the users panel.
func (w *Window) buildUsers() {
	w.UsersTitle = widget.NewLabel(countText(0))
	w.UsersTitle.TextStyle.Bold = true
	w.UserFilter = widget.NewEntry()
	w.UserFilter.SetPlaceHolder(lang.L("Filter by name"))
	w.UserFilter.OnChanged = func(string) { w.filterTyped() }
	w.UserFilter.OnSubmitted = func(string) { w.cur.filterGen++; w.filterUsers(w.cur) }
	w.UsersErr = errorLabel()
	w.MoreUsers = widget.NewButton(lang.L("More users"), w.moreUsers)
	w.MoreUsers.Hide()
	w.UserList = widget.NewList(
		func() int { return len(w.cur.users.List) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(w.cur.users.List) {
				drawUser(o.(*widget.Label), w.cur.users.List[id])
			}
		})
	w.UserList.OnSelected = func(id widget.ListItemID) {
		w.UserList.UnselectAll()
		if id < len(w.cur.users.List) && !w.cur.users.List[id].Self {
			w.writeTo(w.cur.users.List[id].Name)
		}
	}
}

// countText is "1,234 online", in the language shown.
func countText(n int) string {
	return lang.L("{{.Count}} online", map[string]any{"Count": groupDigits(n)})
}

// groupDigits writes n with a comma between each group of three digits.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func drawUser(l *widget.Label, u ctrl.User) {
	l.TextStyle.Bold = u.Self
	if u.Self {
		l.SetText(lang.L("{{.Name}} (you)", map[string]any{"Name": ctrl.ShownName(u.Name)}))
	} else {
		l.SetText(ctrl.ShownName(u.Name))
	}
}

// SetUsers implements ctrl.ClientView.
func (w *Window) SetUsers(c ctrl.Conv, users ctrl.Users) {
	w.do(func() {
		cv := w.find(c)
		if cv == nil && c == (ctrl.Conv{}) {
			cv = w.cur // a server without rooms
		}
		if cv == nil {
			return
		}
		cv.users = users
		if cv == w.cur {
			w.showUsers()
		}
	})
}

// showUsers shows the users of the conversation shown, and its filter.
func (w *Window) showUsers() {
	u := w.cur.users
	w.UsersTitle.SetText(countText(u.Count))
	if w.UserFilter.Text != w.cur.filter {
		w.settingFilter = true
		w.UserFilter.SetText(w.cur.filter)
		w.settingFilter = false
	}
	if direct := w.cur.conv.IsDirect(); direct != !w.UserFilter.Visible() {
		if direct { // two people: nothing to filter
			w.UserFilter.Hide()
		} else {
			w.UserFilter.Show()
		}
		if w.usersPanel != nil { // laid out: lay it out again, with the filter or without
			w.usersPanel.Refresh()
		}
	}
	if u.Paged && u.More {
		w.MoreUsers.Show()
	} else {
		w.MoreUsers.Hide()
	}
	note := w.cur.usersErr
	if note == "" {
		note = tr(u.Note)
	}
	showError(w.UsersErr, note)
	w.UserList.Refresh()
}

// filterTyped is the filter of the conversation shown changing: a small
// room's list follows at once; a large room's asks the server once typing
// pauses, even if another conversation is shown by then.
func (w *Window) filterTyped() {
	if w.settingFilter {
		return
	}
	cv := w.cur
	cv.filter = w.UserFilter.Text
	cv.filterGen++
	if !cv.users.Paged {
		w.filterUsers(cv)
		return
	}
	gen := cv.filterGen
	time.AfterFunc(filterDelay, func() {
		w.do(func() {
			if gen == cv.filterGen { // typing paused: nothing typed since
				w.filterUsers(cv)
			}
		})
	})
}

// filterUsers has the controller apply cv's filter.
func (w *Window) filterUsers(cv *convView) {
	cv.usersErr = ""
	if cv == w.cur {
		showError(w.UsersErr, "")
	}
	prefix := cv.filter
	go func() {
		if err := w.ctrl.FilterUsers(cv.conv, prefix); err != nil {
			w.do(func() { w.usersFailed(cv, err) })
		}
	}()
}

// moreUsers asks for the next page of the large room shown.
func (w *Window) moreUsers() {
	cv := w.cur
	go func() {
		if err := w.ctrl.MoreUsers(cv.conv); err != nil {
			w.do(func() { w.usersFailed(cv, err) })
		}
	}()
}

// usersFailed shows why the users of cv could not be asked for.
func (w *Window) usersFailed(cv *convView, err *ctrl.InputError) {
	cv.usersErr = tr(err.Text)
	if cv == w.cur {
		showError(w.UsersErr, cv.usersErr)
	}
}

// focusFilter puts the focus in the users filter, if it is shown.
func (w *Window) focusFilter() {
	if w.UserFilter.Visible() {
		w.Win.Canvas().Focus(w.UserFilter)
	}
}

// Users returns the user list as shown.
func (w *Window) Users() []ctrl.User { return w.cur.users.List }
