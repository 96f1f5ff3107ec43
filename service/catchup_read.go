package service

// This file owns reading a catch-up's talks from the History within
// bounds: at most cfg.CatchUp talks and maxCatchUpBytes of content, read a
// page at a time, and at most maxCatchUpReads catch-ups reading at once
// on a hub. Without them, five handshakes of 463 bytes from one address,
// each starting in 20 rooms of 4 KB talks with since 1, read 1,000 talks
// of each room twice (12 MB per room) and had 388 MB sent: the server's
// heap went past 1 GB.

import (
	"context"
	"fmt"

	"chatroom/model"
)

const (
	// maxCatchUpBytes bounds the content of one room's catch-up; past it,
	// the member is told of the gap and sent the latest talks that fit.
	maxCatchUpBytes = 1 << 20
	// maxCatchUpReads bounds the catch-ups a hub reads from its History
	// at once (the store has a few read connections).
	maxCatchUpReads = 4
	// catchUpPage is how many talks one read of a catch-up asks for.
	catchUpPage = model.MaxHistoryPage
)

// talkBytes is what a talk counts against maxCatchUpBytes and a page's
// maxPageBytes.
func talkBytes(ev *model.ChatRoomRequest) int { return len(ev.Content) + len(ev.UserName) + 32 }

// readCatchUp reads room's talks with since < seq <= upto for a catch-up:
// all of them, oldest first, with no gap event if they are all kept and
// within the bounds; otherwise a gap event and the latest talks that fit.
func (h *Hub) readCatchUp(ctx context.Context, room string, since, upto uint64) ([]*model.ChatRoomRequest, *model.ChatRoomRequest, error) {
	select {
	case h.catchUpReads <- struct{}{}:
		defer func() { <-h.catchUpReads }()
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	limit := h.cfg.CatchUp
	var missed []*model.ChatRoomRequest
	size, after := 0, since
	for range limit/catchUpPage + 2 {
		page, complete, err := h.cfg.Store.After(ctx, room, after, upto, catchUpPage)
		if err != nil {
			return nil, nil, err
		}
		if !complete && after == since {
			return h.latestTalks(ctx, room, upto, "older messages are no longer available")
		}
		for _, ev := range page {
			size += talkBytes(ev)
		}
		missed = append(missed, page...)
		switch {
		case len(missed) > limit:
			return h.latestTalks(ctx, room, upto, fmt.Sprintf("more than %d messages since you left: older ones are read by scrolling back", limit))
		case size > maxCatchUpBytes:
			return h.latestTalks(ctx, room, upto, fmt.Sprintf("more than %d MB of messages since you left: older ones are read by scrolling back", maxCatchUpBytes>>20))
		}
		if len(page) < catchUpPage {
			return missed, nil, nil
		}
		after = page[len(page)-1].Seq
	}
	return missed, nil, nil
}

// latestTalks reads room's latest talks up to upto, as many as the
// bounds hold (oldest first), and the gap event that goes before them.
func (h *Hub) latestTalks(ctx context.Context, room string, upto uint64, text string) ([]*model.ChatRoomRequest, *model.ChatRoomRequest, error) {
	var latest []*model.ChatRoomRequest // newest first
	size, before := 0, upto+1
	for len(latest) < h.cfg.CatchUp {
		page, more, err := h.cfg.Store.Before(ctx, room, before, min(catchUpPage, h.cfg.CatchUp-len(latest)))
		if err != nil {
			return nil, nil, err
		}
		for i := len(page) - 1; i >= 0; i-- {
			if size += talkBytes(page[i]); size > maxCatchUpBytes && len(latest) > 0 {
				more = false
				break
			}
			latest = append(latest, page[i])
		}
		if !more || len(page) == 0 || size > maxCatchUpBytes {
			break
		}
		before = page[0].Seq
	}
	for i, j := 0, len(latest)-1; i < j; i, j = i+1, j-1 {
		latest[i], latest[j] = latest[j], latest[i]
	}
	var first uint64
	if len(latest) > 0 {
		first = latest[0].Seq
	}
	return latest, gapEvent(room, first, text), nil
}
