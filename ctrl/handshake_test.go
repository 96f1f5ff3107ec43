package ctrl

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

// The spec's own clients sent protobuf in text frames, and its load test
// sent no username at all.
func TestTextFramesAndNoUsername(t *testing.T) {
	ts := startServer(t, testConfig())
	c := ts.dial(dialOpts{noJoin: true})
	j := c.expect(model.TypeJoin)
	if !strings.HasPrefix(j.UserName, "guest-") {
		t.Fatalf("assigned name %q, want guest-…", j.UserName)
	}
	c.name = j.UserName
	ul := c.expect(model.TypeUserList)
	if ul.UserList[c.name] != c.name {
		t.Fatalf("user list %v lacks %s", ul.UserList, c.name)
	}
	before := time.Now().UnixMilli()
	c.sendFrame(websocket.TextMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "hello"}))
	m := c.expect(model.TypeTalk) // next() fails on a non-binary frame
	if m.UserName != c.name || m.Content != "hello" || m.Timestamp < before || m.Seq == 0 {
		t.Fatalf("got %v", m)
	}
	c.sendFrame(websocket.TextMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList}))
	if ul := c.expect(model.TypeUserList); len(ul.UserList) != 1 {
		t.Fatalf("user list %v", ul.UserList)
	}
}

func TestGuestNamesAreUnique(t *testing.T) {
	ts := startServer(t, testConfig())
	seen := map[string]bool{}
	for range 20 {
		c := ts.dial(dialOpts{header: "   "}) // blank counts as missing
		if seen[c.name] || !strings.HasPrefix(c.name, "guest-") {
			t.Fatalf("guest name %q repeated or malformed", c.name)
		}
		seen[c.name] = true
	}
}

func TestChinese(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.dial(dialOpts{header: "张三"})
	b := ts.dial(dialOpts{query: "李四"}) // browsers: the query parameter
	if a.name != "张三" || b.name != "李四" {
		t.Fatalf("names %q %q", a.name, b.name)
	}
	a.expect(model.TypeJoin) // b's
	const text = "你好，世界！🌏 多行\n第二行"
	a.talk(text)
	for _, c := range []*client{a, b} {
		m := c.expect(model.TypeTalk)
		if m.Content != text || m.UserName != "张三" {
			t.Fatalf("%s got %q from %q", c.name, m.Content, m.UserName)
		}
	}
	b.send(&model.ChatRoomRequest{Type: model.TypeUserList})
	ul := b.expect(model.TypeUserList)
	if ul.UserList["张三"] != "张三" || ul.UserList["李四"] != "李四" {
		t.Fatalf("user list %v", ul.UserList)
	}
}

func TestHandshakeRefusals(t *testing.T) {
	ts := startServer(t, testConfig())
	ts.join("taken")
	cases := []struct {
		name   string
		opts   dialOpts
		status int
		reason string
	}{
		{"too long", dialOpts{header: strings.Repeat("名", 33)}, 400, "longer than 32 characters"},
		{"control character", dialOpts{query: "bad\x07name"}, 400, "control characters"},
		{"newline", dialOpts{query: "evil\nlevel=error"}, 400, "control characters"},
		{"invalid utf-8", dialOpts{query: "\xff\xfe"}, 400, "not valid UTF-8"},
		{"already online", dialOpts{header: "taken"}, 409, "username already online"},
		{"already online after trimming", dialOpts{query: "  taken "}, 409, "username already online"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws, resp, err := ts.dialRaw(tc.opts)
			if err == nil {
				ws.Close()
				t.Fatal("upgraded; want a refusal")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("response %v, want status %d", resp, tc.status)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), tc.reason) {
				t.Fatalf("body %q, want it to say %q", body, tc.reason)
			}
		})
		// A browser offers model.SubprotocolRefusals, and reads the
		// refusal from the connection instead.
		t.Run(tc.name+" in band", func(t *testing.T) {
			o := tc.opts
			o.inBand, o.batched = true, true
			ws, _, err := ts.dialRaw(o)
			if err != nil {
				t.Fatalf("not upgraded: %v", err)
			}
			defer ws.Close()
			if ws.Subprotocol() != model.SubprotocolRefusals {
				t.Fatalf("subprotocol %q", ws.Subprotocol())
			}
			ws.SetReadDeadline(time.Now().Add(waitTime))
			_, p, err := ws.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			if m, err := model.Decode(p); err != nil || m.Type != model.TypeError || !strings.Contains(m.Content, tc.reason) {
				t.Fatalf("first frame %v %v, want an error saying %q", m, err, tc.reason)
			}
			_, _, err = ws.ReadMessage()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != model.CloseCodeRefused+tc.status || !strings.Contains(ce.Text, tc.reason) {
				t.Fatalf("then %v, want close %d saying %q", err, model.CloseCodeRefused+tc.status, tc.reason)
			}
		})
	}
	// 32 Chinese characters is within the limit.
	ts.join(strings.Repeat("名", 32))
	if got := ts.hub.Stats().Users; got != 2 {
		t.Fatalf("%d users online, want 2", got)
	}

	resp, err := http.Get(ts.http.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET: status %d, want 400", resp.StatusCode)
	}
}

func TestNameIsFreeAgainAfterLeaving(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	a.send(&model.ChatRoomRequest{Type: model.TypeExit})
	a.expectClose()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		ws, _, err := ts.dialRaw(dialOpts{header: "alice"})
		if err != nil {
			return fmt.Errorf("alice's name is not free again: %w", err)
		}
		ws.Close()
		return nil
	})
}
