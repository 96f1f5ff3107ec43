// Package wsscript is a test tool: a WebSocket endpoint on loopback that
// plays a server whose frames a test writes by hand, for what the chat
// server cannot be made to send at will (another version's frames, a
// room of thousands). It sends its first frames to each connection, then
// answers each request with what the test's function returns.
package wsscript

import (
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// Answer returns the frames that answer request m (none: nil).
type Answer func(m *model.ChatRoomRequest) []*model.ChatRoomRequest

// Serve serves the endpoint until the test ends and returns its URL
// (ws://127.0.0.1:port/ws). Each handshake's query is sent on queries, if
// it is not nil (give it room: the handshake waits for it).
func Serve(t testing.TB, queries chan<- url.Values, first []*model.ChatRoomRequest, answer Answer) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if queries != nil {
			queries <- r.URL.Query()
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		send := func(ms []*model.ChatRoomRequest) bool {
			for _, m := range ms {
				if ws.WriteMessage(websocket.BinaryMessage, model.Encode(m)) != nil {
					return false
				}
			}
			return true
		}
		if !send(first) {
			return
		}
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			m, err := model.Decode(data)
			if err != nil || (answer != nil && !send(answer(m))) {
				return
			}
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return "ws://" + ln.Addr().String() + "/ws"
}

// Names is a user_list of these names.
func Names(names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}
