package chattest

// This file owns lurkers: plain WebSocket clients that fill a room for a
// test, reading everything and saying nothing.

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gorilla/websocket"
)

// Lurker is one plain client in a room of s's.
type Lurker struct {
	ws   *websocket.Conn
	done chan struct{} // closed when its reader has ended
}

// Lurk connects name to room with a plain WebSocket client that reads
// everything and says nothing, until Close or the end of the test.
func (s *Server) Lurk(t testing.TB, name, room string) *Lurker {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.URL+"?room="+url.QueryEscape(room), http.Header{"username": {name}})
	if err != nil {
		t.Fatalf("%s lurking in %s: %v", name, room, err)
	}
	l := &Lurker{ws: ws, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	t.Cleanup(l.Close)
	return l
}

// Close ends the connection, without a goodbye, and waits for its reader.
func (l *Lurker) Close() {
	l.ws.Close()
	<-l.done
}
