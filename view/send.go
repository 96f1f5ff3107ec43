package view

// This file owns the message box: sending what it holds to the
// conversation shown, one message at a time, and the length counter.

import (
	"fmt"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// counterFrom: the message counter appears once a message is this close
// to the limit (a fraction of it).
const counterFrom = 0.8

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

// send sends the input to the conversation shown; the box clears only once
// the message is out. One message at a time: Enter does nothing while one
// is on its way.
func (w *Window) send() {
	if w.sending {
		return
	}
	text, cv := w.Input.Text, w.cur
	showError(w.InputErr, "")
	w.sending = true
	w.SendBtn.Disable()
	go func() {
		err := w.ctrl.Send(cv.conv, text)
		w.do(func() {
			w.sending = false
			if w.connected {
				w.SendBtn.Enable()
			}
			switch {
			case err != nil && cv == w.cur:
				w.fieldError(err)
			case err != nil:
				w.AppendLine(cv.conv, errorLine(err.Text))
			case cv != w.cur: // the user switched away meanwhile
				if cv.draft == text {
					cv.draft = ""
				}
			case w.Input.Text == text:
				w.Input.SetText("")
			}
		})
	}()
}

func (w *Window) updateCounter() {
	if w.ctrl == nil {
		return
	}
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
