package service_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/model"
	"chatroom/service"
)

const waitTime = 10 * time.Second

// server is a real chat server that can be stopped and started again on
// the same port.
type server struct {
	t    *testing.T
	addr string
	stop func()
}

func startServer(t *testing.T, addr string) *server {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	cfg := config.DefaultServer()
	room, err := service.NewRoom(service.NewMemoryBroker(), service.RoomConfig{History: 50, Presence: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	chat := ctrl.NewServer(cfg, room, log)
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", chat)
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	var once sync.Once
	s := &server{t: t, addr: ln.Addr().String()}
	s.stop = func() {
		once.Do(func() {
			hs.Close()
			ctx, cancel := context.WithTimeout(context.Background(), waitTime)
			defer cancel()
			chat.Shutdown(ctx)
		})
	}
	t.Cleanup(s.stop)
	return s
}

// recorder collects a session's events. wait looks only at events after
// the one the previous wait matched.
type recorder struct {
	mu     sync.Mutex
	events []service.Event
	next   int
}

func (r *recorder) add(e service.Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }

func (r *recorder) wait(t *testing.T, what string, match func(service.Event) bool) service.Event {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		r.mu.Lock()
		for ; r.next < len(r.events); r.next++ {
			if e := r.events[r.next]; match(e) {
				r.next++
				r.mu.Unlock()
				return e
			}
		}
		r.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func (r *recorder) talks() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if tk, ok := e.(service.Talk); ok {
			out = append(out, tk.Msg.Content)
		}
	}
	return out
}

func state(s service.State) func(service.Event) bool {
	return func(e service.Event) bool { sc, ok := e.(service.StateChanged); return ok && sc.State == s }
}

func run(t *testing.T, cfg service.SessionConfig) (*service.Session, *recorder, chan error) {
	t.Helper()
	rec := &recorder{}
	s := service.NewSession(cfg, rec.add)
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()); close(done) }()
	t.Cleanup(func() {
		s.Close()
		select {
		case <-done:
		case <-time.After(waitTime):
			t.Error("session did not end")
		}
	})
	return s, rec, done
}

func TestSessionChatsAndSaysGoodbye(t *testing.T) {
	srv := startServer(t, "")
	a, arec, adone := run(t, service.SessionConfig{URL: "ws://" + srv.addr + "/ws", Username: "张三"})
	arec.wait(t, "a connected", state(service.Connected))
	_, brec, _ := run(t, service.SessionConfig{URL: "ws://" + srv.addr + "/ws"}) // a guest
	ev := brec.wait(t, "b connected", state(service.Connected)).(service.StateChanged)
	if !strings.HasPrefix(ev.Name, "guest-") {
		t.Fatalf("guest got name %q", ev.Name)
	}
	arec.wait(t, "b's join", func(e service.Event) bool { j, ok := e.(service.Joined); return ok && j.Msg.UserName == ev.Name })
	if err := a.Send("你好"); err != nil {
		t.Fatal(err)
	}
	brec.wait(t, "the talk", func(e service.Event) bool {
		tk, ok := e.(service.Talk)
		return ok && tk.Msg.Content == "你好" && tk.Msg.UserName == "张三"
	})
	if err := a.RequestUserList(); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "the user list", func(e service.Event) bool { ul, ok := e.(service.UserList); return ok && len(ul.Users) == 2 })
	a.Close()
	if err := <-adone; err != nil {
		t.Fatalf("Run after Close: %v", err)
	}
	brec.wait(t, "a's leave", func(e service.Event) bool { l, ok := e.(service.Left); return ok && l.Msg.UserName == "张三" })
	if err := a.Send("late"); !errors.Is(err, service.ErrNotConnected) {
		t.Fatalf("send after close: %v", err)
	}
}

func TestSessionRefusedNameIsFinal(t *testing.T) {
	srv := startServer(t, "")
	_, arec, _ := run(t, service.SessionConfig{URL: "ws://" + srv.addr + "/ws", Username: "bob"})
	arec.wait(t, "first bob", state(service.Connected))
	_, _, done := run(t, service.SessionConfig{URL: "ws://" + srv.addr + "/ws", Username: "bob", Reconnect: true})
	err := <-done
	var refused *service.RefusedError
	if !errors.As(err, &refused) || !refused.NameTaken() || refused.Reason != config.ErrUsernameTaken {
		t.Fatalf("second bob: %v", err)
	}
}

// The server goes away and comes back: the session reconnects by itself,
// and the history it already showed is not shown twice.
func TestSessionReconnects(t *testing.T) {
	srv := startServer(t, "")
	addr := srv.addr
	s, rec, _ := run(t, service.SessionConfig{URL: "ws://" + addr + "/ws", Username: "alice", Reconnect: true, MinBackoff: 20 * time.Millisecond})
	rec.wait(t, "connected", state(service.Connected))
	if err := s.Send("one"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "one", func(e service.Event) bool { tk, ok := e.(service.Talk); return ok && tk.Msg.Content == "one" })
	srv.stop()
	ev := rec.wait(t, "reconnecting", state(service.Reconnecting)).(service.StateChanged)
	var closed *service.ClosedError
	if !errors.As(ev.Err, &closed) || closed.Code != websocket.CloseGoingAway {
		t.Fatalf("reconnecting because %v", ev.Err)
	}
	srv2 := startServer(t, addr)
	_ = srv2
	rec.wait(t, "connected again", func(e service.Event) bool {
		sc, ok := e.(service.StateChanged)
		return ok && sc.State == service.Connected && sc.Name == "alice"
	})
	if err := s.Send("two"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "two", func(e service.Event) bool { tk, ok := e.(service.Talk); return ok && tk.Msg.Content == "two" })
	if got := strings.Join(rec.talks(), ","); got != "one,two" {
		t.Fatalf("talks shown: %s", got)
	}
}

// A server that accepts and then goes silent is noticed by the heartbeat.
func TestSessionHeartbeat(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeJoin, UserName: "x"}))
		<-stuck // never reads, so never answers a ping
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	defer hs.Close()
	_, rec, done := run(t, service.SessionConfig{URL: "ws://" + ln.Addr().String() + "/ws", Username: "x", PingInterval: 20 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	rec.wait(t, "connected", state(service.Connected))
	if err := <-done; !errors.Is(err, service.ErrNoHeartbeat) {
		t.Fatalf("Run ended with %v, want no heartbeat", err)
	}
}
