// Package view is the desktop client's window, in fyne. It draws what the
// controller (ctrl.Client) tells it and hands user actions back; it never
// touches the network. Calls from the controller arrive on the session's
// goroutine and are applied on fyne's through fyne.Do.
package view

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// Controller is what the window needs from ctrl.Client.
type Controller interface {
	Connect(addr, username string) []*ctrl.InputError
	Disconnect()
	Send(conv ctrl.Conv, text string) *ctrl.InputError
	Join(room string, private bool) *ctrl.InputError
	Part(room string) *ctrl.InputError
	ListRooms(more bool) *ctrl.InputError
	OpenDirect(user string) *ctrl.InputError
	CloseDirect(user string)
	MaxContent() int
	LoadOlder(conv ctrl.Conv) *ctrl.InputError
	Search(conv ctrl.Conv, query string, more bool) *ctrl.InputError
	JumpTo(conv ctrl.Conv, seq uint64) *ctrl.InputError
	FilterUsers(conv ctrl.Conv, prefix string) *ctrl.InputError
	MoreUsers(conv ctrl.Conv) *ctrl.InputError
	Select(conv ctrl.Conv, seq uint64)
	DeleteTalk(conv ctrl.Conv, seq uint64) *ctrl.InputError
}

// Window is the chat window. It implements ctrl.ClientView.
type Window struct {
	Win  fyne.Window
	ctrl Controller
	do   func(func()) // runs UI changes on fyne's goroutine

	Address, Username    *widget.Entry
	AddressErr, NameErr  *widget.Label
	ConnectBtn, LeaveBtn *widget.Button
	Status               *widget.Label

	// The sidebar (conversations.go, rooms.go): the rooms and direct
	// conversations, joining a room by name or from the server's list.
	ConvList                  *widget.List
	RoomName                  *widget.Entry
	Private                   *widget.Check
	JoinBtn, FindBtn, MoreBtn *widget.Button
	JoinErr                   *widget.Label
	RoomList                  *widget.List

	// The conversation shown: its title, its users, its messages.
	ConvTitle         *widget.Label
	PartBtn           *widget.Button
	Topic             *widget.Label  // the room's topic, slow mode and our role (moderation.go)
	DeleteBtn         *widget.Button // deletes the message selected, for moderators and up
	UsersTitle        *widget.Label  // how many are online (users.go)
	UserFilter        *widget.Entry  // the users filter: a name prefix
	UsersErr          *widget.Label  // why the users could not be asked for
	UserList          *widget.List
	MoreUsers         *widget.Button  // the next page of a large room's users
	usersPanel        *fyne.Container // the count, the filter, the list, More users
	Messages          *widget.List
	Input             *chatEntry
	SendBtn           *widget.Button
	Counter, InputErr *widget.Label
	Menu              *fyne.MainMenu // the keyboard shortcuts (shortcuts.go)
	HistoryNote       *widget.Label  // loading older messages, or the beginning (history.go)

	// The search panel of the conversation shown (search.go).
	SearchField                        *widget.Entry
	SearchBtn, SearchClose, SearchMore *widget.Button
	SearchErr                          *widget.Label
	Results                            *widget.List
	searchPanel                        fyne.CanvasObject
	center                             *fyne.Container // the message list, under the search panel when open

	// touched only on fyne's goroutine
	convs         []*convView // the sidebar's conversations: rooms, then direct ones
	none          *convView   // the conversation of a server without rooms, and before any
	cur           *convView   // the one shown: none or one of convs
	publicRooms   []ctrl.RoomInfo
	rowHeight     float32 // one text line of the message list
	connected     bool
	sending       bool // a message is on its way: Enter waits for it
	settingFilter bool // the users filter is being set, not typed in
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
	w.none = newConvView(ctrl.Conv{})
	w.cur = w.none
	w.buildLogin()
	w.buildSidebar()
	w.buildRoomPanel()
	w.buildConversation()
	w.buildHistoryNote()
	w.buildSearch()
	w.buildInput()
	w.buildMenu()
	w.setConnected(false)
	w.showConvHeader()
	w.Win.SetContent(w.layout())
	w.Win.Resize(fyne.NewSize(1000, 600))
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

// layout places the parts: login on top; the sidebar of conversations
// and rooms on the left; the conversation shown (title, messages, input)
// in the middle; its users on the right. The order is also the focus
// order of Tab.
func (w *Window) layout() fyne.CanvasObject {
	login := container.NewGridWithColumns(2,
		container.NewVBox(w.Address, w.AddressErr),
		container.NewVBox(w.Username, w.NameErr))
	top := border(nil, w.Status, nil, container.NewHBox(w.ConnectBtn, w.LeaveBtn), login)
	joinRow := border(nil, nil, nil, w.JoinBtn, w.RoomName)
	joinBox := container.NewVBox(joinRow, w.Private, w.JoinErr, w.FindBtn)
	rooms := border(joinBox, w.MoreBtn, nil, nil, w.RoomList)
	sidebar := container.NewVSplit(w.ConvList, rooms)
	sidebar.Offset = 0.45
	header := container.NewVBox(border(nil, nil, nil, container.NewHBox(w.DeleteBtn, w.PartBtn), w.ConvTitle), w.Topic, w.HistoryNote)
	bottom := border(nil, container.NewHBox(w.InputErr, w.Counter), nil, w.SendBtn, w.Input)
	w.center = container.NewStack(w.Messages)
	middle := border(header, bottom, nil, nil, w.center)
	w.usersPanel = border(container.NewVBox(w.UsersTitle, w.UserFilter), container.NewVBox(w.UsersErr, w.MoreUsers), nil, nil, w.UserList)
	right := container.NewHSplit(middle, w.usersPanel)
	right.Offset = 0.78
	split := container.NewHSplit(sidebar, right)
	split.Offset = 0.22
	return border(top, nil, nil, nil, split)
}

// border is container.NewBorder with its parts in reading order (top,
// left, center, right, bottom), which is the order Tab moves the focus in;
// NewBorder puts the center first.
func border(top, bottom, left, right, center fyne.CanvasObject) *fyne.Container {
	var objects []fyne.CanvasObject
	for _, o := range []fyne.CanvasObject{top, left, center, right, bottom} {
		if o != nil {
			objects = append(objects, o)
		}
	}
	return container.New(layout.NewBorderLayout(top, bottom, left, right), objects...)
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
		w.resetConvs()
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
	case ctrl.FieldRoom:
		showError(w.JoinErr, tr(e.Text))
	case ctrl.FieldUsers:
		w.cur.usersErr = tr(e.Text)
		showError(w.UsersErr, w.cur.usersErr)
	case ctrl.FieldSearch:
		w.cur.search.note = tr(e.Text)
		showError(w.SearchErr, w.cur.search.note)
	default:
		showError(w.InputErr, tr(e.Text))
	}
}

func (w *Window) setConnected(on bool) {
	w.connected = on
	for _, d := range []fyne.Disableable{w.RoomName, w.Private, w.JoinBtn, w.FindBtn, w.MoreBtn, w.PartBtn} {
		if on {
			d.Enable()
		} else {
			d.Disable()
		}
	}
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

// LoginFailed implements ctrl.ClientView.
func (w *Window) LoginFailed(e *ctrl.InputError) {
	w.do(func() { w.fieldError(e) })
}
