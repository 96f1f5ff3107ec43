package view

// This file owns searching a conversation: the search panel above the
// message list (a field, its results newest first with sender, time and
// text, and More), kept per conversation; choosing a result shows that
// talk in the list.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chatroom/ctrl"
)

// searchState is one conversation's search, kept while another is shown.
type searchState struct {
	open    bool
	query   string
	results []ctrl.Line
	more    bool
	note    string // "no messages found", or the last error
}

// buildSearch makes the search panel (hidden until asked for).
func (w *Window) buildSearch() {
	w.SearchField = widget.NewEntry()
	w.SearchField.SetPlaceHolder(lang.L("Search this conversation"))
	w.SearchField.OnSubmitted = func(string) { w.search(false) }
	w.SearchBtn = widget.NewButton(lang.L("Search"), func() { w.search(false) })
	w.SearchClose = widget.NewButton(lang.L("Close search"), w.closeSearch)
	w.SearchMore = widget.NewButton(lang.L("More results"), func() { w.search(true) })
	w.SearchMore.Hide()
	w.SearchErr = errorLabel()
	w.Results = widget.NewList(
		func() int { return len(w.cur.search.results) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(w.cur.search.results) {
				o.(*widget.Label).SetText(resultText(w.cur.search.results[id]))
			}
		})
	w.Results.OnSelected = func(id widget.ListItemID) {
		w.Results.UnselectAll()
		if id < len(w.cur.search.results) {
			w.choose(w.cur.conv, w.cur.search.results[id].Seq)
		}
	}
	row := border(nil, nil, nil, container.NewHBox(w.SearchBtn, w.SearchClose), w.SearchField)
	w.searchPanel = border(row, container.NewVBox(w.SearchErr, w.SearchMore), nil, nil, w.Results)
}

// resultText is one search result: when, who, what.
func resultText(l ctrl.Line) string {
	return l.Time.Format("2006-01-02 15:04") + "  " + lineBody(l)
}

// openSearch shows the search panel of the conversation shown and puts
// the focus in its field.
func (w *Window) openSearch() {
	if w.cur.conv == (ctrl.Conv{}) {
		return // nothing to search before a room is shown
	}
	w.cur.search.open = true
	w.showSearch()
	w.Win.Canvas().Focus(w.SearchField)
}

// closeSearch hides the search panel of the conversation shown.
func (w *Window) closeSearch() {
	w.cur.search.open = false
	w.showSearch()
}

// showSearch shows the conversation shown's search, or hides the panel.
func (w *Window) showSearch() {
	st := &w.cur.search
	if !st.open {
		w.center.Objects = []fyne.CanvasObject{w.Messages}
		w.center.Refresh()
		return
	}
	w.SearchField.SetText(st.query)
	showError(w.SearchErr, st.note)
	if st.more {
		w.SearchMore.Show()
	} else {
		w.SearchMore.Hide()
	}
	w.Results.Refresh()
	split := container.NewVSplit(w.searchPanel, w.Messages)
	split.Offset = 0.4
	w.center.Objects = []fyne.CanvasObject{split}
	w.center.Refresh()
}

// search asks for the field's query in the conversation shown; more: the
// next page of results.
func (w *Window) search(more bool) {
	cv, query := w.cur, w.SearchField.Text
	cv.search.query, cv.search.note = query, ""
	showError(w.SearchErr, "")
	go func() {
		if err := w.ctrl.Search(cv.conv, query, more); err != nil {
			w.do(func() {
				cv.search.note = tr(err.Text)
				if cv == w.cur {
					showError(w.SearchErr, cv.search.note)
				}
			})
		}
	}()
}

// SetSearch implements ctrl.ClientView.
func (w *Window) SetSearch(c ctrl.Conv, p ctrl.SearchPage) {
	w.do(func() {
		cv := w.find(c)
		if cv == nil {
			return
		}
		st := &cv.search
		if p.First {
			st.results = nil
		}
		st.results = append(st.results, p.Results...)
		st.more, st.note = p.More, ""
		if len(st.results) == 0 {
			st.note = lang.L("No messages found")
		}
		if cv == w.cur && st.open {
			w.showSearch()
		}
	})
}

// choose shows the talk seq of conversation c, loading older talks first
// if it is not held.
func (w *Window) choose(c ctrl.Conv, seq uint64) {
	go func() {
		if err := w.ctrl.JumpTo(c, seq); err != nil {
			w.do(func() { w.AppendLine(c, errorLine(err.Text)) })
		}
	}()
}

// SearchResults returns the search results of the conversation shown, as
// text (for tests and a11y).
func (w *Window) SearchResults() []string {
	out := make([]string, len(w.cur.search.results))
	for i, l := range w.cur.search.results {
		out[i] = resultText(l)
	}
	return out
}

// ChooseResult chooses the i-th search result, as clicking it does.
func (w *Window) ChooseResult(i int) { w.Results.Select(i) }
