package main

import (
	"math"
	"testing"

	"chatroom/config"
	"chatroom/model"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for v := uint64(1); v <= 100000; v++ { // 1 µs .. 100 ms, uniform
		h.add(v)
	}
	for _, tc := range []struct{ q, wantMs float64 }{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}} {
		got := h.quantile(tc.q)
		if math.Abs(got-tc.wantMs)/tc.wantMs > 0.04 {
			t.Errorf("q%.2f = %.2f ms, want about %.0f", tc.q, got, tc.wantMs)
		}
	}
	for v := uint64(0); v < 1<<30; v = v*3 + 1 {
		if b := bucketOf(v); bucketValue(b) > v || (v >= 64 && float64(v-bucketValue(b))/float64(v) > 0.04) {
			t.Fatalf("value %d lands in bucket %d starting at %d", v, b, bucketValue(b))
		}
	}
}

func TestHandleCountsOnlyThisRunsTalks(t *testing.T) {
	us := &user{marker: []byte("abcd1234"), proto: protoV1}
	us.since.Store(1000)
	frame := func(content string) []byte {
		return model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, UserName: "x", Content: content, Timestamp: 5, Seq: 9})
	}
	us.handleFrame(frame("2000 abcd1234 xxxx"), 3000) // counted: this run, 1 µs in flight
	us.handleFrame(frame("2000 ffff0000 xxxx"), 3000) // another run's
	us.handleFrame(frame("500 abcd1234 xxxx"), 3000)  // sent before this run started
	us.handleFrame(frame("hello"), 3000)              // not the tool's
	us.handleFrame([]byte{0xff, 0xff}, 3000)          // garbage is ignored
	us.handleFrame(model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList}), 3000)
	if got := us.talks.Load(); got != 1 {
		t.Fatalf("counted %d talks, want 1", got)
	}
	if got := us.lists.Load(); got != 1 {
		t.Fatalf("counted %d user lists, want 1", got)
	}
}

// A talk the server refused ("message not sent") is counted apart: it is
// expected by nobody, so it is not loss.
func TestRefusedTalksAreCounted(t *testing.T) {
	us := &user{}
	us.handleMessage(model.Encode(&model.ChatRoomRequest{Type: model.TypeError, Content: config.ReplyNotSent + ": publish: nats: connection closed"}), 1)
	us.handleMessage(model.Encode(&model.ChatRoomRequest{Type: model.TypeError, Content: config.ReplyRateLimited}), 1)
	if got := us.refused.Load(); got != 1 {
		t.Fatalf("refused %d, want 1", got)
	}
}
