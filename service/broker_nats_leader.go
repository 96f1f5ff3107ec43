package service

// This file owns reading one event from the stream's leader. A direct get
// may be answered by any replica of the stream (Replicas > 1), and a
// follower may be milliseconds behind the leader: a catch up that must
// reach a given seq asks the leader for what the follower did not have.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// leaderRequest and leaderResponse are JetStream's JSApiMsgGetRequest and
// JSApiMsgGetResponse, the fields used here.
type leaderRequest struct {
	Seq     uint64 `json:"seq"`
	NextFor string `json:"next_by_subj"`
}

type leaderResponse struct {
	Error *struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	} `json:"error"`
	Message *struct {
		Sequence uint64    `json:"seq"`
		Data     []byte    `json:"data"`
		Time     time.Time `json:"time"`
	} `json:"message"`
}

// leaderNext is the first event of subject with a seq of at least seq, as
// the stream's leader has it; ok is false if there is none.
func (b *NatsBroker) leaderNext(ctx context.Context, subject string, seq uint64) (ev storedEvent, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, directTimeout)
	defer cancel()
	req, err := json.Marshal(leaderRequest{Seq: seq, NextFor: subject})
	if err != nil {
		return ev, false, err
	}
	msg, err := b.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+b.cfg.Stream, req)
	if err != nil {
		return ev, false, fmt.Errorf("NATS get of %s from %d: %w", subject, seq, err)
	}
	var resp leaderResponse
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return ev, false, fmt.Errorf("NATS get of %s: %w", subject, err)
	}
	switch {
	case resp.Error != nil && resp.Error.Code == 404:
		return ev, false, nil
	case resp.Error != nil:
		return ev, false, fmt.Errorf("NATS get of %s: %d %s", subject, resp.Error.Code, resp.Error.Description)
	case resp.Message == nil:
		return ev, false, fmt.Errorf("NATS get of %s: an answer without a message", subject)
	}
	return storedEvent{seq: resp.Message.Sequence, at: resp.Message.Time, data: resp.Message.Data}, true, nil
}
