package ctrl

import (
	"context"
	"time"

	"chatroom/model"
	"chatroom/service"
)

// This file owns a connection's moderation requests (kick, ban, unban,
// mute, unmute, delete, topic, slow, role, audit): each is handed to the
// hub as its connection's user (service.Actor), which checks the user's
// role and the fields; a refusal is answered with an error naming the
// room. Every request has spent a token of the connection's rate limit,
// as every frame does (readpump.go).

// isModerationRequest says whether typ is a moderation request.
func isModerationRequest(typ string) bool {
	for _, t := range model.ModerationTypes() {
		if t == typ {
			return true
		}
	}
	return false
}

// moderate handles one moderation request.
func (c *conn) moderate(msg *model.ChatRoomRequest) {
	ctx := context.Background()
	a := service.Actor{Member: c, Name: c.name}
	d := time.Duration(msg.Duration) * time.Second
	var err error
	switch msg.Type {
	case model.TypeKick:
		err = c.s.hub.Kick(ctx, a, msg.Room, msg.To, msg.Content)
	case model.TypeBan:
		err = c.s.hub.Ban(ctx, a, service.BanRequest{Room: msg.Room, Server: msg.Server, Name: msg.To, Address: msg.Address, Duration: d, Reason: msg.Content})
	case model.TypeUnban:
		err = c.s.hub.Unban(ctx, a, msg.Room, msg.To, msg.Server)
	case model.TypeMute:
		err = c.s.hub.Mute(ctx, a, msg.Room, msg.To, d, msg.Content)
	case model.TypeUnmute:
		err = c.s.hub.Unmute(ctx, a, msg.Room, msg.To)
	case model.TypeDelete:
		err = c.s.hub.DeleteTalk(ctx, a, msg.Room, msg.TargetSeq, msg.Content)
	case model.TypeTopic:
		err = c.s.hub.SetTopic(ctx, a, msg.Room, msg.Topic)
	case model.TypeSlow:
		err = c.s.hub.SetSlow(ctx, a, msg.Room, d)
	case model.TypeRole:
		err = c.s.hub.SetRole(ctx, a, msg.Room, msg.To, msg.Role)
	case model.TypeAudit:
		err = c.audit(ctx, a, msg)
	}
	c.answer(err, msg.Type+" failed")
}

// audit answers an audit request with one page of the trail.
func (c *conn) audit(ctx context.Context, a service.Actor, msg *model.ChatRoomRequest) error {
	room := ""
	if msg.Room != "" {
		var err error
		if room, err = model.NormalizeRoom(msg.Room); err != nil {
			return &service.Refusal{Reason: service.RefuseRoomName, Text: err.Error()}
		}
	}
	entries, more, err := c.s.hub.AuditPage(ctx, a, room, msg.Before, int(msg.Limit))
	if err != nil {
		return err
	}
	c.s.hub.Reply(c, service.NewFrame(WebSocketFramer{}, service.AuditReply(entries, more)))
	return nil
}
