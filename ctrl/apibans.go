package ctrl

import (
	"net/http"
	"strconv"
	"time"

	"chatroom/service"
)

// This file owns the server API's bans (of a room or of the whole
// server), the list of a room's mutes, and the audit trail.

// apiBan is POST /api/bans's body.
type apiBan struct {
	User     string `json:"user"`
	Room     string `json:"room"`             // "": the whole server
	Duration int64  `json:"duration_seconds"` // 0: for ever
	Address  bool   `json:"address"`          // the address the user is connected from too
	Reason   string `json:"reason"`
}

// apiRestriction is one ban or mute in force.
type apiRestriction struct {
	User    string `json:"user"`
	Room    string `json:"room"`    // "": a server-wide ban
	Address string `json:"address"` // banned too; "" if not
	Until   string `json:"until"`   // RFC 3339; "" for ever
	By      string `json:"by"`
	Reason  string `json:"reason"`
	At      string `json:"at"` // RFC 3339
}

// apiBans is GET /api/bans's answer.
type apiBans struct {
	Bans []apiRestriction `json:"bans"`
}

// apiMutes is GET /api/rooms/{room}/mutes's answer.
type apiMutes struct {
	Mutes []apiRestriction `json:"mutes"`
}

// apiAuditEntry is one entry of the audit trail.
type apiAuditEntry struct {
	ID       uint64 `json:"id"`
	At       string `json:"at"` // RFC 3339
	Action   string `json:"action"`
	Room     string `json:"room"`
	Actor    string `json:"actor"`
	Target   string `json:"target"`
	Reason   string `json:"reason"`
	Duration int64  `json:"duration_seconds"`
	Seq      uint64 `json:"seq"`
	Detail   string `json:"detail"`
}

// apiAudit is GET /api/audit's answer.
type apiAudit struct {
	Entries []apiAuditEntry `json:"entries"`
	More    bool            `json:"more"` // older entries exist: ask with before = the last id
}

// apiAuditMax is the most entries one audit page has.
const apiAuditMax = 1000

func (a *API) listBans(r *http.Request) (any, error) {
	return apiBans{Bans: a.restrictions(r.URL.Query().Get("room"), false)}, nil
}

func (a *API) listMutes(r *http.Request) (any, error) {
	return apiMutes{Mutes: a.restrictions(r.PathValue("room"), true)}, nil
}

// restrictions are the bans (or mutes) of room in force ("": of every
// room and the server).
func (a *API) restrictions(room string, mutes bool) []apiRestriction {
	now := time.Now()
	out := []apiRestriction{}
	for _, x := range a.hub.Restrictions(room) {
		if x.Mute != mutes || x.Expired(now) {
			continue
		}
		j := apiRestriction{User: x.Name, Room: x.Room, By: x.By, Reason: x.Reason, At: rfc3339(x.At), Until: rfc3339(x.Until)}
		if x.Addr.IsValid() {
			j.Address = x.Addr.String()
		}
		out = append(out, j)
	}
	return out
}

// rfc3339 is t as RFC 3339 in UTC, "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (a *API) ban(r *http.Request) (any, error) {
	var body apiBan
	if err := decodeBody(r, &body, false); err != nil {
		return nil, err
	}
	d, err := seconds("duration_seconds", body.Duration)
	if err := firstErr(checkUser(body.User), err, checkReason(body.Reason)); err != nil {
		return nil, err
	}
	b := service.BanRequest{Room: body.Room, Server: body.Room == "", Name: body.User, Address: body.Address, Duration: d, Reason: body.Reason}
	return apiDone(a.hub.Ban(r.Context(), service.APIActor(), b))
}

func (a *API) unban(r *http.Request) (any, error) {
	q := r.URL.Query()
	if err := checkUser(q.Get("user")); err != nil {
		return nil, apiErrorf(http.StatusBadRequest, "user is missing: DELETE /api/bans?user=NAME (&room=ROOM for a room's ban)")
	}
	room := q.Get("room")
	return apiDone(a.hub.Unban(r.Context(), service.APIActor(), room, q.Get("user"), room == ""))
}

func (a *API) audit(r *http.Request) (any, error) {
	q := r.URL.Query()
	var before uint64
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, apiErrorf(http.StatusBadRequest, "before must be an entry's id (a whole number)")
		}
		before = n
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > apiAuditMax {
			return nil, apiErrorf(http.StatusBadRequest, "limit must be a whole number from 1 to %d", apiAuditMax)
		}
		limit = n
	}
	entries, more, err := a.hub.AuditPage(r.Context(), service.APIActor(), q.Get("room"), before, limit)
	if err != nil {
		return nil, err
	}
	out := apiAudit{Entries: make([]apiAuditEntry, 0, len(entries)), More: more}
	for _, e := range entries {
		out.Entries = append(out.Entries, apiAuditEntry{ID: e.ID, At: rfc3339(e.At), Action: e.Action, Room: e.Room, Actor: e.Actor,
			Target: e.Target, Reason: e.Reason, Duration: int64(e.Duration / time.Second), Seq: e.Seq, Detail: e.Detail})
	}
	return out, nil
}
