package chatserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// The program's course: health, graceful shutdown, signals, exit codes.

func TestHealthz(t *testing.T) {
	r := start(t)
	resp, err := http.Get("http://" + r.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// Graceful shutdown: every client gets what is still queued for it, then
// 1001. bob reads nothing until the server is told to stop: 18 MB of talks
// are more than the socket buffers hold, so most wait in his send queue.
func TestGracefulShutdown(t *testing.T) {
	// alice floods on purpose; bob reads nothing for a while, however slow
	// a loaded machine makes that. No store: indexing 300 talks of 20,000
	// Chinese characters for search is not what this tests (a store's clean
	// shutdown is TestHistorySurvivesRestart's).
	r := start(t, "-data-dir", "", "-max-content", "60000", "-msg-rate", "0", "-msg-rate-per-ip", "0", "-write-timeout", "60s", "-shutdown-timeout", "60s")
	a := dial(t, r.addr, "alice")
	b := dial(t, r.addr, "bob")
	const talks = 300
	text := strings.Repeat("字", 20000)
	go func() {
		for range talks {
			a.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: text}))
		}
	}()
	// alice's echo of the last talk means bob's copy is queued too.
	for n := 0; n < talks; {
		m, err := read(t, a)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == model.TypeTalk {
			n++
		}
	}
	r.cancel()
	got := 0
	for {
		m, err := read(t, b)
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != websocket.CloseGoingAway || ce.Text != "server shutting down" {
				t.Fatalf("close %d %q", ce.Code, ce.Text)
			}
			break
		}
		if err != nil {
			t.Fatalf("after %d talks: %v", got, err)
		}
		if m.Type == model.TypeTalk {
			got++
		}
	}
	if got != talks {
		t.Fatalf("bob got %d of %d talks before the close", got, talks)
	}
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if _, err := net.Dial("tcp", r.addr); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

// A real SIGTERM to this process is caught and shuts the server down.
func TestSIGTERM(t *testing.T) {
	r := start(t)
	ws := dial(t, r.addr, "alice")
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := read(t, ws)
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code == websocket.CloseGoingAway {
			break
		}
		if err != nil {
			t.Fatalf("want close 1001, got %v", err)
		}
	}
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

func TestExitCodes(t *testing.T) {
	var out bytes.Buffer
	if c := Run(context.Background(), []string{"-h"}, noEnv, &out, nil); c != 0 || !strings.Contains(out.String(), "CHATROOM_") {
		t.Fatalf("-h: %d %q", c, out.String())
	}
	out.Reset()
	if c := Run(context.Background(), []string{"-history", "x"}, noEnv, &out, nil); c != 2 {
		t.Fatalf("bad flag: exit %d", c)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out.Reset()
	c := Run(context.Background(), []string{"-addr", ln.Addr().String(), "-log-dir", t.TempDir()}, noEnv, &out, nil)
	if c != 1 || !strings.Contains(out.String(), "cannot listen") {
		t.Fatalf("port in use: exit %d, %q", c, out.String())
	}
	// With the log kept off the terminal, why the start failed still
	// reaches it.
	out.Reset()
	c = Run(context.Background(), []string{"-addr", ln.Addr().String(), "-log-dir", t.TempDir(), "-log-stderr=false"}, noEnv, &out, nil)
	if c != 1 || !strings.Contains(out.String(), "cannot listen") {
		t.Fatalf("port in use, -log-stderr=false: exit %d, %q", c, out.String())
	}
}

// -h names the token subcommand too; the start line names the process, so
// that a load test's -pid can be exact.
func TestHelpAndStartLine(t *testing.T) {
	var out bytes.Buffer
	if c := Run(context.Background(), []string{"-h"}, noEnv, &out, nil); c != 0 || !strings.Contains(out.String(), "server token -sub NAME") {
		t.Fatalf("-h: exit %d, no token subcommand in %q", c, out.String())
	}
	r := start(t)
	if want := fmt.Sprintf("pid=%d ", os.Getpid()); !strings.Contains(r.stderr.String(), want) {
		t.Fatalf("the start line has no %q: %s", want, r.stderr)
	}
}
