package view

// This file owns finding, joining and leaving rooms: the join field (by
// name, optionally private), the list of the server's public rooms (a room
// chosen there is joined), and the Leave button of the conversation shown.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// buildRoomPanel makes the join field and button, the Private check, the
// join error, and the public rooms list with its Find and More buttons.
func (w *Window) buildRoomPanel() {
	w.RoomName = widget.NewEntry()
	w.RoomName.SetPlaceHolder(lang.L("Room name"))
	w.RoomName.OnSubmitted = func(string) { w.join() }
	w.Private = widget.NewCheck(lang.L("Private (not listed)"), nil)
	w.JoinBtn = widget.NewButton(lang.L("Join"), w.join)
	w.JoinErr = errorLabel()
	w.FindBtn = widget.NewButton(lang.L("Find rooms"), func() { w.findRooms(false) })
	w.MoreBtn = widget.NewButton(lang.L("More rooms"), func() { w.findRooms(true) })
	w.MoreBtn.Hide()
	w.RoomList = widget.NewList(
		func() int { return len(w.publicRooms) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(w.publicRooms) {
				o.(*widget.Label).SetText(roomText(w.publicRooms[id]))
			}
		})
	w.RoomList.OnSelected = func(id widget.ListItemID) {
		w.RoomList.UnselectAll()
		if id < len(w.publicRooms) {
			w.joinRoom(w.publicRooms[id].Name, false)
		}
	}
}

// roomText is one line of the public rooms list.
func roomText(r ctrl.RoomInfo) string {
	data := map[string]any{"Name": r.Name, "Count": r.Members, "Topic": ctrl.ShownText(r.Topic)} // a topic's bidi controls as code points
	if r.Topic == "" {
		return lang.L("#{{.Name}} ({{.Count}} online)", data)
	}
	return lang.L("#{{.Name}} ({{.Count}} online): {{.Topic}}", data)
}

// join joins the room the join field names.
func (w *Window) join() {
	w.joinRoom(w.RoomName.Text, w.Private.Checked)
}

// joinRoom asks to join room; a refusal shows under the join field, and
// the field clears once the request is out.
func (w *Window) joinRoom(room string, private bool) {
	showError(w.JoinErr, "")
	go func() {
		err := w.ctrl.Join(room, private)
		w.do(func() {
			if err != nil {
				w.fieldError(err)
			} else if w.RoomName.Text == room {
				w.RoomName.SetText("")
				w.Private.SetChecked(false)
			}
		})
	}()
}

// findRooms asks for the public rooms: the first page, or the next.
func (w *Window) findRooms(more bool) {
	showError(w.JoinErr, "")
	go func() {
		if err := w.ctrl.ListRooms(more); err != nil {
			w.do(func() { w.fieldError(err) })
		}
	}()
}

// SetRoomList implements ctrl.ClientView.
func (w *Window) SetRoomList(p ctrl.RoomPage) {
	w.do(func() {
		if p.First {
			w.publicRooms = nil
		}
		w.publicRooms = append(w.publicRooms, p.Rooms...)
		if p.More {
			w.MoreBtn.Show()
		} else {
			w.MoreBtn.Hide()
		}
		if len(w.publicRooms) == 0 {
			showError(w.JoinErr, lang.L("No public rooms yet: join one by name to make it"))
		}
		w.RoomList.Refresh()
	})
}

// JoinFailed implements ctrl.ClientView.
func (w *Window) JoinFailed(e *ctrl.InputError) {
	w.do(func() { showError(w.JoinErr, tr(e.Text)) })
}

// PublicRooms returns the public rooms list as shown.
func (w *Window) PublicRooms() []ctrl.RoomInfo { return w.publicRooms }

// part leaves the room shown, or closes the direct conversation shown.
func (w *Window) part() {
	c := w.cur.conv
	switch {
	case c.IsDirect():
		w.ctrl.CloseDirect(c.With)
	case c.Room != "":
		go func() {
			if err := w.ctrl.Part(c.Room); err != nil {
				w.do(func() { w.AppendLine(c, errorLine(err.Text)) })
			}
		}()
	}
}
