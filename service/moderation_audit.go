package service

import (
	"context"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/model"
)

// This file owns the audit trail: every moderation action is one log line
// "moderation" and one AuditEntry in the ModerationStore, which admins
// (and the server API) read back, newest first.

// MaxAuditPage is the most entries one audit page holds.
const MaxAuditPage = 200

// audit logs e and keeps it in the trail. A trail that cannot be written
// is logged, not refused: the action was taken.
func (h *Hub) audit(ctx context.Context, e AuditEntry) {
	e.At = time.Now()
	fields := logrus.Fields{"action": e.Action, "actor": e.Actor, "target": e.Target, "room": e.Room, "reason": e.Reason}
	if e.Duration > 0 {
		fields["duration"] = e.Duration.String()
	}
	if e.Seq > 0 {
		fields["seq"] = e.Seq
	}
	if e.Detail != "" {
		fields["detail"] = e.Detail
	}
	h.log.WithFields(fields).Info("moderation")
	if _, err := h.cfg.Moderation.AddAudit(ctx, e); err != nil {
		h.log.WithFields(logrus.Fields{"action": e.Action, "error": err}).Error("moderation: audit entry not kept")
	}
}

// AuditPage returns the audit trail, newest first (admins, the API).
func (h *Hub) AuditPage(ctx context.Context, a Actor, room string, before uint64, limit int) ([]AuditEntry, bool, error) {
	if err := h.may(a, model.TypeAudit, room, ""); err != nil {
		return nil, false, err
	}
	if limit <= 0 || limit > MaxAuditPage {
		limit = MaxAuditPage
	}
	return h.cfg.Moderation.Audit(ctx, room, before, limit)
}

// AuditReply is an audit page as the audit reply carries it: each entry
// as its action's event, seq its ID.
func AuditReply(entries []AuditEntry, more bool) *model.ChatRoomRequest {
	reply := &model.ChatRoomRequest{Type: model.TypeAudit, More: more}
	for _, e := range entries {
		ev := &model.ChatRoomRequest{Type: e.Action, Room: e.Room, UserName: e.Target, By: e.Actor, Content: e.Reason,
			Duration: uint32(e.Duration / time.Second), Timestamp: e.At.UnixMilli(), Seq: e.ID, TargetSeq: e.Seq}
		switch e.Action {
		case model.TypeTopic:
			ev.Topic = e.Detail
		case model.TypeRole:
			ev.Role = e.Detail
		case model.TypeBan, model.TypeUnban:
			ev.Server = e.Room == ""
		}
		if (e.Action == model.TypeBan || e.Action == model.TypeMute) && e.Duration > 0 {
			ev.Until = e.At.Add(e.Duration).UnixMilli()
		}
		reply.Messages = append(reply.Messages, ev)
	}
	return reply
}
