package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/config"
	"chatroom/model"
)

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

// serverFrame is one unmasked server frame: final, with opcode and payload.
func serverFrame(opcode byte, payload []byte) []byte {
	b := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// talkStream is frames frames of this run's talks, as the server sends
// them: one talk per frame (v1), or perFrame talks in a ChatRoomBatch (v2).
func talkStream(marker string, frames, perFrame int) []byte {
	content := fmt.Sprintf("%d %s ", time.Now().UnixNano(), marker)
	content += string(bytes.Repeat([]byte{'x'}, 64-len(content)))
	talk := model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, UserName: "load-abcd-1", Content: content, Timestamp: 5, Seq: 9})
	payload := talk
	if perFrame > 0 {
		payload = nil
		for range perFrame {
			payload = protowire.AppendTag(payload, 1, protowire.BytesType)
			payload = protowire.AppendBytes(payload, talk)
		}
	}
	var stream []byte
	for range frames {
		stream = append(stream, serverFrame(0x2, payload)...)
	}
	return stream
}

// The read loop allocates nothing per frame: what one call allocates (its
// header buffer) does not grow with the frames it reads.
func TestReadLoopDoesNotAllocatePerFrame(t *testing.T) {
	for _, tc := range []struct {
		proto    string
		perFrame int
	}{{protoV1, 0}, {protoV2, 10}} {
		stream := talkStream("abcd1234", 100, tc.perFrame)
		rd := bytes.NewReader(stream)
		us := &user{br: bufio.NewReaderSize(rd, 16<<10), proto: tc.proto, marker: []byte("abcd1234")}
		allocs := testing.AllocsPerRun(20, func() {
			rd.Reset(stream)
			us.br.Reset(rd)
			if err := us.readLoop(); err != io.EOF {
				t.Fatal(err)
			}
		})
		if allocs > 1 {
			t.Errorf("%s: %.0f allocations reading 100 frames", tc.proto, allocs)
		}
	}
}

// BenchmarkReadLoop is the load tool's own receive cost: frames parsed in
// place, talks counted and timed. ns/frame and allocs/op (per 1000
// frames) are the figures to keep.
func BenchmarkReadLoop(b *testing.B) {
	for _, tc := range []struct {
		name     string
		proto    string
		perFrame int
	}{{"v1", protoV1, 0}, {"v2-batch10", protoV2, 10}} {
		b.Run(tc.name, func(b *testing.B) {
			const frames = 1000
			stream := talkStream("abcd1234", frames, tc.perFrame)
			rd := bytes.NewReader(stream)
			us := &user{br: bufio.NewReaderSize(rd, 16<<10), proto: tc.proto, marker: []byte("abcd1234")}
			b.ReportAllocs()
			b.SetBytes(int64(len(stream)))
			b.ResetTimer()
			for range b.N {
				rd.Reset(stream)
				us.br.Reset(rd)
				if err := us.readLoop(); err != io.EOF {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
			if want := int64(b.N * frames * max(1, tc.perFrame)); us.talks.Load() != want {
				b.Fatalf("counted %d talks, want %d", us.talks.Load(), want)
			}
		})
	}
}

// The plain-text mode against a server like gorilla's examples/chat: it
// broadcasts text, several messages per frame separated by newlines, and a
// long message in several fragments.
func TestLines(t *testing.T) {
	var mu sync.Mutex
	conns := map[*websocket.Conn]bool{}
	up := websocket.Upgrader{WriteBufferSize: 64} // long messages go out in fragments
	var handlers sync.WaitGroup
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		handlers.Add(1)
		defer handlers.Done()
		mu.Lock()
		conns[ws] = true
		mu.Unlock()
		defer func() { mu.Lock(); delete(conns, ws); mu.Unlock(); ws.Close() }()
		var pending [][]byte
		for {
			kind, msg, err := ws.ReadMessage()
			if err != nil || kind != websocket.TextMessage {
				return // gorilla has answered a close frame already
			}
			// Every second message, broadcast the last two as one frame.
			pending = append(pending, msg)
			if len(pending) < 2 {
				continue
			}
			mu.Lock()
			for c := range conns {
				w, err := c.NextWriter(websocket.TextMessage)
				if err != nil {
					continue
				}
				w.Write(pending[0])
				w.Write([]byte{'\n'})
				w.Write(pending[1])
				w.Close()
			}
			mu.Unlock()
			pending = nil
		}
	}))
	defer func() { hs.Close(); handlers.Wait() }()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
	sum := runOK(t, opts(t, "-url", url, "-protocol", "lines", "-scenario", "fanout", "-clients", "5", "-senders", "1", "-rate", "50", "-duration", "400ms", "-ramp", "10ms", "-size", "100", "-drain", "2s"))
	want := sum.TalksSent - sum.TalksSent%2 // an odd last talk is never broadcast
	if sum.Deliveries != 5*want || sum.Frames != 5*want/2 {
		t.Fatalf("%d talks sent: %d deliveries in %d frames", sum.TalksSent, sum.Deliveries, sum.Frames)
	}
}
