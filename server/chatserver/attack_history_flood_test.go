package chatserver

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// A flood of the largest Chinese talks (4,096 bytes: 1,365 characters,
// each indexed with its pair, about 2,700 terms) from one address, as
// fast as its rate limits let it (-msg-rate-per-ip 50 a second, from 5
// connections): a bystander's talks go through the same writer, and their
// round trip is printed with and without the flood. Then without rate
// limits, 5 connections at 200 a second each: what many addresses
// together could ask of the writer.
func TestAttackHistoryChineseFlood(t *testing.T) {
	t.Run("within the limits", func(t *testing.T) { chineseFlood(t, 12) })
	t.Run("no limits", func(t *testing.T) { chineseFlood(t, 200, "-msg-rate", "0", "-msg-rate-per-ip", "0") })
}

func chineseFlood(t *testing.T, perConn int, flags ...string) {
	r := start(t, append([]string{"-log-stderr=false"}, flags...)...)
	by := dialRoomsFrom(t, bystanderAddr, r.addr, "bystander", "quiet")
	base := by.echoes("quiet", 40)
	talk := model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Room: "flood", Content: string([]rune(strings.Repeat("我们一起去吃饭吧今天天气很好大家你好", 100))[:1365])})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent, refused := 0, 0
	for i := range 5 {
		ws := dialRoomsFrom(t, attackerAddr, r.addr, "f"+string(rune('a'+i)), "flood").ws
		wg.Go(func() {
			s, x := floodTalks(ws, talk, perConn, stop)
			mu.Lock()
			sent, refused = sent+s, refused+x
			mu.Unlock()
		})
	}
	t0 := time.Now()
	under := by.echoes("quiet", 40)
	took := time.Since(t0)
	searcher := dialRoomsFrom(t, bystanderAddr, r.addr, "searcher", "flood")
	var searches latencies
	for range 3 {
		m, d := searcher.roundTrip(&model.ChatRoomRequest{Type: model.TypeSearch, Room: "flood", Content: "你好"}, model.TypeSearch)
		if m.Type != model.TypeSearch {
			t.Errorf("a search during the flood: %v", m)
		}
		searches = append(searches, d)
	}
	close(stop)
	wg.Wait()
	t.Logf("bystander's round trip without the flood: %v", base)
	t.Logf("bystander's round trip during the flood: %v", under)
	t.Logf("a search of the flooded room during the flood: %v", searches)
	t.Logf("the flood: %d talks of 4,096 bytes sent in %v (%.0f/s), %d refused by the rate limits", sent, took.Round(time.Millisecond), float64(sent)/took.Seconds(), refused)
	s, _ := searcher.roundTrip(&model.ChatRoomRequest{Type: model.TypeSearch, Room: "flood", Content: "你好"}, model.TypeSearch)
	if s.Type != model.TypeSearch || len(s.Messages) == 0 {
		t.Errorf("searching the flood: %v", s.Type)
	}
}

// floodTalks sends talk on ws at rate a second, reading what comes back,
// until stop; it returns the talks sent and the refusals read.
func floodTalks(ws *websocket.Conn, talk []byte, rate int, stop <-chan struct{}) (int, int) {
	sent, refused := 0, 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1_000_000 {
			ws.SetReadDeadline(time.Now().Add(waitTime))
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if m, err := model.Decode(b); err == nil && m.Type == model.TypeError {
				refused++
			}
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for range 100_000 {
		select {
		case <-stop:
			ws.Close()
			<-done
			return sent, refused
		case <-tick.C:
		}
		if ws.WriteMessage(websocket.BinaryMessage, talk) != nil {
			break
		}
		sent++
	}
	ws.Close()
	<-done
	return sent, refused
}
