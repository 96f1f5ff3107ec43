package ctrl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"go.uber.org/goleak"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
	"chatroom/service/session"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTime bounds every wait in these tests; pollEvery is how often a
// poll.CheckFor asks.
const (
	waitTime  = 10 * time.Second
	pollEvery = 5 * time.Millisecond
)

// testServer is a real chat endpoint on a loopback socket.
type testServer struct {
	t     testing.TB
	cfg   config.Server
	hub   *service.Hub
	chat  *Server
	http  *httptest.Server
	logs  *logtest.Hook
	wsURL string
}

func testConfig() config.Server {
	cfg := config.DefaultServer()
	cfg.WriteTimeout = waitTime // CI machines under -race can be slow readers
	return cfg
}

func startServer(t testing.TB, cfg config.Server) *testServer {
	t.Helper()
	return startServerOn(t, cfg, service.NewMemoryBroker())
}

// startServerOn is startServer with the room on broker b.
func startServerOn(t testing.TB, cfg config.Server, b service.Broker) *testServer {
	t.Helper()
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	hub, err := service.NewHub(b, WebSocketFramer{}, service.Settings(cfg), log)
	if err != nil {
		t.Fatal(err)
	}
	chat := NewServer(cfg, hub, log)
	mux := http.NewServeMux()
	mux.Handle("/ws", chat)
	hs := httptest.NewServer(mux)
	ts := &testServer{t: t, cfg: cfg, hub: hub, chat: chat, http: hs, logs: hook,
		wsURL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"}
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	ts.http.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	if err := ts.chat.Shutdown(ctx); err != nil {
		ts.t.Errorf("shutdown: %v", err)
	}
}

// client is a protocol client written against gorilla/websocket, the way
// the spec's clients were.
type client struct {
	t       testing.TB
	ws      *websocket.Conn
	name    string
	batched bool                     // negotiated model.SubprotocolBatch
	pending []*model.ChatRoomRequest // the rest of the last batch frame
	frames  int                      // data frames read
}

type dialOpts struct {
	header  string // sent as the username header
	query   string // sent as the username query parameter
	noJoin  bool   // do not consume the join/userlist/history preamble
	history int    // history frames to expect after the user list
	batched bool   // offer the model.SubprotocolBatch subprotocol
	inBand  bool   // offer the model.SubprotocolRefusals subprotocol
}

func (ts *testServer) dialRaw(o dialOpts) (*websocket.Conn, *http.Response, error) {
	u := ts.wsURL
	if o.query != "" {
		u += "?username=" + url.QueryEscape(o.query)
	}
	h := http.Header{}
	if o.header != "" {
		h.Set("username", o.header)
	}
	d := websocket.Dialer{HandshakeTimeout: waitTime}
	if o.batched {
		d.Subprotocols = append(d.Subprotocols, model.SubprotocolBatch)
	}
	if o.inBand {
		d.Subprotocols = append(d.Subprotocols, model.SubprotocolRefusals)
	}
	ws, resp, err := d.Dial(u, h)
	if err == nil {
		// gorilla's one second for a pong is too short for a client whose
		// socket is full of its own burst while the server fans out.
		session.AnswerPings(ws, waitTime, nil)
	}
	return ws, resp, err
}

// join connects as name (via the header) and reads the join preamble.
func (ts *testServer) join(name string) *client {
	ts.t.Helper()
	return ts.dial(dialOpts{header: name})
}

func (ts *testServer) dial(o dialOpts) *client {
	ts.t.Helper()
	ws, resp, err := ts.dialRaw(o)
	if err != nil {
		ts.t.Fatalf("dial %+v: %v (response %v)", o, err, resp)
	}
	c := &client{t: ts.t, ws: ws, batched: ws.Subprotocol() == model.SubprotocolBatch}
	if o.batched && !c.batched {
		ts.t.Fatalf("the server did not accept %s", model.SubprotocolBatch)
	}
	ts.t.Cleanup(func() { ws.Close() })
	if o.noJoin {
		return c
	}
	j := c.expect(model.TypeJoin)
	c.name = j.UserName
	c.expect(model.TypeUserList)
	for range o.history {
		c.expect(model.TypeTalk)
	}
	return c
}

func (c *client) send(m *model.ChatRoomRequest) {
	c.sendFrame(websocket.BinaryMessage, model.Encode(m))
}

func (c *client) sendFrame(kind int, data []byte) {
	c.t.Helper()
	c.ws.SetWriteDeadline(time.Now().Add(waitTime))
	if err := c.ws.WriteMessage(kind, data); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

func (c *client) talk(content string) {
	c.send(&model.ChatRoomRequest{Type: model.TypeTalk, Content: content})
}

// next reads one message; it fails the test on anything but a binary frame.
func (c *client) next() *model.ChatRoomRequest {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("%s: read: %v", c.name, err)
	}
	return m
}

func (c *client) read() (*model.ChatRoomRequest, error) {
	if len(c.pending) > 0 {
		m := c.pending[0]
		c.pending = c.pending[1:]
		return m, nil
	}
	msgs, err := c.readFrame()
	if err != nil {
		return nil, err
	}
	c.pending = msgs[1:]
	return msgs[0], nil
}

// readFrame reads one data frame: one message, or a batch of them.
func (c *client) readFrame() ([]*model.ChatRoomRequest, error) {
	c.ws.SetReadDeadline(time.Now().Add(waitTime))
	kind, data, err := c.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	if kind != websocket.BinaryMessage {
		return nil, errors.New("server sent a non-binary frame")
	}
	c.frames++
	if !c.batched {
		m, err := model.Decode(data)
		return []*model.ChatRoomRequest{m}, err
	}
	msgs, err := model.DecodeBatch(data)
	if err == nil && len(msgs) == 0 {
		err = errors.New("empty batch frame")
	}
	return msgs, err
}

func (c *client) expect(typ string) *model.ChatRoomRequest {
	c.t.Helper()
	m := c.next()
	if m.Type != typ {
		c.t.Fatalf("%s: got %s %q, want %s", c.name, m.Type, m.Content, typ)
	}
	return m
}

// skipUntil reads until a message matches, skipping others.
func (c *client) skipUntil(match func(*model.ChatRoomRequest) bool) *model.ChatRoomRequest {
	c.t.Helper()
	for range 100000 {
		if m := c.next(); match(m) {
			return m
		}
	}
	c.t.Fatalf("%s: no matching message", c.name)
	return nil
}

// expectClose reads until the server's close frame and returns it.
func (c *client) expectClose() *websocket.CloseError {
	c.t.Helper()
	for range 100000 {
		_, err := c.read()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce
		}
		c.t.Fatalf("%s: want a close frame, got %v", c.name, err)
	}
	c.t.Fatalf("%s: no close frame", c.name)
	return nil
}

// connectionsAre is a poll condition: the server has n connections open.
func (ts *testServer) connectionsAre(n int64) func() error {
	return func() error {
		if got := ts.chat.Stats().Connections; got != n {
			return fmt.Errorf("%d connections open, want %d", got, n)
		}
		return nil
	}
}
