package session_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/chattest"
	"chatroom/model"
	"chatroom/service/session"
)

// A session joining a room of 5,000: with the room small (-presence-limit
// 0, never large) it is sent every name; past the default limit, the count
// and the first page. Each iteration joins, waits until the session
// reports the room's users, and leaves. welcome-B/op is what a plain
// client that asks for coalesced presence is sent on joining (its join,
// the count, the list or page), read up to the list. The room costs 10,000
// open files (both ends of 5,000 connections).
func BenchmarkJoinBigRoom(b *testing.B) {
	for _, limit := range []int{0, config.DefaultPresenceLimit} {
		b.Run(fmt.Sprint("presence-limit=", limit), func(b *testing.B) {
			cfg := config.DefaultServer()
			cfg.PresenceLimit = limit
			cfg.MaxConnsPerIP, cfg.JoinRatePerIP, cfg.MsgRate, cfg.MsgRatePerIP = 0, 0, 0, 0
			srv := chattest.Start(b, cfg, "")
			var wg sync.WaitGroup
			sem := make(chan struct{}, 64)
			for i := range 5000 {
				sem <- struct{}{}
				wg.Go(func() { defer func() { <-sem }(); srv.Lurk(b, fmt.Sprintf("u%05d", i), "big") })
			}
			wg.Wait()
			welcome := welcomeBytes(b, srv)
			b.ResetTimer()
			for i := range b.N {
				name := fmt.Sprint("probe", i)
				rec := &recorder{}
				s := session.New(session.Config{URL: srv.URL, Username: name, Rooms: []string{"big"}}, rec.add)
				done := make(chan error, 1)
				go func() { done <- s.Run(b.Context()) }()
				rec.wait(b, "the room's users", func(e session.Event) bool {
					switch e.(type) {
					case session.UserList, session.UserPage:
						return true
					}
					return false
				})
				s.Close()
				<-done
			}
			b.ReportMetric(float64(welcome), "welcome-B/op")
		})
	}
}

// welcomeBytes is the size of the frames a plain coalescing client is
// sent on joining srv's room big, up to its user list or first page.
func welcomeBytes(b *testing.B, srv *chattest.Server) int {
	ws, _, err := websocket.DefaultDialer.Dial(srv.URL+"?room=big&presence=coalesce", map[string][]string{"username": {"welcome"}})
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	total := 0
	for range 10 {
		_, data, err := ws.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		total += len(data)
		if m, err := model.Decode(data); err == nil && m.Type == model.TypeUserList {
			return total
		}
	}
	b.Fatal("no user list in the first 10 frames")
	return 0
}
