package service

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"chatroom/model"
)

// This file owns what every moderation action shares: the room it is
// about, its target's name, its fields' checks, and the publication of its
// event, which every node following the room applies
// (moderation_events.go).

// actorRoom is the room an action names, normalized: a's home room if
// none (the API must name one).
func (h *Hub) actorRoom(a Actor, room string) (string, error) {
	if room == "" && a.Member != nil {
		h.mu.RLock()
		u := h.user(a.Member)
		if u != nil {
			room = u.home
		}
		h.mu.RUnlock()
	}
	if room == "" {
		return "", badModeration("", "name the room")
	}
	return h.roomName(room)
}

// targetName checks a target's name and returns it normalized.
func targetName(room, name string) (string, error) {
	n, err := model.NormalizeUsername(name)
	if err != nil {
		return "", badModeration(room, "the user acted on (to): %v", err)
	}
	return n, nil
}

// present returns the name of target as it is in room, and whether it is
// there: in the room's user list if this node follows it, else online.
func (h *Hub) present(room, target string) (string, bool) {
	name, online := h.broker.Holder(target)
	if !online {
		return target, false
	}
	if r := h.room(room); r != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		return name, r.users.has(name)
	}
	return name, true
}

// checkReason refuses a reason (or topic) longer than most bytes or not
// UTF-8.
func checkReason(room, what, s string, most int) error {
	switch {
	case len(s) > most:
		return badModeration(room, "the %s is longer than %d bytes", what, most)
	case !utf8.ValidString(s):
		return badModeration(room, "the %s is not valid UTF-8", what)
	}
	return nil
}

// checkDuration refuses a duration below 0 or past the longest.
func checkDuration(room string, d time.Duration) error {
	if d < 0 || d > model.MaxModerationDuration*time.Second {
		return badModeration(room, "the duration must be 0 (for ever) .. %d seconds", model.MaxModerationDuration)
	}
	return nil
}

func badModeration(room, format string, args ...any) *Refusal {
	return refuseRoom(RefuseBadModeration, room, format, args...)
}

// until is when a restriction of d from now ends (zero: never).
func until(now time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(d)
}

// untilText says until when a restriction lasts, in words.
func untilText(t time.Time) string {
	if t.IsZero() {
		return "for ever"
	}
	return "until " + t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// publishAction publishes an action's event; a failure is an error in
// words. An actor connected here that does not get the event from the
// room (it is not in it, or the event is an unban, which rooms do not
// send) gets it alone, as the action's answer.
func (h *Hub) publishAction(ctx context.Context, a Actor, ev *model.ChatRoomRequest) error {
	if err := h.broker.Publish(ctx, ev); err != nil {
		return fmt.Errorf("%s not sent: %w", ev.Type, err)
	}
	if a.Member == nil {
		return nil
	}
	if _, err := h.roomOf(a.Member, ev.Room); err != nil || ev.Type == model.TypeUnban {
		h.Reply(a.Member, h.frame(ev))
	}
	return nil
}

// Kick takes target out of room, with reason shown to the room.
func (h *Hub) Kick(ctx context.Context, a Actor, room, target, reason string) error {
	room, err := h.actorRoom(a, room)
	if err != nil {
		return err
	}
	if target, err = targetName(room, target); err != nil {
		return err
	}
	if err := checkReason(room, "reason", reason, model.MaxReasonBytes); err != nil {
		return err
	}
	if err := h.may(a, model.TypeKick, room, target); err != nil {
		return err
	}
	name, ok := h.present(room, target)
	if !ok {
		return refuseRoom(RefuseNoSuchUser, room, "user %s is not in room %s", target, room)
	}
	ev := &model.ChatRoomRequest{Type: model.TypeKick, Room: room, UserName: name, By: a.Name, Content: reason}
	if err := h.publishAction(ctx, a, ev); err != nil {
		return err
	}
	h.audit(ctx, AuditEntry{Action: model.TypeKick, Room: room, Actor: a.Name, Target: name, Reason: reason})
	return nil
}
