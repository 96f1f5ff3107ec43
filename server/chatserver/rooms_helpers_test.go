package chatserver

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
	"chatroom/service"
)

// A roomClient is a test's client that knows rooms.
type roomClient struct {
	t    *testing.T
	name string
	ws   *websocket.Conn
}

// dialRooms connects name to the server at addr in rooms (none: the
// default room), and reads its joins' preambles up to the last room's
// user list.
func dialRooms(t *testing.T, addr, name string, rooms ...string) *roomClient {
	t.Helper()
	return dialRoomsWith(t, websocket.DefaultDialer, addr, name, rooms...)
}

// dialRoomsWith is dialRooms with dialer d.
func dialRoomsWith(t *testing.T, d *websocket.Dialer, addr, name string, rooms ...string) *roomClient {
	t.Helper()
	q := url.Values{"room": rooms}
	ws, _, err := d.Dial("ws://"+addr+"/ws?"+q.Encode(), http.Header{"Username": {name}})
	if err != nil {
		t.Fatalf("%s dials rooms %v: %v", name, rooms, err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &roomClient{t: t, name: name, ws: ws}
	for range max(1, len(rooms)) {
		c.until(model.TypeUserList)
	}
	return c
}

// send sends m.
func (c *roomClient) send(m *model.ChatRoomRequest) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.BinaryMessage, model.Encode(m)); err != nil {
		c.t.Fatal(err)
	}
}

// say talks in room ("" for the home room).
func (c *roomClient) say(room, content string) {
	c.t.Helper()
	c.send(&model.ChatRoomRequest{Type: model.TypeTalk, Room: room, Content: content})
}

// until reads until a message of type typ and returns it.
func (c *roomClient) until(typ string) *model.ChatRoomRequest {
	c.t.Helper()
	return until(c.t, c.ws, typ)
}

// untilTalk reads until the talk saying content, and returns it with the
// talks before it.
func (c *roomClient) untilTalk(content string) (*model.ChatRoomRequest, []*model.ChatRoomRequest) {
	c.t.Helper()
	var before []*model.ChatRoomRequest
	for range 1000 {
		m := c.until(model.TypeTalk)
		if m.Content == content {
			return m, before
		}
		before = append(before, m)
	}
	c.t.Fatalf("%s: no talk %q in 1000", c.name, content)
	return nil, nil
}

// refused reads until an error and returns it.
func (c *roomClient) refused() *model.ChatRoomRequest {
	c.t.Helper()
	return c.until(model.TypeError)
}

// mint returns a token for name, valid for an hour, that lets its user
// join rooms only.
func mint(t *testing.T, secret, name string, rooms ...string) string {
	t.Helper()
	tok, err := service.MintRoomToken([]byte(secret), name, rooms, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
