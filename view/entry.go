package view

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// chatEntry is a multi-line entry where Enter sends and Shift+Enter starts
// a new line, as in most chat programs (fyne's own multi-line entry does
// the opposite).
type chatEntry struct {
	widget.Entry
	onSend func(text string)
	shift  bool
}

func newChatEntry(onSend func(string)) *chatEntry {
	e := &chatEntry{onSend: onSend}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// KeyDown tracks Shift (and lets the entry use it for selection).
func (e *chatEntry) KeyDown(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		e.shift = true
	}
	e.Entry.KeyDown(k)
}

// KeyUp tracks Shift.
func (e *chatEntry) KeyUp(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		e.shift = false
	}
	e.Entry.KeyUp(k)
}

// TypedKey sends on Enter; Shift+Enter is a new line.
func (e *chatEntry) TypedKey(k *fyne.KeyEvent) {
	if (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && !e.shift {
		if !e.Disabled() && e.onSend != nil {
			e.onSend(e.Text)
		}
		return
	}
	e.Entry.TypedKey(k)
}
