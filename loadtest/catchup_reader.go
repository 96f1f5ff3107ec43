package main

// How a connection of the catchup scenario reads what comes in: live
// talks, joins and leaves, the catch-up's history frames and gap notices,
// and errors, into its user's holding.

import (
	"bytes"
	"fmt"

	"chatroom/config"
	"chatroom/model"
)

// catchupMessage handles one message f (p, as it came) for a user of the
// catchup scenario.
func (us *user) catchupMessage(f fields, p []byte, now int64) {
	h := us.held
	switch string(f.typ) {
	case model.TypeTalk:
		rest, ours := us.handleTalk(f.content, now)
		h.talk(f.room, f.seq, rest, ours)
	case model.TypeJoin, model.TypeLeave:
		if h.event(string(f.typ) == model.TypeJoin, f.name, f.room, f.seq) {
			us.joined.Store(true)
		}
	case model.TypeHistory:
		us.catchupHistory(p)
	case model.TypeGap:
		h.gap(f.room, f.seq)
	case model.TypeUserList:
		us.lists.Add(1)
	case model.TypeError:
		notSent := bytes.HasPrefix(f.content, []byte(config.ReplyNotSent))
		if notSent {
			us.refused.Add(1)
		}
		h.serverError(f.content, f.room, notSent)
	}
}

// catchupHistory handles a history frame: a catch-up's replay (since set)
// holds talks as they were sent live. Such frames are few: this one is
// decoded in full.
func (us *user) catchupHistory(p []byte) {
	h := us.held
	m, err := model.Decode(p)
	if err != nil || m.Since == 0 {
		h.serverError(fmt.Appendf(nil, "a history frame that is no catch-up (since 0, or undecodable: %v)", err), nil, false)
		return
	}
	h.replays.Add(1)
	for _, t := range m.Messages {
		room := t.Room
		if room == "" {
			room = m.Room
		}
		rest, ours := us.runTalk([]byte(t.Content))
		if ours {
			h.replayed.Add(1)
		}
		h.talk([]byte(room), t.Seq, rest, ours)
	}
}

// runTalk says whether a talk's content is this run's (its id, sent since
// the run started), and returns what follows the id; unlike handleTalk,
// it counts nothing: for replayed talks, whose latency is not delivery's.
func (us *user) runTalk(content []byte) (rest []byte, ok bool) {
	sp := bytes.IndexByte(content, ' ')
	if sp < 0 || len(content) < sp+1+len(us.marker) || string(content[sp+1:sp+1+len(us.marker)]) != string(us.marker) {
		return nil, false
	}
	if parseInt(content[:sp]) < us.since.Load() {
		return nil, false
	}
	return content[sp+1+len(us.marker):], true
}
