package main

// This file owns the load tool's side of Centrifugo's JSON protocol over
// WebSocket (-protocol centrifugo): connecting and subscribing to one
// channel, publishing a talk into it, and reading what comes back (pushes,
// replies to our commands, the server's pings).
//
// Every command and reply is one JSON object; the server puts several in
// one text frame, separated by newlines. A push carries a publication
// ({"push":{"channel":...,"pub":{"data":...}}}); a reply answers one of our
// commands by its id; "{}" alone is the server's ping, which must be
// answered with exactly one "{}" (a pong nobody asked for gets the client
// disconnected).

import (
	"bytes"
	"fmt"
	"strconv"
)

const protoCentrifugo = "centrifugo"

// centrifugoChannel is the one channel every user subscribes to and talks in.
const centrifugoChannel = "chat"

// The ids of the first two commands; publishes count on from there.
const (
	centrifugoConnectID   = 1
	centrifugoSubscribeID = 2
)

// centrifugoStart sends the commands that follow the WebSocket handshake:
// connect (anonymous: the benchmark's server runs in insecure client mode)
// and subscribe to the channel. The subscribe's reply is the user's join.
func (us *user) centrifugoStart() error {
	us.wmu.Lock()
	defer us.wmu.Unlock()
	us.cmdID = centrifugoSubscribeID
	if err := us.writeFrameLocked(0x1, []byte(`{"id":1,"connect":{}}`)); err != nil {
		return err
	}
	return us.writeFrameLocked(0x1, []byte(`{"id":2,"subscribe":{"channel":"`+centrifugoChannel+`"}}`))
}

// centrifugoPublish is a publish command carrying content (the send time,
// the run's id, padding: no character that JSON would escape) as the
// publication's data {"t": content}. For the caller holding wmu.
func (us *user) centrifugoPublish(content []byte) []byte {
	us.cmdID++
	b := make([]byte, 0, len(content)+80)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, us.cmdID, 10)
	b = append(b, `,"publish":{"channel":"`+centrifugoChannel+`","data":{"t":"`...)
	b = append(b, content...)
	return append(b, `"}}}`...)
}

// centrifugoFrame handles one text frame: its newline-separated messages
// in turn. An error reply to connect or subscribe ends the user.
func (us *user) centrifugoFrame(p []byte, now int64) error {
	for line := range bytes.Lines(p) {
		if err := us.centrifugoMessage(bytes.TrimSuffix(line, []byte("\n")), now); err != nil {
			return err
		}
	}
	return nil
}

// centrifugoMessage handles one message: a ping is answered, a push's
// talk counted, a reply to a command looked at.
func (us *user) centrifugoMessage(m []byte, now int64) error {
	switch {
	case string(m) == "{}":
		return us.writeFrame(0x1, []byte("{}"))
	case bytes.HasPrefix(m, []byte(`{"push":`)):
		if t, ok := centrifugoTalk(m); ok {
			us.handleTalk(t, now)
		}
	case bytes.HasPrefix(m, []byte(`{"id":`)):
		return us.centrifugoReply(m)
	}
	return nil
}

// centrifugoReply handles a reply to one of our commands. A publish
// refused is counted as refused (nobody expects it), like this server's
// "message not sent"; connect or subscribe refused is an error. The
// subscribe's success is the user's join; with byeOnJoin (the connect
// scenario's visit) the user then says goodbye.
func (us *user) centrifugoReply(m []byte) error {
	id, rest := centrifugoID(m)
	refused := bytes.Contains(rest, []byte(`"error":`))
	switch {
	case refused && id <= centrifugoSubscribeID:
		return fmt.Errorf("centrifugo refused command %d: %s", id, rest)
	case refused:
		us.refused.Add(1)
	case id == centrifugoSubscribeID:
		us.joined.Store(true)
		if us.byeOnJoin {
			us.bye()
		}
	}
	return nil
}

// centrifugoID is a reply's id, and what follows it.
func centrifugoID(m []byte) (id int64, rest []byte) {
	rest = m[len(`{"id":`):]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	return parseInt(rest[:i]), rest[i:]
}

// centrifugoTalk finds a push's talk: the string t of the publication's
// data {"t": ...}, which holds no escaped character (see
// centrifugoPublish). ok is false for a push that carries none.
func centrifugoTalk(m []byte) (talk []byte, ok bool) {
	i := bytes.Index(m, []byte(`"pub":`))
	if i < 0 {
		return nil, false
	}
	m = m[i:]
	const key = `"data":{"t":"`
	j := bytes.Index(m, []byte(key))
	if j < 0 {
		return nil, false
	}
	m = m[j+len(key):]
	k := bytes.IndexByte(m, '"')
	if k < 0 {
		return nil, false
	}
	return m[:k], true
}
