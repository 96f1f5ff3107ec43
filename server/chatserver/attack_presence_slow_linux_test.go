package chatserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Attacks on presence at scale (issue 18): a client that asks for
// coalesced presence and never reads, in a room whose members churn and
// talk. Its socket fills, then its queue or its write's -write-timeout
// (here 1 s) ends it; the members that read get every talk, in order,
// meanwhile. (Linux:
// the victim's socket gets a tiny receive buffer, so that its queue fills
// soon.)

// slowSize is the talks' size: the victim's socket buffers fill within a
// few hundred to a few thousand.
const slowSize = 4000

// slowBatch is how many talks go before every reader has read them: less
// than -send-queue, so that none that reads is slow.
const slowBatch = 32

func TestAttackPresenceSlowCoalescer(t *testing.T) {
	r := start(t, crowdFlags("-presence-window", "10ms", "-send-queue", "64", "-write-timeout", "1s")...)
	victim := dialTinyBuffer(t, r.addr, "victim")
	defer victim.Close()
	watcher, _ := dialPresence(t, r.addr, "watcher", true)
	spec, _ := dialPresence(t, r.addr, "spec", false)
	talker := dialRoomsWith(t, dialerFrom(bystanderAddr), r.addr, "talker")
	churner := dialRoomsWith(t, dialerFrom(attackerAddr), r.addr, "churner", "base")
	readers := []*roomClient{watcher, spec, talker}
	progress := make([]atomic.Int64, len(readers))
	reads := make(chan int, len(readers))
	for i, c := range readers {
		go func() { reads <- countTalks(c.ws, "last", &progress[i]) }()
	}
	body := strings.Repeat("x", slowSize)
	said := 0
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		// The next batch once every reader read the last: the readers
		// keep up, the victim does not.
		for i := range progress {
			if progress[i].Load() != int64(said) {
				return fmt.Errorf("reader %d at %d of %d talks", i, progress[i].Load(), said)
			}
		}
		for range slowBatch {
			if err := talker.ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: fmt.Sprintf("%06d %s", said, body)})); err != nil {
				t.Fatalf("talk %d: %v", said, err)
			}
			said++
		}
		if refusal := churner.join("lobby"); refusal != nil {
			t.Fatalf("churner joins: %v", refusal)
		}
		churner.part("lobby")
		return poll.Check(scrape(t, nil, r.metrics, "chatroom_connections") == 4, "the victim closed after %d talks", said)
	})
	talker.say("", "last")
	for range 3 {
		if got := <-reads; got != said+1 {
			t.Errorf("a reading member got %d talks in order, want %d", got, said+1)
		}
	}
	// Closed as a slow consumer (its queue full) or lost (a write past
	// -write-timeout): whichever comes first, the victim alone.
	slow, lost := scrape(t, nil, r.metrics, `chatroom_closes_total{cause="slow_consumer"}`), scrape(t, nil, r.metrics, `chatroom_closes_total{cause="lost"}`)
	if slow+lost != 1 {
		t.Errorf("%v connections closed as slow consumers and %v lost, want the victim alone", slow, lost)
	}
	t.Logf("the victim was closed after %d talks of %d bytes", said, slowSize)
}

// countTalks reads ws until the talk saying last, checking that talks
// come in the order of their numbers, and returns how many came in order
// (-1 on an error), and keeps progress at the count so far.
func countTalks(ws *websocket.Conn, last string, progress *atomic.Int64) int {
	n := 0
	for range 1000000 {
		ws.SetReadDeadline(time.Now().Add(waitTime))
		_, b, err := ws.ReadMessage()
		if err != nil {
			return -1
		}
		m, err := model.Decode(b)
		if err != nil {
			return -1
		}
		if m.Type != model.TypeTalk {
			continue
		}
		if m.Content == last {
			return n + 1
		}
		if !strings.HasPrefix(m.Content, fmt.Sprintf("%06d ", n)) {
			return -1
		}
		n++
		progress.Store(int64(n))
	}
	return -1
}

// dialTinyBuffer connects name, asking for coalesced presence, from a
// socket whose receive buffer is the kernel's smallest; the caller never
// reads from it.
func dialTinyBuffer(t *testing.T, addr, name string) *websocket.Conn {
	t.Helper()
	nd := &net.Dialer{Timeout: waitTime, Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1) }); cerr != nil {
			return cerr
		}
		return err
	}}
	d := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, a string) (net.Conn, error) { return nd.DialContext(ctx, network, a) }, HandshakeTimeout: waitTime}
	u := "ws://" + addr + "/ws?" + url.Values{model.PresenceParam: {model.PresenceCoalesce}}.Encode()
	ws, _, err := d.Dial(u, http.Header{"Username": {name}})
	if err != nil {
		t.Fatalf("%s dials: %v", name, err)
	}
	return ws
}
