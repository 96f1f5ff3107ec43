package view

// This file owns the keyboard shortcuts, as a menu so that they are listed
// and work whichever field has the focus: joining and finding rooms,
// leaving the conversation shown, going to the next or previous one, back
// to the message box, searching the conversation shown, and filtering its
// users.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
)

// buildMenu makes the Conversations menu and its shortcuts (Ctrl, or Cmd on
// macOS, with J, R, W, Page Down, Page Up, L, F and U).
func (w *Window) buildMenu() {
	item := func(label string, key fyne.KeyName, action func()) *fyne.MenuItem {
		it := fyne.NewMenuItem(lang.L(label), action)
		it.Shortcut = &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
		return it
	}
	focus := func(o fyne.Focusable) func() {
		return func() { w.Win.Canvas().Focus(o) }
	}
	w.Menu = fyne.NewMainMenu(fyne.NewMenu(lang.L("Conversations"),
		item("Join a room", fyne.KeyJ, focus(w.RoomName)),
		item("Find rooms", fyne.KeyR, func() {
			if w.connected {
				w.findRooms(false)
				w.Win.Canvas().Focus(w.RoomList)
			}
		}),
		item("Leave the conversation", fyne.KeyW, func() {
			if w.connected {
				w.part()
			}
		}),
		item("Next conversation", fyne.KeyPageDown, func() { w.step(1) }),
		item("Previous conversation", fyne.KeyPageUp, func() { w.step(-1) }),
		item("Write a message", fyne.KeyL, focus(w.Input)),
		item("Search the conversation", fyne.KeyF, w.openSearch),
		item("Find a user", fyne.KeyU, w.focusFilter),
	))
	w.Win.SetMainMenu(w.Menu)
}

// Shortcut runs the menu item whose shortcut is key with the platform's
// modifier, as pressing it does; it says whether there was one.
func (w *Window) Shortcut(key fyne.KeyName) bool {
	for _, m := range w.Menu.Items {
		for _, it := range m.Items {
			if s, ok := it.Shortcut.(*desktop.CustomShortcut); ok && s.KeyName == key {
				it.Action()
				return true
			}
		}
	}
	return false
}
