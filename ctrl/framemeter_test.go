package ctrl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// wireFrame builds one client frame: masked, with a payload of n bytes.
func wireFrame(op byte, fin bool, n int) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	switch {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, 1, 2, 3, 4) // the mask key
	// Payload bytes that look like headers: the meter must skip them.
	return append(f, bytes.Repeat([]byte{0x89}, n)...)
}

// countCharges counts the frames charged.
type countCharges struct{ n int }

func (c *countCharges) chargeFrame() { c.n++ }

// The meter charges pings, pongs and continuation frames, whatever their
// lengths and however the bytes are split into reads; it skips payloads.
func TestFrameMeterCounts(t *testing.T) {
	var stream []byte
	for _, f := range [][]byte{
		wireFrame(websocket.BinaryMessage, false, 300), // 16-bit length
		wireFrame(opContinuation, false, 70000),        // 64-bit length
		wireFrame(opPing, true, 5),                     // between fragments
		wireFrame(opContinuation, false, 0),
		wireFrame(opContinuation, true, 125),
		wireFrame(opPong, true, 0),
		wireFrame(websocket.TextMessage, true, 10),
		wireFrame(websocket.BinaryMessage, true, 126),
		wireFrame(websocket.CloseMessage, true, 2),
	} {
		stream = append(stream, f...)
	}
	const want = 5 // 3 continuation frames, a ping, a pong
	for _, tc := range []struct {
		name string
		r    func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"byte by byte", iotest.OneByteReader},
		{"halves", iotest.HalfReader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c countCharges
			m := newFrameMeter(tc.r(bytes.NewReader(stream)))
			m.charger = &c
			got, err := io.ReadAll(m)
			if err != nil || !bytes.Equal(got, stream) {
				t.Fatalf("read %d bytes, %v; want the %d bytes unchanged", len(got), err, len(stream))
			}
			if c.n != want {
				t.Errorf("%d frames charged, want %d", c.n, want)
			}
			if m.have != 0 || m.skip != 0 {
				t.Errorf("the meter ends inside a frame: %d header bytes, %d to skip", m.have, m.skip)
			}
		})
	}
}

// A stopped meter fails every read.
func TestFrameMeterStop(t *testing.T) {
	m := newFrameMeter(strings.NewReader("more"))
	m.stop()
	if n, err := m.Read(make([]byte, 4)); n != 0 || !errors.Is(err, errFlooding) {
		t.Fatalf("read %d, %v after stop; want 0, %v", n, err, errFlooding)
	}
}

// A legitimate client is not hurt: messages in many fragments with a ping
// and a pong between them pass at the default rate limit and
// -frames-per-token, and nothing is refused.
func TestFragmentsAndPingsOfALegitimateClient(t *testing.T) {
	ts := startServer(t, testConfig())
	// A write buffer of 256 bytes: gorilla sends a message in frames of
	// 256 bytes, a talk of -max-content in 17.
	d := websocket.Dialer{HandshakeTimeout: waitTime, WriteBufferSize: 256}
	ws, _, err := d.Dial(ts.wsURL, http.Header{"Username": {"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &client{t: t, ws: ws, name: "alice"}
	c.expect(model.TypeJoin)
	c.expect(model.TypeUserList)
	content := strings.Repeat("x", ts.cfg.MaxContent)
	payload := model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: content})
	const talks = 5
	for range talks {
		w, err := ws.NextWriter(websocket.BinaryMessage)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(payload[:len(payload)/2])
		// Control frames may come between fragments.
		ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(waitTime))
		ws.WriteControl(websocket.PongMessage, nil, time.Now().Add(waitTime))
		w.Write(payload[len(payload)/2:])
		w.Close()
	}
	for range talks {
		if m := c.expect(model.TypeTalk); m.Content != content {
			t.Fatalf("talk of %d bytes, want %d", len(m.Content), len(content))
		}
	}
	if st := ts.chat.Stats(); st.RateLimited != 0 || st.RejectedFrames != 0 {
		t.Errorf("%d frames rate limited, %d rejected; want none", st.RateLimited, st.RejectedFrames)
	}
}

// BenchmarkFrameMeter is the meter's cost per frame of a stream of small
// talks read 512 bytes at a time, as a connection's read buffer reads them.
func BenchmarkFrameMeter(b *testing.B) {
	var stream []byte
	for len(stream) < 64<<10 {
		stream = append(stream, wireFrame(websocket.BinaryMessage, true, 100)...)
	}
	frames := len(stream) / len(wireFrame(websocket.BinaryMessage, true, 100))
	m := newFrameMeter(nil)
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		for p := stream; len(p) > 0; p = p[min(512, len(p)):] {
			m.scan(p[:min(512, len(p))])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
}

// endless is a client that sends its frames forever.
type endless struct {
	frame []byte
	sent  int // bytes read from it
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n+len(e.frame) <= len(p) {
		n += copy(p[n:], e.frame)
	}
	e.sent += n
	return n, nil
}

// After the server's close frame the meter reads up to the peer's close,
// or a few dozen frames of anything else, never on and on.
func TestDrainToCloseIsBounded(t *testing.T) {
	ping := []byte{0x89, 0x80, 1, 2, 3, 4}
	flood := &endless{frame: ping}
	newFrameMeter(flood).drainToClose()
	if most := (maxDrainFrames + 512/len(ping)) * len(ping); flood.sent > most {
		t.Errorf("drained %d bytes of pings, want at most %d", flood.sent, most)
	}
	closing := &endless{frame: []byte{0x88, 0x82, 1, 2, 3, 4, 0x02, 0xe9}} // close 1000, masked
	m := newFrameMeter(closing)
	m.drainToClose()
	if !m.closed || closing.sent > 512 {
		t.Errorf("after the peer's close: closed %v, %d bytes read", m.closed, closing.sent)
	}
}
