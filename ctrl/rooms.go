package ctrl

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// This file owns a connection's requests about rooms and direct messages:
// talk (in a room, or to a user), join, part, the rooms list and
// histories. The rules are the hub's; a refusal is answered with an error
// naming the room or the user it was about.

// talk handles a talk: to a user if it names one, else to a room.
func (c *conn) talk(msg *model.ChatRoomRequest) {
	if err := model.CheckContent(msg.Content, c.s.cfg.MaxContent); err != nil {
		c.reject(err.Error(), msg.Type)
		return
	}
	var err error
	if msg.To != "" {
		to, nerr := model.NormalizeUsername(msg.To)
		if nerr != nil {
			c.reject(config.ReplyBadAddressee+": "+nerr.Error(), msg.Type)
			return
		}
		err = c.s.hub.Direct(context.Background(), c, to, msg.Content)
	} else {
		err = c.s.hub.Talk(context.Background(), c, msg.Room, msg.Content)
	}
	c.answer(err, config.ReplyNotSent)
}

// handleRooms handles join, part and rooms.
func (c *conn) handleRooms(msg *model.ChatRoomRequest) {
	switch msg.Type {
	case model.TypeJoin:
		if !c.s.addrs.join(c.ip) { // a join replays history: it costs what a connection does
			room, _ := model.NormalizeRoom(msg.Room) // "" if it is not a room's name
			c.refuse(&service.Refusal{Reason: service.RefuseJoinRate, Room: room, Text: config.ReplyJoinRate})
			return
		}
		c.answer(c.s.hub.JoinSince(context.Background(), c, msg.Room, msg.Private, msg.Since), "cannot join")
	case model.TypePart:
		c.answer(c.s.hub.Part(context.Background(), c, msg.Room), "cannot leave")
	case model.TypeRooms:
		if !c.allowUserList() {
			c.listLimited(config.ReplyListLimited, "", "")
			return
		}
		cursor := msg.Cursor
		if len(cursor) > 4*model.MaxRoomRunes {
			cursor = "" // no room's name is longer: a garbage cursor starts over
		}
		c.s.hub.Reply(c, c.s.hub.ListRooms(cursor, int(min(msg.Limit, service.MaxRoomsPage))))
	}
}

// answer replies to a request the hub handled: nothing if err is nil, the
// refusal's words, or, for another error (the broker's), prefix and why.
func (c *conn) answer(err error, prefix string) {
	var ref *service.Refusal
	switch {
	case err == nil:
	case errors.As(err, &ref):
		c.refuse(ref)
	default:
		c.reject(prefix+": "+err.Error(), "")
	}
}

// refuse answers a request refused by a rule of rooms, counted by reason.
func (c *conn) refuse(err error) {
	var ref *service.Refusal
	if !errors.As(err, &ref) {
		c.reject(err.Error(), "")
		return
	}
	c.s.stats.rejectedFrames.Add(1)
	c.logFrame(c.s.logs.rejected, logrus.Fields{"reason": clipTo(ref.Text, maxReason), "rule": string(ref.Reason)}, "request refused")
	c.s.hub.Refuse(c, ref)
}
