package ctrl

// This file owns reading back in the desktop client: loading a
// conversation's older talks when its list is scrolled to the top (one
// request at a time, until the beginning), dropping what a room holds when
// catching up after a reconnect left a gap, searching a conversation and
// going to a result (loading the talks up to it first).

import (
	"strings"
	"time"

	"chatroom/model"
	"chatroom/service/session"
)

// HistoryMark is what the top of a conversation's message list says.
type HistoryMark int

const (
	HistoryIdle      HistoryMark = iota // nothing: older talks load when scrolled to the top
	HistoryLoading                      // older talks are on their way
	HistoryBeginning                    // there are no older talks: the beginning of the conversation
	HistoryRefused                      // the server refused older talks (why it said goes with it)
)

// SearchPage is a page of search results. First: it starts the results
// (else it follows the page before); More: there are more.
type SearchPage struct {
	Query       string
	Results     []Line // newest first; each Seq says where it is in the conversation
	First, More bool
}

// refusedWait is how long after a refused page scrolling to the top asks
// again: a little over the server's default pace of list requests
// (-userlist-interval 2s).
const refusedWait = 5 * time.Second

// jumpPages bounds the pages loaded to reach a search result: 40 pages of
// 200 are the last 8000 talks held, more than anyone scrolls through.
const jumpPages = 40

// convHistory is one conversation's reading back; Client.mu guards it.
type convHistory struct {
	first   uint64 // the seq of the oldest talk held; 0: none
	gapped  bool   // a catch-up gap dropped what was held: the next page is the newest
	loading bool   // a page is on its way
	// retry: the server refused a page; scrolling to the top asks again
	// from then on (zero: at once).
	retry time.Time
	begin bool   // the beginning is held: no older talks
	jump  uint64 // a search result to show once it is held; 0: none
	pages int    // pages loaded for jump
	query string // the last search
	after uint64 // the seq of its last result: the next page is older
}

// hist is conv's reading back, made on first use. c.mu is held.
func (c *Client) hist(conv Conv) *convHistory {
	h := c.convs.history[conv]
	if h == nil {
		h = &convHistory{}
		c.convs.history[conv] = h
	}
	return h
}

// held records that conv holds the talk seq (appended live or caught up).
// c.mu is held.
func (c *Client) held(conv Conv, seq uint64) {
	if h := c.hist(conv); h.first == 0 && seq != 0 {
		h.first = seq
	}
}

// isOpen says whether conv is listed: a room we are in, or a direct
// conversation open. c.mu is held.
func (c *Client) isOpen(conv Conv) bool {
	if conv.IsDirect() {
		return c.convs.direct[conv.With]
	}
	_, in := c.convs.rooms[conv.Room]
	return in
}

// before is the seq the next page of conv is older than. With no talk
// held, a room's is our first join (the talks it replayed are older) and
// a direct conversation's the newest. c.mu is held.
func (c *Client) before(conv Conv, h *convHistory) uint64 {
	if h.first != 0 || h.gapped || conv.IsDirect() {
		return h.first
	}
	return c.convs.since[conv.Room]
}

// LoadOlder asks for the page of conv's talks before the oldest held,
// unless one is on its way or the beginning is held already. The view
// calls it when the message list is scrolled to the top.
func (c *Client) LoadOlder(conv Conv) *InputError {
	return c.loadOlder(conv, session.PageSize)
}

// loadOlder asks for a page of limit talks.
func (c *Client) loadOlder(conv Conv, limit int) *InputError {
	s := c.current()
	if s == nil {
		return &InputError{FieldMessage, Text{Key: "Not connected"}}
	}
	c.mu.Lock()
	h := c.hist(conv)
	if h.loading || h.begin || time.Now().Before(h.retry) {
		c.mu.Unlock()
		return nil
	}
	h.loading = true
	before := c.before(conv, h)
	c.mu.Unlock()
	c.view.SetHistory(conv, HistoryLoading, Text{})
	err := s.Page(conv.Room, conv.With, before, limit)
	if err != nil {
		c.readFailed(conv, Text{})
	}
	return sendError(FieldMessage, err)
}

// page shows a page of older talks: those older than the oldest held (a
// talk that came live while the page was asked for is held already).
func (c *Client) page(ev session.Page) {
	conv := Conv{Room: ev.Room, With: ev.To}
	c.mu.Lock()
	h := c.hist(conv)
	if !c.isOpen(conv) { // closed, or left, while its page was on its way
		h.loading = false
		c.mu.Unlock()
		return
	}
	var lines []Line
	for _, m := range ev.Messages {
		if h.first == 0 || m.Seq < h.first {
			lines = append(lines, c.pastLine(m, conv))
		}
	}
	if len(lines) > 0 {
		h.first = lines[0].Seq
	}
	h.loading, h.begin, h.gapped = false, !ev.More, false
	mark := HistoryIdle
	if h.begin {
		mark = HistoryBeginning
	}
	c.mu.Unlock()
	if len(lines) > 0 {
		c.view.PrependLines(conv, lines)
	}
	c.view.SetHistory(conv, mark, Text{})
	c.jumpOn(conv)
}

// pastLine is talk m of a page as a line: read before, so not unread.
func (c *Client) pastLine(m *model.ChatRoomRequest, conv Conv) Line {
	if m.Room == "" && m.To == "" { // as the page's own
		m.Room, m.To = conv.Room, conv.With
	}
	l := c.talkLine(m)
	l.Past = true
	return l
}

// gap drops what a room holds: catching up could not bring every talk
// said while we were away, and what follows is the room's latest.
func (c *Client) gap(ev session.Gap) {
	conv := RoomConv(ev.Room)
	c.mu.Lock()
	h := c.hist(conv)
	h.first, h.gapped, h.begin, h.loading, h.jump = ev.Seq, ev.Seq == 0, false, false, 0
	c.mu.Unlock()
	c.view.ResetLines(conv, Line{Kind: LineNotice, Time: msgTime(&model.ChatRoomRequest{}),
		Info: Text{Key: "Not every message since you left could be caught up ({{.Reason}}): scroll up for older ones", Data: map[string]any{"Reason": ev.Reason}}})
	c.view.SetHistory(conv, HistoryIdle, Text{})
}

// readFailed ends conv's page on its way, if there is one, and says
// whether there was: the server refused it (why says what it said), or it
// could not be sent (why is empty). It gives up going to a result.
// Scrolling to the top asks again only after refusedWait, or on the next
// connection: a server that keeps no history, or limits the requests,
// would otherwise be asked again at every redraw of the list's top. The
// server answers a connection's requests in order, so a refusal about conv
// while its page is on its way is the page's, unless a talk sent just
// before the page was asked for is refused: that refusal then shows in the
// note above the list instead of among the lines.
func (c *Client) readFailed(conv Conv, why Text) bool {
	c.mu.Lock()
	h := c.convs.history[conv]
	loading := h != nil && h.loading
	if h != nil {
		h.loading, h.jump = false, 0
		if loading {
			h.retry = time.Now().Add(refusedWait)
		}
	}
	c.mu.Unlock()
	switch {
	case loading && why.Key != "":
		c.view.SetHistory(conv, HistoryRefused, why)
	case loading:
		c.view.SetHistory(conv, HistoryIdle, Text{})
	}
	return loading
}

// pageRefused is what the note above a conversation says when the server
// refused its older talks for reason.
func pageRefused(reason string) Text {
	return Text{Key: "Older messages cannot be loaded: {{.Reason}}", Data: map[string]any{"Reason": reason}}
}

// stopLoading ends every page on its way: the connection is gone. The
// next one may read what this one was refused.
func (c *Client) stopLoading() {
	c.mu.Lock()
	var convs []Conv
	for conv, h := range c.convs.history {
		if h.loading || !h.retry.IsZero() {
			convs = append(convs, conv)
		}
		h.loading, h.jump, h.retry = false, 0, time.Time{}
	}
	c.mu.Unlock()
	for _, conv := range convs {
		c.view.SetHistory(conv, HistoryIdle, Text{})
	}
}

// Search asks for conv's talks matching query, newest first; more: the
// next page of the last search.
func (c *Client) Search(conv Conv, query string, more bool) *InputError {
	query = strings.TrimSpace(query)
	switch {
	case query == "":
		return &InputError{FieldSearch, Text{Key: "Type what to search for"}}
	case len(query) > session.MaxQuery:
		return &InputError{FieldSearch, Text{Key: "A search is at most 256 bytes long"}}
	}
	s := c.current()
	if s == nil {
		return &InputError{FieldSearch, Text{Key: "Not connected"}}
	}
	c.mu.Lock()
	h := c.hist(conv)
	var before uint64
	if more && h.query == query {
		before = h.after
	}
	h.query = query
	c.mu.Unlock()
	return sendError(FieldSearch, s.Search(conv.Room, conv.With, query, before, 0))
}

// found shows a page of search results.
func (c *Client) found(ev session.Found) {
	conv := Conv{Room: ev.Room, With: ev.To}
	p := SearchPage{Query: ev.Query, First: ev.Before == 0, More: ev.More}
	for _, m := range ev.Messages {
		p.Results = append(p.Results, c.pastLine(m, conv))
	}
	c.mu.Lock()
	if n := len(p.Results); n > 0 {
		c.hist(conv).after = p.Results[n-1].Seq
	}
	c.mu.Unlock()
	c.view.SetSearch(conv, p)
}

// JumpTo shows conv's talk seq (a search result), loading the talks
// before the oldest held until it is held.
func (c *Client) JumpTo(conv Conv, seq uint64) *InputError {
	c.mu.Lock()
	h := c.hist(conv)
	if h.first != 0 && seq >= h.first {
		c.mu.Unlock()
		c.view.ScrollToSeq(conv, seq)
		return nil
	}
	h.jump, h.pages = seq, 0
	loading := h.loading
	c.mu.Unlock()
	if loading {
		return nil // the page on its way goes on to it
	}
	return c.loadOlder(conv, model.MaxHistoryPage)
}

// jumpOn goes on towards the result JumpTo asked for, after a page: shows
// it if it is held now, else loads the next page.
func (c *Client) jumpOn(conv Conv) {
	c.mu.Lock()
	h := c.hist(conv)
	seq := h.jump
	switch {
	case seq == 0:
		c.mu.Unlock()
		return
	case h.first != 0 && seq >= h.first:
		h.jump = 0
		c.mu.Unlock()
		c.view.ScrollToSeq(conv, seq)
		return
	case h.begin || h.pages >= jumpPages:
		h.jump = 0
		c.mu.Unlock()
		c.view.AppendLine(conv, Line{Kind: LineNotice, Time: msgTime(&model.ChatRoomRequest{}), Info: Text{Key: "That message is too far back: scroll up to it"}})
		return
	}
	h.pages++
	c.mu.Unlock()
	if err := c.loadOlder(conv, model.MaxHistoryPage); err != nil {
		c.view.AppendLine(conv, Line{Kind: LineError, Time: msgTime(&model.ChatRoomRequest{}), Info: err.Text})
	}
}
