package chatserver

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/faultnet"
	"chatroom/internal/poll"
	"chatroom/model"
)

// Fault tests: clients that misbehave the ways real networks and real
// attackers do. Throughout each, a healthy client must keep getting
// answers, and the misbehaving connections must be gone at the end.

// faultArgs make the server's heartbeat fast enough to watch in a test.
func faultArgs() []string {
	// The healthy client receives every join and leave of the attack; a
	// queue that holds them all keeps a stalled test runner from making it
	// a slow consumer. It probes with user lists more often than
	// -userlist-interval allows.
	return []string{"-ping-interval", "200ms", "-pong-timeout", "1s", "-handshake-timeout", "1s", "-max-conns-per-ip", "0", "-join-rate-per-ip", "0", "-msg-rate-per-ip", "0", "-send-queue", "8192", "-userlist-interval", "0", "-userlist-rate-per-ip", "0"}
}

// probeTimeout bounds one user-list round trip of the healthy client. It is
// a liveness bound (the server answers at all, while under attack), not a
// speed target.
const probeTimeout = 3 * time.Second

// healthy is a well-behaved client that probes the server. Its reader
// runs all the time, as a real client's does, so it answers the server's
// pings.
type healthy struct {
	t    *testing.T
	ws   *websocket.Conn
	msgs chan *model.ChatRoomRequest // everything it receives
	err  chan error                  // why the reader stopped
	last time.Time                   // the last probe
}

// probeEvery paces the probes under the server's default rate limit (10
// frames a second), as a real client's requests would be.
const probeEvery = 120 * time.Millisecond

func newHealthy(t *testing.T, addr string) *healthy {
	h := &healthy{t: t, ws: dial(t, addr, "healthy"), msgs: make(chan *model.ChatRoomRequest, 1<<16), err: make(chan error, 1)}
	go func() {
		for {
			_, b, err := h.ws.ReadMessage()
			if err != nil {
				h.err <- err
				return
			}
			m, err := model.Decode(b)
			if err != nil {
				h.err <- err
				return
			}
			h.msgs <- m
		}
	}()
	h.next(model.TypeUserList, "") // the join preamble
	return h
}

// next returns the next message of type typ (from user, if not empty),
// failing if none comes within probeTimeout.
func (h *healthy) next(typ, user string) *model.ChatRoomRequest {
	h.t.Helper()
	deadline := time.NewTimer(probeTimeout)
	defer deadline.Stop()
	for {
		select {
		case m := <-h.msgs:
			if m.Type == typ && (user == "" || m.UserName == user) {
				return m
			}
		case err := <-h.err:
			h.t.Fatalf("healthy client: connection ended: %v", err)
		case <-deadline.C:
			h.t.Fatalf("healthy client: no %s within %v", typ, probeTimeout)
		}
	}
}

// probe asks for the user list and returns it, failing if no answer comes
// within probeTimeout.
func (h *healthy) probe() []string {
	h.t.Helper()
	if wait := time.Until(h.last.Add(probeEvery)); wait > 0 {
		<-time.After(wait)
	}
	h.last = time.Now()
	send(h.t, h.ws, model.TypeUserList, "")
	var names []string
	for n := range h.next(model.TypeUserList, "").UserList {
		names = append(names, n)
	}
	return names
}

// alone waits until the healthy client is the only user and the only
// connection.
func (h *healthy) alone(base string) {
	h.t.Helper()
	poll.CheckFor(h.t, waitTime, pollEvery, func() error {
		users, conns := h.probe(), scrape(h.t, nil, base, "chatroom_connections")
		return poll.Check(len(users) == 1 && conns == 1, "the healthy client alone, not users %v and %v connections", users, conns)
	})
	// Misbehaving clients are the clients' fault, never counted as the
	// server's.
	if got := scrape(h.t, nil, base, `chatroom_closes_total{cause="server_error"}`); got != 0 {
		h.t.Errorf("%v closes counted as server errors", got)
	}
}

// frameHeader is a masked client frame header announcing n payload bytes.
func frameHeader(n int) []byte {
	h := []byte{0x82, 0x80 | 126, byte(n >> 8), byte(n), 1, 2, 3, 4}
	return h
}

func TestFaultClientsKilledMidWrite(t *testing.T) {
	r := start(t, faultArgs()...)
	h := newHealthy(t, r.addr)
	for i := range 50 {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+r.addr+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		nc := ws.UnderlyingConn()
		// Half a frame: the header promises 1000 bytes, 10 arrive.
		nc.Write(append(frameHeader(1000), make([]byte, 10)...))
		if i%2 == 0 {
			nc.(*net.TCPConn).SetLinger(0) // RST instead of FIN
		}
		nc.Close()
		if i%10 == 0 {
			h.probe()
		}
	}
	h.alone(r.metrics)
}

func TestFaultPeerVanishesWithoutFIN(t *testing.T) {
	r := start(t, faultArgs()...)
	h := newHealthy(t, r.addr)
	link := faultnet.New(t, r.addr)
	ghost := dial(t, link.Addr(), "ghost")
	until(t, ghost, model.TypeUserList)
	// The ghost reads (and so answers pings) until the test closes it:
	// only the frozen link can stop its pongs.
	ghost.SetReadDeadline(time.Time{})
	go func() {
		for {
			if _, _, err := ghost.ReadMessage(); err != nil {
				return
			}
		}
	}()
	<-time.After(1500 * time.Millisecond) // longer than -pong-timeout: its pongs keep it
	if n := len(h.probe()); n != 2 {
		t.Fatalf("%d users, want 2: the ghost was dropped before it vanished", n)
	}
	link.Freeze()
	vanished := time.Now()
	// The server's pings go unanswered; after -pong-timeout the ghost is
	// reaped, and everyone sees it leave.
	poll.CheckFor(t, waitTime, time.Millisecond, func() error {
		left := h.next(model.TypeLeave, "").UserName
		return poll.Check(left == "ghost", "the ghost to leave, not %q", left)
	})
	t.Logf("the ghost left %v after it vanished (-pong-timeout 1s)", time.Since(vanished).Round(time.Millisecond))
	h.alone(r.metrics)
	if got := scrape(t, nil, r.metrics, `chatroom_closes_total{cause="idle"}`); got != 1 {
		t.Fatalf("idle closes: %v", got)
	}
}

func TestFaultOneBytePerSecond(t *testing.T) {
	r := start(t, faultArgs()...)
	h := newHealthy(t, r.addr)
	done := make(chan string, 2)
	// One dribbles a handshake, one a frame after a good handshake; both
	// at one byte per second.
	dribble := func(c net.Conn, data []byte, what string) {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		closed := make(chan struct{})
		go func() { io.Copy(io.Discard, c); close(closed) }()
		for _, b := range data {
			if _, err := c.Write([]byte{b}); err != nil {
				break
			}
			select {
			case <-closed:
				done <- what
				return
			case <-tick.C:
			}
		}
		select {
		case <-closed:
			done <- what
		case <-time.After(waitTime):
			done <- what + " was never cut"
		}
	}
	hc, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	go dribble(hc, []byte("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"), "the handshake")
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+r.addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	frame := append(frameHeader(200), make([]byte, 200)...)
	go dribble(ws.UnderlyingConn(), frame, "the frame")
	for i := range 2 {
		select {
		case what := <-done:
			if strings.Contains(what, "never") {
				t.Fatal(what)
			}
			t.Logf("%s was cut", what)
		case <-time.After(waitTime):
			t.Fatalf("dribbler %d never finished", i)
		}
		h.probe()
	}
	h.alone(r.metrics)
}

func TestFaultConnectionChurn(t *testing.T) {
	r := start(t, faultArgs()...)
	h := newHealthy(t, r.addr)
	const total, workers = 1000, 4
	var next atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= total; i = next.Add(1) {
				ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("ws://%s/ws?username=churn-%d", r.addr, i), nil)
				if err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
					return
				}
				nc := ws.UnderlyingConn()
				if i%2 == 0 {
					nc.(*net.TCPConn).SetLinger(0)
				}
				nc.Close() // dropped: no exit, no close frame
			}
		}()
	}
	// The healthy client is answered all along.
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	probes := 0
	for running := true; running; probes++ {
		select {
		case <-finished:
			running = false
		default:
		}
		h.probe()
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d connections opened and dropped; %d probes answered meanwhile", total, probes)
	base := r.metrics
	h.alone(base)
	if got := scrape(t, nil, base, `chatroom_handshakes_total{result="accepted"}`); got != total+1 {
		t.Fatalf("accepted %v handshakes, want %d", got, total+1)
	}
}
