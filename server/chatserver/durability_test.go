package chatserver

// The promise of -data-dir, tested on the real program: a talk that any
// client received survives kill -9 of the server, and seqs go on after a
// restart from above every seq given before it.

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

// durabilityRooms are the rooms the kill -9 test talks in.
func durabilityRooms() []string { return []string{"durable-0", "durable-1", "durable-2"} }

// Kill -9 under load: 30 clients, each in two of three rooms, talk until
// the server is killed; every talk any of them received (by room and seq)
// is then in the restarted server's history, paged with history {limit,
// before}, with the same text, and a new talk's seq is above every seq seen
// before the kill.
func TestKill9KeepsEveryTalkAnyoneReceived(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and kills it under load (-short skips it)")
	}
	bin := buildServer(t)
	data := t.TempDir()
	addr := freeLoopbackAddr(t)
	srv := startBinary(t, bin, addr, data)
	seen := &seenTalks{talks: map[string]map[uint64]string{}}
	load := startLoad(t, addr, 30, seen)
	poll.CheckFor(t, 20*time.Second, pollEvery, func() error {
		return poll.Check(seen.count() >= 600, "600 talks received before the kill (have %d)", seen.count())
	})
	srv.kill() // SIGKILL: no goodbye, no flush
	load.stop()
	received, maxSeq := seen.count(), seen.maxSeq()
	t.Logf("%d talks received by someone before the kill (%d deliveries), highest seq %d", received, seen.deliveries(), maxSeq)

	startBinary(t, bin, addr, data)
	checker := dialRooms(t, addr, "checker", durabilityRooms()...)
	kept := 0
	for _, room := range durabilityRooms() {
		history := pageHistory(t, checker, room)
		for seq, content := range seen.room(room) {
			got, ok := history[seq]
			if !ok {
				t.Errorf("%s: talk seq %d (%q) was received before the kill and is not in history after it", room, seq, content)
			} else if got != content {
				t.Errorf("%s: talk seq %d was %q before the kill, %q in history after it", room, seq, content, got)
			}
		}
		kept += len(history)
	}
	t.Logf("history after the restart holds %d talks (those received and those stored but not yet delivered)", kept)
	checker.say(durabilityRooms()[0], "after the kill")
	echo, _ := checker.untilTalk("after the kill")
	if echo.Seq <= maxSeq {
		t.Fatalf("a talk after the restart has seq %d, not above %d seen before the kill", echo.Seq, maxSeq)
	}
}

// buildServer builds the server command into a temporary folder.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./server: %v\n%s", err, out)
	}
	return bin
}

// freeLoopbackAddr is a loopback address with a port free a moment ago, so
// that a server restarted there is found where it was.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// binServer is a server command running in a process of its own.
type binServer struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// kill kills the server with SIGKILL and waits for it to be gone.
func (b *binServer) kill() {
	b.cmd.Process.Kill()
	<-b.exited
}

// startBinary runs the built server on addr with its data in dir, until it
// accepts connections; the test kills it at the end if it still runs.
func startBinary(t *testing.T, bin, addr, dir string) *binServer {
	t.Helper()
	stderr := &syncBuffer{}
	cmd := exec.Command(bin, "-addr", addr, "-data-dir", dir, "-log-dir", t.TempDir(), "-log-stderr=false",
		"-max-conns-per-ip", "0", "-join-rate-per-ip", "0", "-msg-rate-per-ip", "0", "-userlist-rate-per-ip", "0", "-msg-rate", "0", "-userlist-interval", "0")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &binServer{cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(b.exited) }()
	t.Cleanup(b.kill)
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		select {
		case <-b.exited:
			t.Fatalf("the server exited: %s", stderr)
		default:
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	})
	return b
}

// seenTalks is every talk the load's clients received: by room, seq to
// text; and the highest seq of any event.
type seenTalks struct {
	mu      sync.Mutex
	talks   map[string]map[uint64]string
	n       int // deliveries
	highest uint64
}

func (s *seenTalks) add(m *model.ChatRoomRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.highest = max(s.highest, m.Seq)
	if m.Type != model.TypeTalk {
		return
	}
	if s.talks[m.Room] == nil {
		s.talks[m.Room] = map[uint64]string{}
	}
	s.talks[m.Room][m.Seq] = m.Content
	s.n++
}

func (s *seenTalks) count() (n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.talks {
		n += len(r)
	}
	return n
}

func (s *seenTalks) deliveries() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }
func (s *seenTalks) maxSeq() uint64  { s.mu.Lock(); defer s.mu.Unlock(); return s.highest }

func (s *seenTalks) room(r string) map[uint64]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.talks[r]
}

// load is clients talking until the server goes.
type load struct {
	conns []*websocket.Conn
	wg    sync.WaitGroup
}

// startLoad connects n clients, each in two of the rooms, each sending a
// talk every 20 ms to its rooms in turn and recording what it receives,
// until its connection fails.
func startLoad(t *testing.T, addr string, n int, seen *seenTalks) *load {
	t.Helper()
	l := &load{}
	for i := range n {
		rooms := []string{durabilityRooms()[i%3], durabilityRooms()[(i+1)%3]}
		q := url.Values{"room": rooms, "username": {"load" + strconv.Itoa(i)}}
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws?"+q.Encode(), nil)
		if err != nil {
			l.stop()
			t.Fatalf("client %d: %v", i, err)
		}
		l.conns = append(l.conns, ws)
		l.wg.Add(2)
		go func() {
			defer l.wg.Done()
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if m, err := model.Decode(b); err == nil {
					seen.add(m)
				}
			}
		}()
		go func() {
			defer l.wg.Done()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for k := 0; k < 100_000; k++ { // bounded: 2000 s at most; ends with the server
				<-tick.C
				m := &model.ChatRoomRequest{Type: model.TypeTalk, Room: rooms[k%2], Content: fmt.Sprintf("talk %d of client %d", k, i)}
				ws.SetWriteDeadline(time.Now().Add(waitTime))
				if ws.WriteMessage(websocket.BinaryMessage, model.Encode(m)) != nil {
					return
				}
			}
		}()
	}
	return l
}

// stop waits for the clients to see the server gone, closing them after a
// bounded wait.
func (l *load) stop() {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(waitTime):
	}
	for _, ws := range l.conns {
		ws.Close()
	}
	<-done
}

// pageHistory reads all of room's history, newest page first, with
// history {limit, before}; each page must be in seq order below before.
func pageHistory(t *testing.T, c *roomClient, room string) map[uint64]string {
	t.Helper()
	all := map[uint64]string{}
	var before uint64
	for page := 0; page < 1000; page++ {
		c.send(&model.ChatRoomRequest{Type: model.TypeHistory, Room: room, Limit: model.MaxHistoryPage, Before: before})
		reply := c.historyReply()
		if reply.Room != room || reply.Before != before {
			t.Fatalf("history of %s before %d: the reply is about %s before %d", room, before, reply.Room, reply.Before)
		}
		if err := checkPage(reply.Messages, before); err != nil {
			t.Fatalf("history of %s before %d: %v", room, before, err)
		}
		for _, m := range reply.Messages {
			all[m.Seq] = m.Content
		}
		if !reply.More || len(reply.Messages) == 0 {
			return all
		}
		before = reply.Messages[0].Seq
	}
	t.Fatalf("history of %s: more than 1000 pages", room)
	return nil
}

// historyReply reads until a history reply, and fails the test on an
// error reply instead.
func (c *roomClient) historyReply() *model.ChatRoomRequest {
	c.t.Helper()
	for range 10000 {
		m, err := read(c.t, c.ws)
		if err != nil {
			c.t.Fatalf("waiting for a history page: %v", err)
		}
		switch m.Type {
		case model.TypeHistory:
			return m
		case model.TypeError:
			c.t.Fatalf("history refused: %s (room %q)", m.Content, m.Room)
		}
	}
	c.t.Fatal("no history reply in 10000 messages")
	return nil
}

// checkPage says what is wrong with a history page asked for before
// `before` (0: the newest): talks in increasing seq order, all below it.
func checkPage(msgs []*model.ChatRoomRequest, before uint64) error {
	var last uint64
	for _, m := range msgs {
		switch {
		case m.Type != model.TypeTalk:
			return fmt.Errorf("a %s in a history page", m.Type)
		case m.Seq <= last:
			return fmt.Errorf("seq %d after %d", m.Seq, last)
		case before != 0 && m.Seq >= before:
			return fmt.Errorf("seq %d not below %d", m.Seq, before)
		}
		last = m.Seq
	}
	return nil
}
