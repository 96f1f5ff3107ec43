package service

import (
	"slices"
	"strings"

	"chatroom/model"
)

// ListRooms returns the reply to a rooms request: the public rooms, by
// name, after cursor, at most limit of them (0: the configured page), and
// the cursor of the next page ("" after the last).
func (h *Hub) ListRooms(cursor string, limit int) *Frame {
	if limit <= 0 {
		limit = h.cfg.RoomsPage
	}
	limit = min(limit, MaxRoomsPage)
	dir, _ := h.broker.Rooms()
	public := slices.DeleteFunc(dir, func(c RoomCount) bool { return c.Private || c.Name <= cursor })
	slices.SortFunc(public, func(a, b RoomCount) int { return strings.Compare(a.Name, b.Name) })
	reply := &model.ChatRoomRequest{Type: model.TypeRooms}
	for _, c := range public[:min(limit, len(public))] {
		rs, _ := h.mod.settings(c.Name)
		reply.Rooms = append(reply.Rooms, &model.RoomInfo{Name: c.Name, Members: uint32(c.Members), Topic: rs.Topic})
	}
	if len(public) > limit {
		reply.Cursor = public[limit-1].Name
	}
	return h.frame(reply)
}
