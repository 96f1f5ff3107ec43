package session

// One connection's life: the reader, which turns frames into events, the
// writer, and the heartbeat both keep.

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// AnswerPings makes ws answer the peer's pings as gorilla's own handler
// does, but gives each pong as long as any other write, timeout, and calls
// onPing (if not nil) first. gorilla's handler gives a pong one second, and
// a pong write that times out breaks the connection for good: on a slow
// uplink, behind a long message or a burst, a pong can need longer.
func AnswerPings(ws *websocket.Conn, timeout time.Duration, onPing func()) {
	ws.SetPingHandler(func(data string) error {
		if onPing != nil {
			onPing()
		}
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(timeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
}

// readLimit is the largest frame the session reads; a larger one ends the
// connection (1009). The largest frame a server sends is a page of
// history or search: at most model.MaxHistoryPage talks, which the server
// also caps at about 256 KB of content. A page of 200 talks of 4 KB (the
// default -max-content) with their names, room and seqs is under 1 MB;
// 8 MB leaves room for a server with longer talks, and still bounds what a
// broken server can make the client hold.
const readLimit = 8 << 20

// serve runs one connection: a reader (this goroutine) and a writer.
func (s *Session) serve(ctx context.Context, ws *websocket.Conn) error {
	out := make(chan outgoing)
	done := make(chan struct{})
	writerDone := make(chan struct{})
	defer func() {
		s.mu.Lock()
		s.out, s.done = nil, nil
		s.mu.Unlock()
		close(done)
		ws.Close()
		<-writerDone
	}()
	ws.SetReadLimit(readLimit)
	go s.writer(ws, out, done, writerDone)
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()

	alive := func() { ws.SetReadDeadline(time.Now().Add(s.cfg.PongTimeout)) }
	alive()
	ws.SetPongHandler(func(string) error { alive(); return nil })
	AnswerPings(ws, s.cfg.WriteTimeout, alive)
	connected := false
	batched := ws.Subprotocol() == model.SubprotocolBatch
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return readError(err)
		}
		alive()
		var msgs []*model.ChatRoomRequest
		if batched {
			msgs, err = model.DecodeBatch(data)
		} else {
			var m *model.ChatRoomRequest
			m, err = model.Decode(data)
			msgs = []*model.ChatRoomRequest{m}
		}
		if err != nil {
			continue // a newer server's frame we cannot read; nothing to show
		}
		for _, m := range msgs {
			if !connected && m.Type == model.TypeJoin {
				// The first message is our own join, with our name, in
				// our home room.
				connected = true
				s.connected(out, done, m.UserName)
			}
			s.dispatch(m)
		}
	}
}

// readError is why a connection's read failed: the server's close, a
// missed heartbeat, or the error itself.
func readError(err error) error {
	var ce *websocket.CloseError
	var ne interface{ Timeout() bool }
	switch {
	case errors.As(err, &ce):
		return &ClosedError{Code: ce.Code, Reason: ce.Text}
	case errors.As(err, &ne) && ne.Timeout():
		return ErrNoHeartbeat
	}
	return err
}

func (s *Session) writer(ws *websocket.Conn, out <-chan outgoing, done <-chan struct{}, writerDone chan<- struct{}) {
	defer close(writerDone)
	ping := time.NewTicker(s.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case o := <-out:
			ws.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
			err := ws.WriteMessage(websocket.BinaryMessage, o.data)
			o.result <- err
			if err != nil {
				ws.Close()
				return
			}
		case <-ping.C:
			if err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteTimeout)); err != nil {
				ws.Close()
				return
			}
		}
	}
}

// connected makes out the connection's writer and reports us connected as
// name; private rooms we were in are joined again.
func (s *Session) connected(out chan outgoing, done chan struct{}, name string) {
	s.mu.Lock()
	s.out, s.done = out, done
	clear(s.histories) // the last connection's requests have no answer now
	clear(s.pages)
	clear(s.userPages)
	private := slices.ContainsFunc(s.rooms, func(r inRoom) bool { return r.private })
	s.mu.Unlock()
	s.setState(StateChanged{State: Connected, Name: name})
	if private {
		go s.rejoinPrivate()
	}
}
