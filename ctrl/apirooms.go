package ctrl

import (
	"net/http"
	"strconv"

	"chatroom/model"
	"chatroom/service"
)

// This file owns the server API's rooms: the list of rooms, one room's
// details and users, and the operator's system messages (talks from
// model.SystemName).

// apiRooms is GET /api/rooms's answer.
type apiRooms struct {
	Rooms []service.RoomDetails `json:"rooms"`
}

// apiUsers is GET /api/rooms/{room}/users's answer.
type apiUsers struct {
	Users  []string `json:"users"`
	Cursor string   `json:"cursor"` // of the next page; "" after the last
	Count  int      `json:"count"`  // how many are in the room
}

// apiMessage is POST /api/rooms/{room}/messages's body.
type apiMessage struct {
	Content string `json:"content"`
}

// apiSeq is POST /api/rooms/{room}/messages's answer.
type apiSeq struct {
	Seq uint64 `json:"seq"`
}

func (a *API) listRooms(*http.Request) (any, error) {
	rooms := a.hub.AllRoomDetails()
	for i := range rooms {
		rooms[i] = tidyRoom(rooms[i])
	}
	if rooms == nil {
		rooms = []service.RoomDetails{}
	}
	return apiRooms{Rooms: rooms}, nil
}

func (a *API) getRoom(r *http.Request) (any, error) {
	d, err := a.existing(r)
	return tidyRoom(d), err
}

// existing is the details of the room r's path names, or a 404.
func (a *API) existing(r *http.Request) (service.RoomDetails, error) {
	room := r.PathValue("room")
	d, ok := a.hub.RoomDetails(room)
	if !ok {
		return d, apiErrorf(http.StatusNotFound, "no such room: %s (nobody is in it and it has no settings)", clip(room))
	}
	return d, nil
}

// tidyRoom gives d's lists as [] rather than null.
func tidyRoom(d service.RoomDetails) service.RoomDetails {
	if d.Moderators == nil {
		d.Moderators = []string{}
	}
	return d
}

func (a *API) roomUsers(r *http.Request) (any, error) {
	q := r.URL.Query()
	limit := service.FirstPage
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > model.MaxUserListPage {
			return nil, apiErrorf(http.StatusBadRequest, "limit must be a whole number from 1 to %d", model.MaxUserListPage)
		}
		limit = n
	}
	d, err := a.existing(r)
	if err != nil {
		return nil, err
	}
	names, next, count, err := a.hub.RoomUsers(d.Name, q.Get("cursor"), q.Get("prefix"), limit)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return apiUsers{Users: names, Cursor: next, Count: count}, nil
}

func (a *API) postMessage(r *http.Request) (any, error) {
	var body apiMessage
	if err := decodeBody(r, &body, false); err != nil {
		return nil, err
	}
	if err := a.checkContent(body.Content); err != nil {
		return nil, err
	}
	d, err := a.existing(r)
	if err != nil {
		return nil, err
	}
	seq, err := a.hub.SystemMessage(r.Context(), d.Name, body.Content)
	if err != nil {
		return nil, err
	}
	return apiSeq{Seq: seq}, nil
}

// checkContent refuses a system message the chat would refuse as a talk
// (model.CheckContent: empty, only white space, over -max-content).
func (a *API) checkContent(s string) error {
	if err := model.CheckContent(s, a.cfg.MaxContent); err != nil {
		return apiErrorf(http.StatusUnprocessableEntity, "content: %v", err)
	}
	return nil
}
