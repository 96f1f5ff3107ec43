// Package view is the desktop client's window, in fyne. It draws what the
// controller (ctrl.Client) tells it and hands user actions back; it never
// touches the network. Calls from the controller arrive on the session's
// goroutine and are applied on fyne's through fyne.Do.
package view

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// Controller is what the window needs from ctrl.Client.
type Controller interface {
	Connect(addr, username string) []*ctrl.InputError
	Disconnect()
	Send(text string) *ctrl.InputError
	MaxContent() int
}

// counterFrom: the message counter appears once a message is this close
// to the limit (a fraction of it).
const counterFrom = 0.8

// Window is the chat window. It implements ctrl.ClientView.
type Window struct {
	Win  fyne.Window
	ctrl Controller
	do   func(func()) // runs UI changes on fyne's goroutine

	Address, Username    *widget.Entry
	AddressErr, NameErr  *widget.Label
	ConnectBtn, LeaveBtn *widget.Button
	Status               *widget.Label
	UsersTitle           *widget.Label
	UserList             *widget.List
	Messages             *widget.List
	Input                *chatEntry
	SendBtn              *widget.Button
	Counter, InputErr    *widget.Label

	// touched only on fyne's goroutine
	users     []ctrl.User
	lines     []ctrl.Line
	rowHeight float32 // one text line of the message list
	connected bool
	sending   bool // a message is on its way: Enter waits for it
}

var _ ctrl.ClientView = (*Window)(nil)

// New builds the window in app a. do runs UI changes that come from other
// goroutines; nil means fyne.Do (tests pass their own loop). Call Bind
// before showing the window.
func New(a fyne.App, do func(func())) *Window {
	if do == nil {
		do = fyne.Do
	}
	w := &Window{Win: a.NewWindow(lang.L("Chat room")), do: do}
	w.buildLogin()
	w.buildLists()
	w.buildInput()
	w.setConnected(false)
	w.Win.SetContent(w.layout())
	w.Win.Resize(fyne.NewSize(820, 560))
	return w
}

// buildLogin makes the login row: address, username, their errors, the
// Connect and Disconnect buttons, and the status line.
func (w *Window) buildLogin() {
	w.Address = widget.NewEntry()
	w.Address.SetText(ctrl.DefaultAddress)
	w.Address.SetPlaceHolder(lang.L("Server address"))
	w.Username = widget.NewEntry()
	w.Username.SetPlaceHolder(lang.L("Username"))
	w.AddressErr, w.NameErr = errorLabel(), errorLabel()
	w.ConnectBtn = widget.NewButton(lang.L("Connect"), w.connect)
	w.ConnectBtn.Importance = widget.HighImportance
	w.LeaveBtn = widget.NewButton(lang.L("Disconnect"), w.disconnect)
	w.LeaveBtn.Disable()
	w.Address.OnSubmitted = func(string) { w.connect() }
	w.Username.OnSubmitted = func(string) { w.connect() }
	w.Status = widget.NewLabel(lang.L("Disconnected"))
	w.Status.TextStyle.Bold = true
	w.Status.Wrapping = fyne.TextWrapWord
}

// buildLists makes the user list, with its title, and the message list.
func (w *Window) buildLists() {
	w.UsersTitle = widget.NewLabel(lang.L("Online ({{.Count}})", map[string]any{"Count": 0}))
	w.UserList = widget.NewList(
		func() int { return len(w.users) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			u := w.users[id]
			l.TextStyle.Bold = u.Self
			if u.Self {
				l.SetText(lang.L("{{.Name}} (you)", map[string]any{"Name": ctrl.ShownName(u.Name)}))
			} else {
				l.SetText(ctrl.ShownName(u.Name))
			}
		})

	w.Messages = widget.NewList(
		func() int { return len(w.lines) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Wrapping = fyne.TextWrapWord; return l },
		func(id widget.ListItemID, o fyne.CanvasObject) { w.drawLine(o.(*widget.Label), w.lines[id]) })
	w.rowHeight = widget.NewLabel("X").MinSize().Height
}

// buildInput makes the message box, the Send button, the counter and the
// input's error.
func (w *Window) buildInput() {
	w.Input = newChatEntry(func(string) { w.send() })
	w.Input.SetPlaceHolder(lang.L("Type a message. Enter sends, Shift+Enter starts a new line."))
	w.Input.SetMinRowsVisible(2)
	w.Input.OnChanged = func(string) { w.updateCounter() }
	w.SendBtn = widget.NewButton(lang.L("Send"), w.send)
	w.Counter = widget.NewLabel("")
	w.InputErr = errorLabel()
}

// layout places the parts: login on top, the input at the bottom, users
// beside messages in between.
func (w *Window) layout() fyne.CanvasObject {
	login := container.NewGridWithColumns(2,
		container.NewVBox(w.Address, w.AddressErr),
		container.NewVBox(w.Username, w.NameErr))
	top := container.NewBorder(nil, w.Status, nil, container.NewHBox(w.ConnectBtn, w.LeaveBtn), login)
	users := container.NewBorder(w.UsersTitle, nil, nil, nil, w.UserList)
	bottom := container.NewBorder(nil, container.NewHBox(w.InputErr, w.Counter), nil, w.SendBtn, w.Input)
	split := container.NewHSplit(users, w.Messages)
	split.Offset = 0.22
	return container.NewBorder(top, bottom, nil, nil, split)
}

// Bind connects the window to its controller; closing the window says goodbye.
func (w *Window) Bind(c Controller) {
	w.ctrl = c
	w.Win.SetCloseIntercept(w.CloseRequested)
}

// CloseRequested is what closing the window does: hide it at once, say
// goodbye (exit) without holding up the UI, then close.
func (w *Window) CloseRequested() {
	w.Win.Hide()
	go func() {
		w.ctrl.Disconnect()
		w.do(w.Win.Close)
	}()
}

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func showError(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

func (w *Window) connect() {
	showError(w.AddressErr, "")
	showError(w.NameErr, "")
	errs := w.ctrl.Connect(w.Address.Text, w.Username.Text)
	for _, e := range errs {
		w.fieldError(e)
	}
	if errs == nil { // a new login: the server replays the history itself
		w.lines = nil
		w.Messages.Refresh()
	}
}

func (w *Window) disconnect() {
	go w.ctrl.Disconnect() // it waits for the server's goodbye
}

func (w *Window) fieldError(e *ctrl.InputError) {
	switch e.Field {
	case ctrl.FieldAddress:
		showError(w.AddressErr, tr(e.Text))
	case ctrl.FieldUsername:
		showError(w.NameErr, tr(e.Text))
	default:
		showError(w.InputErr, tr(e.Text))
	}
}

// send sends the input; the box clears only once the message is out. One
// message at a time: Enter does nothing while one is on its way.
func (w *Window) send() {
	if w.sending {
		return
	}
	text := w.Input.Text
	showError(w.InputErr, "")
	w.sending = true
	w.SendBtn.Disable()
	go func() {
		err := w.ctrl.Send(text)
		w.do(func() {
			w.sending = false
			if w.connected {
				w.SendBtn.Enable()
			}
			if err != nil {
				w.fieldError(err)
				return
			}
			if w.Input.Text == text {
				w.Input.SetText("")
			}
		})
	}()
}

func (w *Window) updateCounter() {
	n, limit := len(w.Input.Text), w.ctrl.MaxContent()
	if float64(n) < counterFrom*float64(limit) {
		w.Counter.SetText("")
		return
	}
	w.Counter.SetText(fmt.Sprintf("%d/%d", n, limit))
	if n > limit {
		w.Counter.Importance = widget.DangerImportance
	} else {
		w.Counter.Importance = widget.WarningImportance
	}
	w.Counter.Refresh()
}

func (w *Window) setConnected(on bool) {
	w.connected = on
	if on {
		w.Input.Enable()
		if !w.sending {
			w.SendBtn.Enable()
		}
		w.LeaveBtn.Enable()
		w.ConnectBtn.Disable()
		w.Address.Disable()
		w.Username.Disable()
	} else {
		w.Input.Disable()
		w.SendBtn.Disable()
	}
}

// SetStatus implements ctrl.ClientView.
func (w *Window) SetStatus(s ctrl.Status) {
	w.do(func() {
		reason := tr(s.Reason)
		var text string
		switch s.State {
		case ctrl.StateConnected:
			text = lang.L("Connected as {{.Name}}", map[string]any{"Name": ctrl.ShownName(s.Name)})
		case ctrl.StateConnecting:
			text = lang.L("Connecting…")
		case ctrl.StateReconnecting:
			text = lang.L("Reconnecting in {{.Seconds}} s — {{.Reason}}", map[string]any{"Seconds": fmt.Sprintf("%.1f", s.RetryIn.Seconds()), "Reason": reason})
		default:
			text = lang.L("Disconnected")
			if reason != "" {
				text = lang.L("Disconnected — {{.Reason}}", map[string]any{"Reason": reason})
			}
		}
		w.Status.SetText(text)
		w.setConnected(s.State == ctrl.StateConnected)
		if s.State == ctrl.StateDisconnected {
			w.ConnectBtn.Enable()
			w.LeaveBtn.Disable()
			w.Address.Enable()
			w.Username.Enable()
		} else { // connecting, connected or reconnecting: the login is fixed
			w.ConnectBtn.Disable()
			w.LeaveBtn.Enable()
			w.Address.Disable()
			w.Username.Disable()
		}
	})
}

// SetUsers implements ctrl.ClientView.
func (w *Window) SetUsers(users []ctrl.User) {
	w.do(func() {
		w.users = users
		w.UsersTitle.SetText(lang.L("Online ({{.Count}})", map[string]any{"Count": len(users)}))
		w.UserList.Refresh()
	})
}

// LoginFailed implements ctrl.ClientView.
func (w *Window) LoginFailed(e *ctrl.InputError) {
	w.do(func() { w.fieldError(e) })
}

// AppendLine implements ctrl.ClientView. The list follows the newest line
// unless the user has scrolled up.
func (w *Window) AppendLine(l ctrl.Line) {
	w.do(func() {
		// At the bottom? Ask the list itself, as the window may have been
		// resized since the last line.
		offset := w.Messages.GetScrollOffset()
		w.Messages.ScrollToBottom()
		follow := offset >= w.Messages.GetScrollOffset()-1
		if !follow {
			w.Messages.ScrollToOffset(offset)
		}
		w.lines = append(w.lines, l)
		// Always set it: a row id may have held a taller line before a new login.
		w.Messages.SetItemHeight(len(w.lines)-1, max(w.lineHeight(l), w.rowHeight))
		w.Messages.Refresh()
		if follow {
			w.Messages.ScrollToBottom()
		}
	})
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
func (w *Window) Lines() []string {
	out := make([]string, len(w.lines))
	for i, l := range w.lines {
		out[i] = lineText(l)
	}
	return out
}

// Users returns the user list as shown.
func (w *Window) Users() []ctrl.User { return w.users }

func lineText(l ctrl.Line) string {
	at := l.Time.Format("15:04")
	switch l.Kind {
	case ctrl.LineJoin:
		return at + "  " + lang.L("{{.Name}} joined", map[string]any{"Name": ctrl.ShownName(l.Sender)})
	case ctrl.LineLeave:
		return at + "  " + lang.L("{{.Name}} left", map[string]any{"Name": ctrl.ShownName(l.Sender)})
	case ctrl.LineError:
		return at + "  " + tr(l.Info)
	}
	return at + "  " + ctrl.ShownName(l.Sender) + ": " + ctrl.ShownText(l.Text)
}

func (w *Window) drawLine(label *widget.Label, l ctrl.Line) {
	label.TextStyle = fyne.TextStyle{Bold: l.Own, Italic: l.Kind != ctrl.LineTalk}
	switch {
	case l.Kind == ctrl.LineError:
		label.Importance = widget.DangerImportance
	case l.Kind != ctrl.LineTalk:
		label.Importance = widget.LowImportance
	case l.Own:
		label.Importance = widget.HighImportance
	default:
		label.Importance = widget.MediumImportance
	}
	label.SetText(lineText(l))
}
