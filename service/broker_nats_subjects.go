package service

// This file owns where the NATS broker keeps each event in its one stream:
// the default room on cfg.Subject (where the events of before rooms are),
// any other room R on "<prefix>.room.<model.RoomKey(R)>", and the direct
// messages on "<prefix>.dm".

import (
	"errors"
	"fmt"
	"strings"

	"chatroom/model"
)

// streamSubjects are the subjects of the stream: every room's and the
// direct messages'.
func (b *NatsBroker) streamSubjects() []string {
	return []string{b.cfg.Subject, b.cfg.Prefix + ".room.*", b.dmSubject()}
}

// roomSubject is the subject of room's events.
func (b *NatsBroker) roomSubject(room string) string {
	if room == b.cfg.DefaultRoom {
		return b.cfg.Subject
	}
	return b.cfg.Prefix + ".room." + model.RoomKey(room)
}

// dmSubject is the subject of every direct message.
func (b *NatsBroker) dmSubject() string { return b.cfg.Prefix + ".dm" }

// maxRoomBytes is the longest room name in bytes (MaxRoomRunes of four
// bytes each): longer is no room, and would make an overlong subject.
const maxRoomBytes = 4 * model.MaxRoomRunes

// publishSubject is where ev goes: its room's subject; the direct messages'
// if it has no room but an addressee; the default room's if it has
// neither (an event of a client of before rooms).
func (b *NatsBroker) publishSubject(ev *model.ChatRoomRequest) (string, error) {
	switch {
	case len(ev.Room) > maxRoomBytes:
		return "", fmt.Errorf("publish: room name is longer than %d characters", model.MaxRoomRunes)
	case ev.Room != "":
		return b.roomSubject(ev.Room), nil
	case ev.To != "":
		return b.dmSubject(), nil
	default:
		return b.cfg.Subject, nil
	}
}

// checkSubjects refuses a configuration whose subjects overlap: the default
// room's subject must not be a room's, the direct messages' or the audit
// trail's.
func (c *NatsConfig) checkSubjects() error {
	switch {
	case c.Subject == c.Prefix+".dm":
		return errors.New("NATS: the default room's subject is the direct messages' (" + c.Subject + ")")
	case strings.HasPrefix(c.Subject, c.Prefix+".room."):
		return errors.New("NATS: the default room's subject is a room's (" + c.Subject + ")")
	case strings.HasPrefix(c.Subject, c.Prefix+".audit."):
		return errors.New("NATS: the default room's subject is the audit trail's (" + c.Subject + ")")
	}
	return nil
}
