package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Frames recorded from Centrifugo v6.9.1 (insecure client mode, one
// channel "chat"): the replies to connect and subscribe in one frame,
// five pushes in one frame, pushes interleaved with the replies to our
// publishes and an error reply, and the server's ping.
const (
	cfJoined = `{"id":1,"connect":{"client":"d862d19d-a1bf-44b5-a148-ce23e75a4c05","version":"0.0.0 OSS","ping":25,"pong":true}}` + "\n" + `{"id":2,"subscribe":{}}`
	cfPush   = `{"push":{"channel":"chat","pub":{"data":{"t":"1700000000000000000 abcd1234 xxxx"},"info":{"user":"","client":"f1d04823-d8c1-4d18-8d2e-b85cb8fad53f"}}}}`
	cfMixed  = cfPush + "\n" + `{"id":3,"publish":{}}` + "\n" + cfPush + "\n" + `{"id":4,"publish":{}}` + "\n" + `{"id":9,"error":{"code":102,"message":"unknown channel"}}`
	cfPing   = `{}`
)

// loopbackPair is a connected pair of TCP sockets on loopback: the
// user's end and the server's.
func loopbackPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// readClientFrame reads one masked client frame (no extended length
// beyond 16 bits) and returns its opcode and unmasked payload.
func readClientFrame(r io.Reader) (byte, []byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		return 0, nil, err
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		if _, err := io.ReadFull(r, h[2:4]); err != nil {
			return 0, nil, err
		}
		n = int(binary.BigEndian.Uint16(h[2:4]))
	}
	var mask [4]byte
	p := make([]byte, n)
	if _, err := io.ReadFull(r, mask[:]); err != nil {
		return 0, nil, err
	}
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	for i := range p {
		p[i] ^= mask[i&3]
	}
	return h[0] & 0x0f, p, nil
}

// The reader counts the talks of every push (several per frame), takes
// the subscribe's reply as the join, counts a refused publish and answers
// the ping with exactly one "{}".
func TestCentrifugoFrames(t *testing.T) {
	client, server := loopbackPair(t)
	var stream []byte
	for _, f := range []string{cfJoined, strings.Repeat(cfPush+"\n", 4) + cfPush, cfMixed, cfPing} {
		stream = append(stream, serverFrame(0x1, []byte(f))...)
	}
	us := &user{conn: client, br: bufio.NewReader(bytes.NewReader(stream)), proto: protoCentrifugo, marker: []byte("abcd1234")}
	if err := us.readLoop(); err != io.EOF {
		t.Fatalf("readLoop: %v, want EOF", err)
	}
	if !us.joined.Load() || us.talks.Load() != 7 || us.refused.Load() != 1 || us.frames.Load() != 4 {
		t.Fatalf("joined %v, talks %d (want 7), refused %d (want 1), frames %d (want 4)", us.joined.Load(), us.talks.Load(), us.refused.Load(), us.frames.Load())
	}
	client.Close()
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	op, p, err := readClientFrame(server)
	if err != nil || op != 0x1 || string(p) != "{}" {
		t.Fatalf("the pong: opcode %x %q %v, want a text frame {}", op, p, err)
	}
	if op, p, err := readClientFrame(server); err != io.EOF {
		t.Fatalf("after the pong: opcode %x %q %v, want nothing more", op, p, err)
	}
}

// A refused subscribe ends the user with the server's reason.
func TestCentrifugoRefusedSubscribe(t *testing.T) {
	client, _ := loopbackPair(t)
	frame := `{"id":1,"connect":{"client":"x","version":"0.0.0 OSS","ping":25,"pong":true}}` + "\n" + `{"id":2,"error":{"code":103,"message":"permission denied"}}`
	us := &user{conn: client, br: bufio.NewReader(bytes.NewReader(serverFrame(0x1, []byte(frame)))), proto: protoCentrifugo}
	err := us.readLoop()
	if err == nil || !strings.Contains(err.Error(), "permission denied") || us.joined.Load() {
		t.Fatalf("readLoop: %v (joined %v), want the refusal", err, us.joined.Load())
	}
}

// The commands the user sends are Centrifugo's: connect, subscribe, then
// publishes with rising ids whose data carries the talk.
func TestCentrifugoCommands(t *testing.T) {
	client, server := loopbackPair(t)
	us := &user{conn: client, proto: protoCentrifugo, marker: []byte("abcd1234")}
	if err := us.centrifugoStart(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := us.sendTalk(64); err != nil {
			t.Fatal(err)
		}
	}
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	want := []string{`{"id":1,"connect":{}}`, `{"id":2,"subscribe":{"channel":"chat"}}`}
	for i := range 4 {
		_, p, err := readClientFrame(server)
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			if string(p) != want[i] {
				t.Fatalf("command %d: %s, want %s", i+1, p, want[i])
			}
			continue
		}
		var cmd struct {
			ID      int
			Publish struct {
				Channel string
				Data    struct{ T string }
			}
		}
		if err := json.Unmarshal(p, &cmd); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		talk, ok := centrifugoTalk([]byte(`{"push":{"channel":"chat","pub":{"data":{"t":"` + cmd.Publish.Data.T + `"}}}}`))
		if cmd.ID != i+1 || cmd.Publish.Channel != "chat" || len(cmd.Publish.Data.T) != 64 || !ok || !bytes.Contains(talk, []byte(" abcd1234 ")) {
			t.Fatalf("publish %d: %s", i+1, p)
		}
	}
}
