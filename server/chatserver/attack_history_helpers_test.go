package chatserver

// Helpers of the attacks on durable history (attack_history*_test.go): a
// data directory filled with many talks before the server starts, a
// bystander whose talks' round trip is measured while an attack runs, and
// a request timed from send to reply.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chatroom/model"
	"chatroom/service/store"
)

// fillStore writes n talks to each of rooms in dir's database (created
// if missing), mixed English and Chinese and pad bytes of "x", and
// returns the last seq given.
// The store is closed again before the server opens it.
func fillStore(t *testing.T, dir string, n, pad int, rooms ...string) uint64 {
	t.Helper()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	words := []string{"hello", "alpha", "about", "again", "apple", "chat", "server", "history", "大家好", "你好世界", "今天天气很好", "我们一起去吃饭吧"}
	seq := s.LastSeq()
	padding := strings.Repeat("x", pad)
	ts := time.Now().Add(-time.Hour).UnixMilli()
	for _, room := range rooms {
		for i := 0; i < n; i += 500 {
			var batch []*model.ChatRoomRequest
			for j := i; j < min(i+500, n); j++ {
				seq++
				text := fmt.Sprintf("%s %s %s a%d", words[j%len(words)], words[(j/7)%len(words)], words[(j/3)%len(words)], j) + padding
				batch = append(batch, &model.ChatRoomRequest{Type: model.TypeTalk, Room: room, UserName: "filler", Content: text, Seq: seq, Timestamp: ts})
			}
			if err := s.Append(batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	return seq
}

// roundTrip sends m and reads until a frame of type typ (or an error),
// and returns it with the time it took.
func (c *roomClient) roundTrip(m *model.ChatRoomRequest, typ string) (*model.ChatRoomRequest, time.Duration) {
	c.t.Helper()
	t0 := time.Now()
	c.send(m)
	for range 10000 {
		r, err := read(c.t, c.ws)
		if err != nil {
			c.t.Fatalf("%s waiting for %s: %v", c.name, typ, err)
		}
		if r.Type == typ || r.Type == model.TypeError {
			return r, time.Since(t0)
		}
	}
	c.t.Fatalf("%s: no %s in 10000 frames", c.name, typ)
	return nil, 0
}

// latencies are round trips, printed as p50/p99/max.
type latencies []time.Duration

func (l latencies) String() string {
	if len(l) == 0 {
		return "no samples"
	}
	s := slices.Clone(l)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("n=%d p50=%v p99=%v max=%v", len(s), q(0.50), q(0.99), s[len(s)-1])
}

// echoes has c talk in room count times, one every 120 ms (within the
// default -msg-rate), and returns the round trips.
func (c *roomClient) echoes(room string, count int) latencies {
	c.t.Helper()
	var out latencies
	tick := time.NewTicker(120 * time.Millisecond)
	defer tick.Stop()
	for i := range count {
		<-tick.C
		text := fmt.Sprintf("echo %d %d", i, time.Now().UnixNano())
		t0 := time.Now()
		c.say(room, text)
		c.untilTalk(text)
		out = append(out, time.Since(t0))
	}
	return out
}

// contentBytes is the bytes of content a frame's messages carry.
func contentBytes(m *model.ChatRoomRequest) int {
	n := 0
	for _, x := range m.Messages {
		n += len(x.Content) + len(x.UserName)
	}
	return n
}

// cjk255 is 85 Chinese characters: 255 bytes, the most of them a
// 256-byte query holds (84 pairs to look for).
func cjk255() string {
	return string([]rune(strings.Repeat("我们一起去吃饭吧今天天气很好", 10))[:85])
}
