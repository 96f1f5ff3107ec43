package chatserver

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// Attacks on moderation requests' fields, over real sockets: each gets an
// error in words and leaves the connection working.

// rawTopic is a topic request for room whose topic field is raw bytes
// (a protobuf frame written by hand: type=1, room=7, topic=27).
func rawTopic(room string, topic []byte) []byte {
	field := func(tag []byte, v []byte) []byte {
		return append(append(append([]byte{}, tag...), byte(len(v))), v...)
	}
	b := field([]byte{0x0a}, []byte(model.TypeTopic))
	b = append(b, field([]byte{0x3a}, []byte(room))...)
	return append(b, field([]byte{0xda, 0x01}, topic)...)
}

// The owner's own requests at and past every limit.
func TestAttackModerationFieldEdges(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	bob := dialMod(t, srv.addr, "bob", "", "den")
	alice.untilEvent(model.TypeJoin, "bob")
	long := strings.Repeat("x", model.MaxTopicBytes+1)
	refusals := []struct {
		req  *model.ChatRoomRequest
		text string
	}{
		{&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: long}, "the topic is longer than 300 bytes"},
		{&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "bob", Content: long}, "the reason is longer than 300 bytes"},
		{&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "bob", Duration: model.MaxModerationDuration + 1}, "the duration must be 0 (for ever)"},
		{&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "bob", Duration: math.MaxUint32}, "the duration must be 0 (for ever)"},
		{&model.ChatRoomRequest{Type: model.TypeSlow, Room: "den", Duration: math.MaxUint32}, "the duration must be 0 (for ever)"},
		{&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den"}, "a delete names the talk's seq"},
		{&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: math.MaxUint64}, "keeps no message"},
		{&model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: 123456}, "keeps no message"},
		{&model.ChatRoomRequest{Type: model.TypeUnban, Room: "den", To: "nobody"}, "nobody has no ban in room den"},
		{&model.ChatRoomRequest{Type: model.TypeUnmute, Room: "den", To: "bob"}, "bob has no mute in room den"},
		{&model.ChatRoomRequest{Type: model.TypeRole, Room: "den", To: "bob", Role: model.RoleAdmin}, `not "admin"`},
		{&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "\u202ebob"}, "the user acted on (to)"},
		{&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: ""}, "the user acted on (to)"},
		{&model.ChatRoomRequest{Type: model.TypeKick, Room: "den", To: "nobody"}, "user nobody is not in room den"},
		{&model.ChatRoomRequest{Type: model.TypeKick, Room: "../den", To: "bob"}, ""},
		{&model.ChatRoomRequest{Type: model.TypeAudit, Limit: math.MaxUint32, Before: math.MaxUint64}, "only a server admin may read the audit trail"},
	}
	for _, r := range refusals {
		alice.send(r.req)
		if e := alice.refused(); !strings.Contains(e.Content, r.text) {
			t.Errorf("%s %+q: error %q, want %q", r.req.Type, r.req.To, e.Content, r.text)
		}
	}
	// A topic that is not UTF-8 does not decode: an error, and the
	// connection goes on.
	if err := alice.ws.WriteMessage(websocket.BinaryMessage, rawTopic("den", []byte{'a', 0xff, 'b'})); err != nil {
		t.Fatal(err)
	}
	t.Logf("not UTF-8: %q", alice.refused().Content)
	// The longest duration and a topic with a bidi control are taken (the
	// clients show the control as a code, as in talks).
	alice.send(&model.ChatRoomRequest{Type: model.TypeMute, Room: "den", To: "bob", Duration: model.MaxModerationDuration})
	if m := bob.untilEvent(model.TypeMute, "bob"); time.UnixMilli(m.Until).Before(time.Now().Add(365 * 24 * time.Hour)) {
		t.Errorf("muted for the longest: until %v", time.UnixMilli(m.Until))
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "\u202eden"})
	if m := bob.until(model.TypeTopic); m.Topic != "\u202eden" {
		t.Errorf("topic %+q", m.Topic)
	}
}

// An admin's audit page with limit 0, a huge limit, and a before past
// every entry: at most a page (200), newest first.
func TestAttackModerationAuditPaging(t *testing.T) {
	srv := startMod(t)
	root := dialMod(t, srv.addr, "root", model.RoleAdmin, "den")
	for i := range 3 {
		root.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: strings.Repeat("t", i+1)})
		root.until(model.TypeTopic)
	}
	for _, q := range []*model.ChatRoomRequest{
		{Type: model.TypeAudit},
		{Type: model.TypeAudit, Limit: math.MaxUint32, Before: math.MaxUint64},
		{Type: model.TypeAudit, Limit: 1, Before: 0},
		{Type: model.TypeAudit, Room: "nosuchroom"},
	} {
		root.send(q)
		page := root.untilOneOf(model.TypeAudit, model.TypeError)
		if page.Type == model.TypeError {
			t.Errorf("audit %+v: %q", q, page.Content)
			continue
		}
		want := 3
		switch {
		case q.Limit == 1:
			want = 1
		case q.Room != "":
			want = 0
		}
		if len(page.Messages) != want {
			t.Errorf("audit %+v: %d entries, want %d", q, len(page.Messages), want)
		}
	}
	root.send(&model.ChatRoomRequest{Type: model.TypeAudit, Room: strings.Repeat("r", 1000)})
	t.Logf("audit of a bad room: %q", root.refused().Content)
}

// untilOneOf reads until a message of one of types and returns it.
func (c *roomClient) untilOneOf(types ...string) *model.ChatRoomRequest {
	c.t.Helper()
	for range 10000 {
		m, err := readWithin(c.t, c.ws, waitTime)
		if err != nil {
			c.t.Fatalf("%s: waiting for %v: %v", c.name, types, err)
		}
		if slices.Contains(types, m.Type) {
			return m
		}
	}
	c.t.Fatalf("%s: no %v in 10000 messages", c.name, types)
	return nil
}
