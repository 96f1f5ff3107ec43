package ctrl

// This file owns what the desktop client shows of moderation: a room's
// topic, slow mode and our role in it (the room header), the server's
// moderation events as lines of the room, deleted talks as tombstones,
// being kicked or banned ourselves, and pages of the audit trail.

import (
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"chatroom/model"
	"chatroom/service/session"
)

// RoomMod is what the room header shows of a room's moderation, and what
// the window may offer: Topic ("" none), Slow (seconds between two talks
// of one user; 0 off) and Role, ours in the room ("", model.RoleModerator,
// RoleOwner or RoleAdmin).
type RoomMod struct {
	Topic string
	Slow  uint32
	Role  string
}

// CanModerate says whether Role may kick, mute, delete, set the topic and
// slow mode: any role.
func (r RoomMod) CanModerate() bool { return model.RoleRank(r.Role) > 0 }

// untilLayout is how the end of a ban or mute is shown.
const untilLayout = "2006-01-02 15:04"

// moderation shows one moderation event of a room.
func (c *Client) moderation(m *model.ChatRoomRequest) {
	switch m.Type {
	case model.TypeTopic, model.TypeSlow, model.TypeRole:
		c.roomSetting(m)
	case model.TypeDelete:
		c.deleted(m)
	case model.TypeKick, model.TypeBan:
		if m.UserName == c.self && m.Room != "" && !m.Server { // a server ban closes the connection instead (4003)
			c.removed(m)
			return
		}
		c.modLine(m)
	default:
		c.modLine(m)
	}
}

// roomSetting keeps a room's topic, slow mode or our role, and shows the
// change (one to a joiner, without seq, is no news: the header says it).
func (c *Client) roomSetting(m *model.ChatRoomRequest) {
	ours := m.Type != model.TypeRole || m.Seq == 0 || m.UserName == c.self
	c.mu.Lock()
	_, in := c.convs.rooms[m.Room]
	r := c.convs.mod[m.Room]
	if r == nil {
		r = &RoomMod{}
		c.convs.mod[m.Room] = r
	}
	switch {
	case m.Type == model.TypeTopic:
		r.Topic = m.Topic
	case m.Type == model.TypeSlow:
		r.Slow = m.Duration
	case ours:
		r.Role = m.Role
	}
	now := *r
	c.mu.Unlock()
	if !in {
		return
	}
	if ours {
		c.view.SetRoomMod(RoomConv(m.Room), now)
	}
	if m.Seq != 0 {
		c.modLine(m)
	}
}

// RoomModOf is what is known of room's moderation.
func (c *Client) RoomModOf(room string) RoomMod {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.convs.mod[room]; r != nil {
		return *r
	}
	return RoomMod{}
}

// tombstone is the line of talk seq, deleted: m names its author and who
// deleted it.
func tombstone(m *model.ChatRoomRequest, seq uint64) Line {
	return Line{Kind: LineDeleted, Time: msgTime(m), Sender: m.UserName, By: m.By, Seq: seq, Past: true}
}

// deleted replaces a deleted talk by its tombstone; a tombstone itself
// (model.IsTombstone: in a room's last talks, replayed on a join) is
// shown as a talk.
func (c *Client) deleted(m *model.ChatRoomRequest) {
	if model.IsTombstone(m) {
		c.talk(session.Talk{Msg: m})
		return
	}
	line := tombstone(m, m.TargetSeq)
	line.Time = time.Time{} // the talk's own time is kept
	c.view.DeleteLine(RoomConv(m.Room), m.TargetSeq, line)
}

// removed shows our own kick or ban from a room. From a room other than
// our home room the server has parted us (the session has forgotten the
// room): the room closes, and the line shows in the conversation shown
// next. From our home room the connection closes next (kicked: 4001, and
// we reconnect) and the room stays.
func (c *Client) removed(m *model.ChatRoomRequest) {
	data := map[string]any{"Room": m.Room, "By": ShownName(m.By), "Why": why(m.Content)}
	key := "You were kicked from #{{.Room}} by {{.By}}{{.Why}}"
	switch {
	case m.Type == model.TypeBan && m.Until != 0:
		data["Until"] = until(m.Until)
		key = "You were banned from #{{.Room}} by {{.By}} until {{.Until}}{{.Why}}"
	case m.Type == model.TypeBan:
		key = "You were banned from #{{.Room}} by {{.By}} for ever{{.Why}}"
	}
	line := Line{Kind: LineError, Time: msgTime(m), Info: Text{Key: key, Data: data}}
	c.view.AppendLine(RoomConv(m.Room), line)
	s := c.current()
	if s == nil || slices.Contains(s.Rooms(), m.Room) {
		return
	}
	c.left(&model.ChatRoomRequest{Type: model.TypeLeave, Room: m.Room, UserName: c.self})
	c.view.AppendLine(Conv{}, line)
}

// modLine shows a moderation event as a line of its room (an unban, to
// whoever lifted it, may have none: the conversation shown).
func (c *Client) modLine(m *model.ChatRoomRequest) {
	conv := RoomConv(m.Room)
	c.mu.Lock()
	if _, in := c.convs.rooms[m.Room]; !in {
		conv = Conv{}
	}
	c.mu.Unlock()
	c.view.AppendLine(conv, Line{Kind: LineModeration, Time: msgTime(m), Info: modText(m)})
}

// why is a reason as the lines show it: "" or ": reason".
func why(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + ShownText(reason)
}

// until is the end of a ban or mute (Unix ms), in local time.
func until(ms int64) string { return time.UnixMilli(ms).Format(untilLayout) }

// modText words moderation event m.
func modText(m *model.ChatRoomRequest) Text {
	d := map[string]any{"Name": ShownName(m.UserName), "By": ShownName(m.By), "Why": why(m.Content), "Until": until(m.Until)}
	modKey := func(key string) Text { return Text{Key: key, Data: d} }
	switch m.Type {
	case model.TypeKick:
		return modKey("{{.Name}} was kicked by {{.By}}{{.Why}}")
	case model.TypeBan:
		return lasting(m, modKey("{{.Name}} was banned by {{.By}} until {{.Until}}{{.Why}}"),
			modKey("{{.Name}} was banned by {{.By}} for {{.Period}}{{.Why}}"), modKey("{{.Name}} was banned by {{.By}} for ever{{.Why}}"))
	case model.TypeMute:
		return lasting(m, modKey("{{.Name}} was muted by {{.By}} until {{.Until}}{{.Why}}"),
			modKey("{{.Name}} was muted by {{.By}} for {{.Period}}{{.Why}}"), modKey("{{.Name}} was muted by {{.By}} for ever{{.Why}}"))
	case model.TypeDelete:
		return modKey("{{.By}} deleted a message of {{.Name}}{{.Why}}")
	case model.TypeUnban:
		return modKey("{{.Name}} was unbanned by {{.By}}")
	case model.TypeUnmute:
		return modKey("{{.Name}} was unmuted by {{.By}}")
	case model.TypeTopic:
		d["Topic"] = ShownText(m.Topic)
		if m.Topic == "" {
			return modKey("{{.By}} cleared the topic")
		}
		return modKey("{{.By}} set the topic: {{.Topic}}")
	case model.TypeSlow:
		d["Seconds"] = m.Duration
		if m.Duration == 0 {
			return modKey("{{.By}} turned slow mode off")
		}
		return modKey("{{.By}} turned slow mode on: one message per {{.Seconds}} s")
	case model.TypeRole:
		if m.Role == "" {
			return modKey("{{.By}} removed {{.Name}} as a moderator")
		}
		return modKey("{{.By}} made {{.Name}} a moderator")
	}
	d["Type"] = m.Type
	return modKey("{{.By}} did {{.Type}} to {{.Name}}")
}

// lasting picks how long ban or mute m lasts: until a time (a live
// event), for a period (an audit entry, which has no end), or for ever.
func lasting(m *model.ChatRoomRequest, until, period, ever Text) Text {
	switch {
	case m.Until != 0:
		return until
	case m.Duration != 0:
		period.Data["Period"] = periodText(m.Duration)
		return period
	}
	return ever
}

// periodText is a period in seconds as the commands write it: 7d, 2h,
// 10m or 30s.
func periodText(secs uint32) string {
	for _, u := range []struct {
		secs uint32
		unit string
	}{{24 * 3600, "d"}, {3600, "h"}, {60, "m"}} {
		if secs%u.secs == 0 {
			return strconv.FormatUint(uint64(secs/u.secs), 10) + u.unit
		}
	}
	return strconv.FormatUint(uint64(secs), 10) + "s"
}

// audit shows a page of the audit trail, newest first, in the room it
// is of (else the conversation shown).
func (c *Client) audit(ev session.Audit) {
	conv := RoomConv(ev.Room)
	c.mu.Lock()
	if _, in := c.convs.rooms[ev.Room]; !in || ev.Room == "" {
		conv = Conv{}
	}
	c.mu.Unlock()
	if len(ev.Messages) == 0 {
		c.view.AppendLine(conv, Line{Kind: LineNotice, Time: time.Now(), Info: Text{Key: "The audit trail is empty"}})
	}
	for _, m := range ev.Messages {
		// An entry says how long the action was for (its duration), not
		// until when (its until), as the command that made it did.
		m = proto.CloneOf(m)
		m.Until = 0
		text := modText(m)
		data := map[string]any{"Room": m.Room, "Seq": m.Seq, "Entry": text}
		key := "Audit #{{.Seq}} in #{{.Room}}: {{.Entry}}"
		if m.Room == "" {
			key = "Audit #{{.Seq}}, server-wide: {{.Entry}}"
		}
		c.view.AppendLine(conv, Line{Kind: LineNotice, Time: msgTime(m), Info: Text{Key: key, Data: data}})
	}
}
