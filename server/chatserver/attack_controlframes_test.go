package chatserver

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
	"chatroom/service"
)

// Attack 5 of issue 15: WebSocket pings, pongs, or endless zero-length
// non-final continuation frames, sent as fast as a client can, cost no
// token of the rate limit: such a connection was never closed and kept a
// core busy, and four of them slowed everyone else down. Each test floods
// from attackerAddr with four connections at the default flags; each must
// be closed with 1008 "too many messages", as a talk flood is, while a
// bystander from bystanderAddr keeps talking (its round trips are logged
// before, during and after, not asserted: the machine is shared).

// Bounds of a flood: how many connections, how long each floods at most,
// and how many writes.
const (
	flooders   = 4
	floodTime  = 5 * time.Second
	floodLimit = 10_000_000
)

func TestAttack5PingFlood(t *testing.T) {
	floodFrames(t, func(*websocket.Conn) func(*websocket.Conn) error {
		return func(ws *websocket.Conn) error {
			return ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(waitTime))
		}
	})
}

func TestAttack5PongFlood(t *testing.T) {
	floodFrames(t, func(*websocket.Conn) func(*websocket.Conn) error {
		return func(ws *websocket.Conn) error {
			return ws.WriteControl(websocket.PongMessage, nil, time.Now().Add(waitTime))
		}
	})
}

// The fragment flood opens a binary message with a zero-length non-final
// frame, then never ends it: each write is 256 zero-length non-final
// continuation frames, masked, written on the socket under gorilla.
func TestAttack5FragmentFlood(t *testing.T) {
	floodFrames(t, func(ws *websocket.Conn) func(*websocket.Conn) error {
		open := []byte{websocket.BinaryMessage, 0x80, 1, 2, 3, 4} // FIN clear, masked, length 0
		if _, err := ws.NetConn().Write(open); err != nil {
			t.Fatal(err)
		}
		run := make([]byte, 0, 256*6)
		for range 256 {
			run = append(run, 0x00, 0x80, 5, 6, 7, 8) // continuation, FIN clear, masked, length 0
		}
		return func(ws *websocket.Conn) error {
			_, err := ws.NetConn().Write(run)
			return err
		}
	})
}

// floodFrames runs attack 5 with the frames that writer's writes send.
// writer is called once per attacker, to start its flood.
func floodFrames(t *testing.T, writer func(*websocket.Conn) func(*websocket.Conn) error) {
	// No write window: a round trip is then the server's work alone, not
	// the wait for the window. A burst of 64 lets the bystander ask its 60
	// pings without being rate limited (it is lenient to the flooders too).
	r := start(t, "-write-window", "0", "-msg-burst", "64")
	by := dialFrom(t, bystanderAddr, r.addr, "bystander")
	until(t, by, model.TypeUserList)
	t.Logf("bystander round trip before the flood: %v", roundTrips(t, by))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait() })
	closed := make([]chan error, flooders)
	for i := range flooders {
		ws := dialFrom(t, attackerAddr, r.addr, fmt.Sprint("flooder", i))
		until(t, ws, model.TypeUserList)
		closed[i] = make(chan error, 1)
		// The flooder answers no close frame: it stops flooding as soon
		// as it has read the server's.
		ws.SetCloseHandler(func(int, string) error { return nil })
		write := writer(ws)
		wg.Add(2)
		done := make(chan struct{})
		go func() { defer wg.Done(); closed[i] <- readUntilError(ws); close(done) }()
		go func() {
			defer wg.Done()
			begun := time.Now()
			n := flood(ws, write, stop, done)
			t.Logf("flooder %d stopped after %d writes in %v", i, n, time.Since(begun).Round(time.Millisecond))
		}()
	}
	t.Logf("bystander round trip during the flood: %v", roundTrips(t, by))
	for i, c := range closed {
		select {
		case err := <-c:
			if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || err.(*websocket.CloseError).Text != service.DisconnectFlood.Reason() {
				t.Errorf("flooder %d ended with %v, want 1008 %q", i, err, service.DisconnectFlood.Reason())
			}
		case <-time.After(floodTime + closeWait):
			t.Fatalf("flooder %d was not closed after %v of flooding", i, floodTime+closeWait)
		}
	}
	t.Logf("bystander round trip after the flood: %v", roundTrips(t, by))
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		n := scrape(t, nil, r.metrics, `chatroom_closes_total{cause="flood"}`)
		return poll.Check(n == flooders, "%v flood closes counted, want %d", n, flooders)
	})
}

// closeWait is how long a flooder's close may take after its flood ends.
const closeWait = 2 * time.Second

// flood writes with write until it fails, stop or done is closed,
// floodTime has passed or floodLimit writes are done. It returns the
// writes done.
func flood(ws *websocket.Conn, write func(*websocket.Conn) error, stop, done <-chan struct{}) int {
	end := time.Now().Add(floodTime)
	n := 0
	for ; n < floodLimit && time.Now().Before(end); n++ {
		select {
		case <-stop:
			return n
		case <-done:
			return n
		default:
		}
		if write(ws) != nil {
			return n
		}
	}
	return n
}

// readUntilError reads (and drops) frames until one fails, and returns
// that error.
func readUntilError(ws *websocket.Conn) error {
	ws.SetReadDeadline(time.Now().Add(floodTime + closeWait + waitTime))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return err
		}
	}
}

// roundTrips measures the round trip of a ping message to its pong, 20
// times, and returns the median and the largest.
func roundTrips(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	const n = 20
	took := make([]time.Duration, n)
	for i := range took {
		begun := time.Now()
		send(t, ws, model.TypePing, "")
		if m := untilOneOf(t, ws, model.TypePong, model.TypeError); m.Type == model.TypeError {
			t.Fatalf("the bystander's ping was refused: %s", m.Content)
		}
		took[i] = time.Since(begun)
	}
	slices.Sort(took)
	return fmt.Sprintf("median %v, max %v (of %d)", took[n/2], took[n-1], n)
}

// untilOneOf reads from ws until a message of one of types arrives, and
// returns it.
func untilOneOf(t *testing.T, ws *websocket.Conn, types ...string) *model.ChatRoomRequest {
	t.Helper()
	for range 10000 {
		m, err := read(t, ws)
		if err != nil {
			t.Fatalf("waiting for %v: %v", types, err)
		}
		if slices.Contains(types, m.Type) {
			return m
		}
	}
	t.Fatalf("none of %v in 10000 messages", types)
	return nil
}

// The same flood sent after the client's exit (or any close by the
// server): the read pump is over, and what the client sends until its
// close reply is only drained. That drain read every frame for the whole
// close grace period, charged to nothing (a hostile review measured 153 MB
// of pings in 2 s from one connection); now it reads up to the peer's close
// frame or a few dozen frames, and closes the socket. What the client
// manages to write is then bounded by the socket buffers.
func TestAttack5FloodAfterExit(t *testing.T) {
	r := start(t)
	ws := dialFrom(t, attackerAddr, r.addr, "leaver")
	until(t, ws, model.TypeUserList)
	send(t, ws, model.TypeExit, "")
	nc := ws.NetConn()
	go func() {
		// Read what the server sends (its close frame), so that only the
		// server's side decides when this ends.
		nc.SetReadDeadline(time.Now().Add(waitTime))
		for buf := make([]byte, 512); ; {
			if _, err := nc.Read(buf); err != nil {
				return
			}
		}
	}()
	run := make([]byte, 0, 256*6)
	for range 256 {
		run = append(run, byte(websocket.PingMessage)|0x80, 0x80, 1, 2, 3, 4) // FIN, ping, masked, length 0
	}
	const most = 32 << 20 // far more than loopback's socket buffers hold
	written, began := 0, time.Now()
	for written < 4*most && time.Since(began) < floodTime {
		nc.SetWriteDeadline(time.Now().Add(waitTime))
		n, err := nc.Write(run)
		written += n
		if err != nil {
			break
		}
	}
	t.Logf("after exit: %d bytes of pings (%d pings) written in %v before the server closed the socket",
		written, written/6, time.Since(began).Round(time.Millisecond))
	if written > most {
		t.Errorf("the server took %d MB of pings after the client's exit; want the socket closed after a few frames", written>>20)
	}
}
