package session_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/chattest"
	"chatroom/internal/faultnet"
	"chatroom/internal/poll"
	"chatroom/model"
	"chatroom/service"
	"chatroom/service/session"
)

const waitTime = 10 * time.Second

// recorder collects a session's events. wait looks only at events after
// the one the previous wait matched.
type recorder struct {
	mu     sync.Mutex
	events []session.Event
	next   int
}

func (r *recorder) add(e session.Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }

func (r *recorder) wait(t testing.TB, what string, match func(session.Event) bool) session.Event {
	t.Helper()
	var found session.Event
	poll.CheckFor(t, waitTime, 2*time.Millisecond, func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		for ; r.next < len(r.events); r.next++ {
			if e := r.events[r.next]; match(e) {
				r.next++
				found = e
				return nil
			}
		}
		return fmt.Errorf("no %s among %d events", what, len(r.events))
	})
	return found
}

func (r *recorder) talks() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if tk, ok := e.(session.Talk); ok {
			out = append(out, tk.Msg.Content)
		}
	}
	return out
}

func state(s session.State) func(session.Event) bool {
	return func(e session.Event) bool { sc, ok := e.(session.StateChanged); return ok && sc.State == s }
}

// talk matches the talk with this content.
func talk(content string) func(session.Event) bool {
	return func(e session.Event) bool { tk, ok := e.(session.Talk); return ok && tk.Msg.Content == content }
}

func run(t *testing.T, cfg session.Config) (*session.Session, *recorder, chan error) {
	t.Helper()
	rec := &recorder{}
	s := session.New(cfg, rec.add)
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
	srv := chattest.Start(t, config.DefaultServer(), "")
	a, arec, adone := run(t, session.Config{URL: srv.URL, Username: "张三"})
	arec.wait(t, "a connected", state(session.Connected))
	_, brec, _ := run(t, session.Config{URL: srv.URL}) // a guest
	ev := brec.wait(t, "b connected", state(session.Connected)).(session.StateChanged)
	if !strings.HasPrefix(ev.Name, "guest-") {
		t.Fatalf("guest got name %q", ev.Name)
	}
	arec.wait(t, "b's join", joinedIn(ev.Name))
	if err := a.Send("你好"); err != nil {
		t.Fatal(err)
	}
	brec.wait(t, "the talk", func(e session.Event) bool {
		tk, ok := e.(session.Talk)
		return ok && tk.Msg.Content == "你好" && tk.Msg.UserName == "张三"
	})
	if err := a.RequestUserList(); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "the user list", func(e session.Event) bool { ul, ok := e.(session.UserList); return ok && len(ul.Users) == 2 })
	a.Close()
	if err := <-adone; err != nil {
		t.Fatalf("Run after Close: %v", err)
	}
	brec.wait(t, "a's leave", leftFrom("张三"))
	if err := a.Send("late"); !errors.Is(err, session.ErrNotConnected) {
		t.Fatalf("send after close: %v", err)
	}
}

func TestSessionRefusedNameIsFinal(t *testing.T) {
	srv := chattest.Start(t, config.DefaultServer(), "")
	_, arec, _ := run(t, session.Config{URL: srv.URL, Username: "bob"})
	arec.wait(t, "first bob", state(session.Connected))
	_, _, done := run(t, session.Config{URL: srv.URL, Username: "bob", Reconnect: true})
	err := <-done
	var refused *session.RefusedError
	if !errors.As(err, &refused) || !refused.NameTaken() || refused.Reason != config.RefuseNameTaken {
		t.Fatalf("second bob: %v", err)
	}
}

// The server goes away and comes back on the same data dir: the session
// reconnects by itself and catches up from the last seq it saw, which the
// restarted server goes on from, so what bob says there before alice is
// back reaches her, and nothing is shown twice.
func TestSessionReconnects(t *testing.T) {
	dir := t.TempDir()
	srv := chattest.StartStored(t, config.DefaultServer(), "", dir)
	addr := srv.Addr
	s, rec, _ := run(t, session.Config{URL: "ws://" + addr + "/ws", Username: "alice", Reconnect: true, MinBackoff: 20 * time.Millisecond})
	rec.wait(t, "connected", state(session.Connected))
	if err := s.Send("one"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "one", talk("one"))
	srv.Stop()
	ev := rec.wait(t, "reconnecting", state(session.Reconnecting)).(session.StateChanged)
	var closed *session.ClosedError
	if !errors.As(ev.Err, &closed) || closed.Code != websocket.CloseGoingAway {
		t.Fatalf("reconnecting because %v", ev.Err)
	}
	srv2 := chattest.StartStored(t, config.DefaultServer(), addr, dir)
	bob, brec, _ := run(t, session.Config{URL: srv2.URL, Username: "bob"})
	brec.wait(t, "bob connected", state(session.Connected))
	if err := bob.Send("said on the new server"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "connected again", func(e session.Event) bool {
		sc, ok := e.(session.StateChanged)
		return ok && sc.State == session.Connected && sc.Name == "alice"
	})
	rec.wait(t, "bob's talk", talk("said on the new server"))
	if err := s.Send("two"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "two", talk("two"))
	if got := strings.Join(rec.talks(), ","); got != "one,said on the new server,two" {
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
	_, rec, done := run(t, session.Config{URL: "ws://" + ln.Addr().String() + "/ws", Username: "x", PingInterval: 20 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	rec.wait(t, "connected", state(session.Connected))
	if err := <-done; !errors.Is(err, session.ErrNoHeartbeat) {
		t.Fatalf("Run ended with %v, want no heartbeat", err)
	}
}

// The connection drops while the server keeps running: the session
// reconnects and catches up from the last seq it saw, so what was said
// meanwhile is shown, and nothing twice.
func TestSessionReconnectShowsNothingTwice(t *testing.T) {
	srv := chattest.Start(t, config.DefaultServer(), "")
	link := faultnet.New(t, srv.Addr)
	s, rec, _ := run(t, session.Config{URL: "ws://" + link.Addr() + "/ws", Username: "alice", Reconnect: true, MinBackoff: 50 * time.Millisecond})
	rec.wait(t, "connected", state(session.Connected))
	other, orec, _ := run(t, session.Config{URL: srv.URL, Username: "bob"})
	orec.wait(t, "bob connected", state(session.Connected))
	for _, m := range []string{"a1", "a2"} {
		if err := s.Send(m); err != nil {
			t.Fatal(err)
		}
		rec.wait(t, m, talk(m))
	}
	link.Cut()
	rec.wait(t, "reconnecting", state(session.Reconnecting))
	// bob speaks while alice is away; the server may not even know yet.
	if err := other.Send("while away"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "connected again", state(session.Connected))
	rec.wait(t, "what was said meanwhile", talk("while away"))
	if err := s.Send("a3"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "a3", talk("a3"))
	if got := strings.Join(rec.talks(), ","); got != "a1,a2,while away,a3" {
		t.Fatalf("talks shown: %s", got)
	}
}

// A quiet room is not a dead connection: pongs keep it alive.
func TestSessionPongsKeepAQuietConnection(t *testing.T) {
	srv := chattest.Start(t, config.DefaultServer(), "")
	// The timeout leaves a slow CI machine under -race time to answer
	// (100 ms did not); a connection without pongs still dies in one.
	const timeout = 500 * time.Millisecond
	_, rec, _ := run(t, session.Config{URL: srv.URL, Username: "quiet", PingInterval: 50 * time.Millisecond, PongTimeout: timeout})
	rec.wait(t, "connected", state(session.Connected))
	<-time.After(4 * timeout) // four pong timeouts of silence
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.events {
		if sc, ok := e.(session.StateChanged); ok && sc.State != session.Connecting && sc.State != session.Connected {
			t.Fatalf("a quiet connection was dropped: %+v", sc)
		}
	}
}

// A server with -auth-secret, reached over wss:// with a token.
func TestSessionTokenOverTLS(t *testing.T) {
	cfg := config.DefaultServer()
	cfg.AuthSecret = "test-secret"
	srv := chattest.Start(t, cfg, "")
	ts := httptest.NewUnstartedServer(srv.Chat) // the same chat endpoint, behind TLS
	ts.StartTLS()
	t.Cleanup(ts.Close)
	wss := "wss" + strings.TrimPrefix(ts.URL, "https") + "/ws"
	tlsConf := ts.Client().Transport.(*http.Transport).TLSClientConfig

	// No token: refused with the reason.
	_, _, done := run(t, session.Config{URL: wss, Username: "alice", TLS: tlsConf})
	var refused *session.RefusedError
	if err := <-done; !errors.As(err, &refused) || refused.Status != http.StatusUnauthorized || !strings.Contains(refused.Reason, "authentication required") {
		t.Fatalf("without a token: %v", err)
	}
	token, err := service.MintToken([]byte(cfg.AuthSecret), "alice", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a, arec, _ := run(t, session.Config{URL: wss, Username: "alice", Token: token, TLS: tlsConf})
	arec.wait(t, "alice connected", state(session.Connected))
	if err := a.Send("安全"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "alice's talk", func(e session.Event) bool { tk, ok := e.(session.Talk); return ok && tk.Msg.Content == "安全" })
}
