package ctrl

import (
	"context"
	"time"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// This file owns a connection's requests that read history back: history
// (the old form, a room's or a conversation's last talks; or one page
// before a seq) and search. They spend the connection's list budget, as a
// user list does, and the hub reads its store for them.

// historyTimeout bounds one read of the store.
const historyTimeout = 10 * time.Second

// handleHistory handles history and search.
func (c *conn) handleHistory(msg *model.ChatRoomRequest) {
	if !c.allowUserList() {
		c.listLimited(config.ReplyListLimited, msg.Room, msg.To)
		return
	}
	to := msg.To
	if to != "" {
		n, err := model.NormalizeUsername(to)
		if err != nil {
			c.reject(config.ReplyBadAddressee+": "+err.Error(), msg.Type)
			return
		}
		to = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
	defer cancel()
	hub := c.s.hub
	switch {
	case msg.Type == model.TypeSearch:
		c.answer(hub.Search(ctx, c, msg.Room, to, msg.Content, msg.Before, int(min(msg.Limit, model.MaxHistoryPage))), "search")
	case msg.Limit > 0 || msg.Before > 0:
		limit := int(min(msg.Limit, model.MaxHistoryPage))
		if limit == 0 {
			limit = service.DefaultSearchPage
		}
		c.answer(hub.HistoryPage(ctx, c, msg.Room, to, msg.Before, limit), "history")
	default:
		c.answer(hub.History(c, msg.Room, to), "history")
	}
}
