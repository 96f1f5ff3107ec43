package service

import (
	"context"
	"errors"

	"chatroom/model"
)

// This file owns the deletion of a talk: the History that keeps it (a
// Deleter) makes it a tombstone, which scroll back, catch up and search
// then read; every node's room replaces it in its last talks, and the
// room's members are told to drop it (a delete event: user_name the
// author, by who deleted it, target_seq the talk's seq).

// DeleteTalk deletes talk seq of room.
func (h *Hub) DeleteTalk(ctx context.Context, a Actor, room string, seq uint64, reason string) error {
	room, err := h.actorRoom(a, room)
	if err != nil {
		return err
	}
	if err := checkReason(room, "reason", reason, model.MaxReasonBytes); err != nil {
		return err
	}
	if seq == 0 {
		return badModeration(room, "a delete names the talk's seq (target_seq)")
	}
	if err := h.may(a, model.TypeDelete, room, ""); err != nil {
		return err
	}
	author, err := h.authorOf(ctx, room, seq)
	if err != nil {
		return err
	}
	// A moderator may delete its own talks; others' only below its role.
	if !sameRoleName(author, a.Name) {
		if err := h.may(a, model.TypeDelete, room, author); err != nil {
			return err
		}
	}
	if d, ok := h.cfg.Store.(Deleter); ok {
		if _, err := d.Delete(ctx, room, seq, a.Name); errors.Is(err, ErrNoSuchTalk) {
			return noSuchTalk(room, seq)
		} else if err != nil {
			return refuseRoom(RefuseNotStored, room, "delete not stored: %v", err)
		}
	}
	ev := &model.ChatRoomRequest{Type: model.TypeDelete, Room: room, UserName: author, By: a.Name, TargetSeq: seq}
	if err := h.publishAction(ctx, a, ev); err != nil {
		return err
	}
	h.audit(ctx, AuditEntry{Action: model.TypeDelete, Room: room, Actor: a.Name, Target: author, Reason: reason, Seq: seq})
	return nil
}

// authorOf returns who said talk seq of room: as the History keeps it,
// else as this node's room keeps it in its last talks.
func (h *Hub) authorOf(ctx context.Context, room string, seq uint64) (string, error) {
	if _, ok := h.cfg.Store.(Deleter); ok {
		msgs, _, err := h.cfg.Store.Before(ctx, room, seq+1, 1)
		if err != nil {
			return "", refuseRoom(RefuseHistoryFailed, room, "the history of room %s cannot be read: %v", room, err)
		}
		if len(msgs) == 0 || msgs[0].Seq != seq || msgs[0].Type != model.TypeTalk {
			return "", noSuchTalk(room, seq)
		}
		return msgs[0].UserName, nil
	}
	if r := h.room(room); r != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, k := range r.history {
			if k.ev.Seq == seq && k.ev.Type == model.TypeTalk {
				return k.ev.UserName, nil
			}
		}
	}
	return "", noSuchTalk(room, seq)
}

func noSuchTalk(room string, seq uint64) *Refusal {
	return refuseRoom(RefuseNoSuchMessage, room, "room %s keeps no message %d (never was, too old, or deleted already)", room, seq)
}

// tombstone replaces talk ev.TargetSeq in the room's last talks with its
// tombstone. Under the room's lock.
func (r *room) tombstone(ev *model.ChatRoomRequest) {
	for i, k := range r.history {
		if k.ev.Seq != ev.TargetSeq || k.ev.Type != model.TypeTalk {
			continue
		}
		t := model.Tombstone(k.ev.Seq, k.ev.Timestamp, k.ev.UserName, r.name, "", ev.By)
		r.history[i] = kept{f: r.frame(t), ev: t}
		return
	}
}
