package ctrl

import (
	"net/http"
	"strconv"
	"time"

	"chatroom/model"
	"chatroom/service"
)

// This file owns the server API's actions on a room: delete a talk, kick,
// mute and unmute, the topic, slow mode and the moderators. Each calls the
// hub as service.APIActor, which may do everything; the hub checks the
// room, the target and the rest, and refuses in words.

// apiOK is the answer of an action done.
type apiOK struct {
	OK bool `json:"ok"`
}

// apiDone is an action's answer: ok, or err.
func apiDone(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return apiOK{OK: true}, nil
}

// apiReason is the optional body of DELETE /api/rooms/{room}/messages/{seq}.
type apiReason struct {
	Reason string `json:"reason"`
}

// apiKick is POST /api/rooms/{room}/kick's body.
type apiKick struct {
	User   string `json:"user"`
	Reason string `json:"reason"`
}

// apiMute is POST /api/rooms/{room}/mute's body.
type apiMute struct {
	User     string `json:"user"`
	Duration int64  `json:"duration_seconds"` // 0: for ever
	Reason   string `json:"reason"`
}

// apiTopic is PUT /api/rooms/{room}/topic's body.
type apiTopic struct {
	Topic *string `json:"topic"` // required; "" clears it
}

// apiSlow is PUT /api/rooms/{room}/slow's body.
type apiSlow struct {
	Seconds *int64 `json:"seconds"` // required; 0: off
}

func (a *API) deleteMessage(r *http.Request) (any, error) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		return nil, apiErrorf(http.StatusBadRequest, "%q is not a message's seq: a whole number from 1", clip(r.PathValue("seq")))
	}
	var body apiReason
	if err := decodeBody(r, &body, true); err != nil {
		return nil, err
	}
	if err := checkReason(body.Reason); err != nil {
		return nil, err
	}
	return apiDone(a.hub.DeleteTalk(r.Context(), service.APIActor(), r.PathValue("room"), seq, body.Reason))
}

func (a *API) kick(r *http.Request) (any, error) {
	var body apiKick
	if err := decodeBody(r, &body, false); err != nil {
		return nil, err
	}
	if err := firstErr(checkUser(body.User), checkReason(body.Reason)); err != nil {
		return nil, err
	}
	if _, err := a.existing(r); err != nil { // nobody is in a room that does not exist
		return nil, err
	}
	return apiDone(a.hub.Kick(r.Context(), service.APIActor(), r.PathValue("room"), body.User, body.Reason))
}

func (a *API) mute(r *http.Request) (any, error) {
	var body apiMute
	if err := decodeBody(r, &body, false); err != nil {
		return nil, err
	}
	d, err := seconds("duration_seconds", body.Duration)
	if err := firstErr(checkUser(body.User), err, checkReason(body.Reason)); err != nil {
		return nil, err
	}
	return apiDone(a.hub.Mute(r.Context(), service.APIActor(), r.PathValue("room"), body.User, d, body.Reason))
}

func (a *API) unmute(r *http.Request) (any, error) {
	return apiDone(a.hub.Unmute(r.Context(), service.APIActor(), r.PathValue("room"), r.PathValue("user")))
}

func (a *API) setTopic(r *http.Request) (any, error) {
	var body apiTopic
	if err := decodeBody(r, &body, false); err != nil {
		return nil, err
	}
	switch {
	case body.Topic == nil:
		return nil, apiErrorf(http.StatusUnprocessableEntity, `topic is missing: send {"topic": ""} to clear it`)
	case len(*body.Topic) > model.MaxTopicBytes:
		return nil, apiErrorf(http.StatusUnprocessableEntity, "a topic is at most %d bytes", model.MaxTopicBytes)
	}
	return apiDone(a.hub.SetTopic(r.Context(), service.APIActor(), r.PathValue("room"), *body.Topic))
}

func (a *API) setSlow(r *http.Request) (any, error) {
	var body apiSlow
	if err := decodeBody(r, &body, false); err != nil {
		return nil, err
	}
	if body.Seconds == nil {
		return nil, apiErrorf(http.StatusUnprocessableEntity, `seconds is missing: send {"seconds": 0} to turn slow mode off`)
	}
	d, err := seconds("seconds", *body.Seconds)
	if err != nil {
		return nil, err
	}
	return apiDone(a.hub.SetSlow(r.Context(), service.APIActor(), r.PathValue("room"), d))
}

func (a *API) nameModerator(r *http.Request) (any, error) {
	return apiDone(a.hub.SetRole(r.Context(), service.APIActor(), r.PathValue("room"), r.PathValue("user"), model.RoleModerator))
}

func (a *API) unnameModerator(r *http.Request) (any, error) {
	return apiDone(a.hub.SetRole(r.Context(), service.APIActor(), r.PathValue("room"), r.PathValue("user"), ""))
}

// checkUser refuses a missing target.
func checkUser(name string) error {
	if name == "" {
		return apiErrorf(http.StatusUnprocessableEntity, "user is missing: name the user to act on")
	}
	return nil
}

// checkReason refuses a reason the protocol would not carry.
func checkReason(s string) error {
	if len(s) > model.MaxReasonBytes {
		return apiErrorf(http.StatusUnprocessableEntity, "a reason is at most %d bytes", model.MaxReasonBytes)
	}
	return nil
}

// seconds is a body's period field n as a duration: 0 .. a year.
func seconds(field string, n int64) (time.Duration, error) {
	if n < 0 || n > model.MaxModerationDuration {
		return 0, apiErrorf(http.StatusUnprocessableEntity, "%s must be from 0 to %d (a year)", field, model.MaxModerationDuration)
	}
	return time.Duration(n) * time.Second, nil
}

// firstErr is the first error that is not nil.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
