package chatserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// The helpers of the presence tests: clients that ask for coalesced
// presence or not, crowds of users, and reading what a client was sent
// up to a marker.

// crowdFlags lets one test address connect hundreds of users and ask for
// as many user lists as it likes, with no history to read past.
func crowdFlags(args ...string) []string {
	return append([]string{"-join-rate-per-ip", "0", "-max-conns-per-ip", "0", "-msg-rate", "0", "-msg-rate-per-ip", "0",
		"-userlist-interval", "0", "-userlist-rate-per-ip", "0", "-history", "0"}, args...)
}

// dialPresence connects name to the server at addr in its default room,
// asking for coalesced presence if coalesce, and returns it with what it
// was sent up to its user list.
func dialPresence(t *testing.T, addr, name string, coalesce bool) (*roomClient, []*model.ChatRoomRequest) {
	t.Helper()
	u := "ws://" + addr + "/ws"
	if coalesce {
		u += "?" + url.Values{model.PresenceParam: {model.PresenceCoalesce}}.Encode()
	}
	ws, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Username": {name}})
	if err != nil {
		t.Fatalf("%s dials: %v", name, err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &roomClient{t: t, name: name, ws: ws}
	return c, c.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeUserList })
}

// crowd connects the users names (spec clients, who read nothing more
// than their preamble), a few at a time, and returns once each has read
// its preamble.
func crowd(t *testing.T, addr string, names []string) []*roomClient {
	t.Helper()
	cs := make([]*roomClient, len(names))
	var wg sync.WaitGroup
	errs := make(chan error, len(names))
	sem := make(chan struct{}, 16)
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", http.Header{"Username": {name}})
			if err != nil {
				errs <- fmt.Errorf("%s dials: %v", name, err)
				return
			}
			cs[i] = &roomClient{t: t, name: name, ws: ws}
			errs <- readPreamble(ws)
		}()
	}
	wg.Wait()
	close(errs)
	for _, c := range cs {
		if c != nil {
			t.Cleanup(func() { c.ws.Close() })
		}
	}
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return cs
}

// readPreamble reads what a joiner is sent up to its user list: then its
// join has been delivered to everyone.
func readPreamble(ws *websocket.Conn) error {
	ws.SetReadDeadline(time.Now().Add(waitTime))
	defer ws.SetReadDeadline(time.Time{})
	for range 1000 {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		if m, err := model.Decode(b); err != nil || m.Type == model.TypeUserList {
			return err
		}
	}
	return fmt.Errorf("no user list in 1000 messages")
}

// upTo reads until stop says a message is the last, and returns them all.
func (c *roomClient) upTo(stop func(*model.ChatRoomRequest) bool) []*model.ChatRoomRequest {
	c.t.Helper()
	var got []*model.ChatRoomRequest
	for range 100000 {
		m, err := read(c.t, c.ws)
		if err != nil {
			c.t.Fatalf("%s: after %d messages (%s): %v", c.name, len(got), summary(got), err)
		}
		got = append(got, m)
		if stop(m) {
			return got
		}
	}
	c.t.Fatalf("%s: no end in 100000 messages", c.name)
	return nil
}

// upToTalk reads until the talk saying content.
func (c *roomClient) upToTalk(content string) []*model.ChatRoomRequest {
	c.t.Helper()
	return c.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeTalk && m.Content == content })
}

// ofType returns the messages of type typ.
func ofType(ms []*model.ChatRoomRequest, typ string) []*model.ChatRoomRequest {
	return slices.DeleteFunc(slices.Clone(ms), func(m *model.ChatRoomRequest) bool { return m.Type != typ })
}

// summary shows messages' types and names, for a failure's message.
func summary(ms []*model.ChatRoomRequest) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s:%s ", m.Type, m.UserName)
	}
	return b.String()
}

// listNames returns the user list's names, sorted.
func listNames(m *model.ChatRoomRequest) []string {
	var ns []string
	for n := range m.UserList {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

// names asks for a userlist page and returns the reply (or the error).
func (c *roomClient) names(limit uint32, cursor, prefix string) *model.ChatRoomRequest {
	c.t.Helper()
	c.send(&model.ChatRoomRequest{Type: model.TypeUserList, Limit: limit, Cursor: cursor, Content: prefix})
	ms := c.upTo(func(m *model.ChatRoomRequest) bool { return m.Type == model.TypeUserList || m.Type == model.TypeError })
	return ms[len(ms)-1]
}

// pageOrder sorts names as pages list them: by the lower case, then as
// they are (the test's names are ASCII).
func pageOrder(ns []string) {
	slices.SortFunc(ns, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}
