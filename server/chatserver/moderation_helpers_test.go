package chatserver

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
	"chatroom/service"
)

// The helpers of the moderation tests: a server whose names are proven by
// tokens, clients that connect with one (and a role), and requests.

// modSecret is the moderation tests' -auth-secret (32 bytes).
const modSecret = "moderation-test-secret-32-bytes!"

// startMod starts a server with -auth-secret modSecret and args.
func startMod(t *testing.T, args ...string) *running {
	t.Helper()
	return start(t, append([]string{"-auth-secret", modSecret}, args...)...)
}

// modToken mints a token for name with role ("" or "admin").
func modToken(t *testing.T, name, role string) string {
	t.Helper()
	tok, err := service.MintRoleToken([]byte(modSecret), name, nil, role, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// modURL is the chat URL for name's token (with role) in rooms.
func modURL(t *testing.T, addr, name, role string, rooms ...string) string {
	t.Helper()
	q := url.Values{"room": rooms, "token": {modToken(t, name, role)}}
	return "ws://" + addr + "/ws?" + q.Encode()
}

// dialMod connects name, with its token and role, in rooms (none: the
// default room), and reads its joins' preambles up to the last room's
// user list.
func dialMod(t *testing.T, addr, name, role string, rooms ...string) *roomClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(modURL(t, addr, name, role, rooms...), nil)
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

// untilEvent reads until a message of type typ about user (its
// user_name) and returns it.
func (c *roomClient) untilEvent(typ, user string) *model.ChatRoomRequest {
	c.t.Helper()
	for range 1000 {
		if m := c.until(typ); m.UserName == user {
			return m
		}
	}
	c.t.Fatalf("%s: no %s of %s", c.name, typ, user)
	return nil
}

// refusedWith reads until an error and checks that it names room and says
// words.
func (c *roomClient) refusedWith(room string, words ...string) *model.ChatRoomRequest {
	c.t.Helper()
	m := c.refused()
	if m.Room != room {
		c.t.Errorf("%s: error %q names room %q, want %q", c.name, m.Content, m.Room, room)
	}
	for _, w := range words {
		if !strings.Contains(m.Content, w) {
			c.t.Errorf("%s: error %q does not say %q", c.name, m.Content, w)
		}
	}
	return m
}

// closedWith reads until the connection is closed and checks its code.
func (c *roomClient) closedWith(code int) {
	c.t.Helper()
	for range 10000 {
		_, err := readWithin(c.t, c.ws, waitTime)
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			c.t.Fatalf("%s: connection ended with %v, want close code %d", c.name, err, code)
		}
		return
	}
	c.t.Fatalf("%s: not closed", c.name)
}
