package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"chatroom/config"
	"chatroom/internal/chattest"
)

func opts(t *testing.T, args ...string) options {
	t.Helper()
	o, err := parseOptions(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// startServer starts a real chat server on a loopback port, with the limits
// meant for people off: every client here is on 127.0.0.1 and the tool
// sends faster than people type.
func startServer(t *testing.T, change ...func(*config.Server)) *chattest.Server {
	t.Helper()
	cfg := config.DefaultServer()
	cfg.MsgRate = 0
	cfg.MaxConnsPerIP = 0
	for _, f := range change {
		f(&cfg)
	}
	return chattest.Start(t, cfg, "")
}

func runOK(t *testing.T, o options) *summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ConnectFailures != 0 || sum.FailedClients != 0 || sum.ChurnFailures != 0 || len(sum.Errors) != 0 {
		t.Fatalf("%s %s: %d connect failures, %d failed clients, errors %v", o.scenario, o.proto, sum.ConnectFailures, sum.FailedClients, sum.Errors)
	}
	return sum
}

// Every scenario, against a real server on a loopback socket: nothing lost,
// every talk delivered to every user, in both framings.
func TestScenarios(t *testing.T) {
	srv := startServer(t)
	for _, proto := range []string{protoV1, protoV2} {
		sum := runOK(t, opts(t, "-url", srv.URL, "-protocol", proto, "-scenario", "seed", "-clients", "20", "-interval", "100ms", "-duration", "1s", "-ramp", "100ms"))
		if sum.TalksSent < 100 || sum.Lost != 0 || sum.Deliveries != 20*sum.TalksSent || sum.UserlistReplies < sum.TalksSent {
			t.Fatalf("seed %s: %+v", proto, sum)
		}
		if sum.LatencyMs.P50 <= 0 || sum.LatencyMs.Max < sum.LatencyMs.P99 {
			t.Fatalf("seed %s: latency %+v", proto, sum.LatencyMs)
		}
		if proto == protoV2 && sum.Frames >= sum.Deliveries+sum.UserlistReplies {
			t.Logf("seed v2: %d frames for %d messages (no batching happened)", sum.Frames, sum.Deliveries+sum.UserlistReplies)
		}
	}
	sum := runOK(t, opts(t, "-url", srv.URL, "-scenario", "fanout", "-clients", "30", "-senders", "3", "-rate", "60", "-duration", "1s", "-ramp", "100ms"))
	if sum.Senders != 3 || sum.TalksSent < 40 || sum.Lost != 0 || sum.Deliveries != 30*sum.TalksSent {
		t.Fatalf("fanout: %+v", sum)
	}
	sum = runOK(t, opts(t, "-url", srv.URL, "-scenario", "idle", "-clients", "50", "-duration", "300ms", "-ramp", "100ms", "-pid", "1"))
	if sum.Connected != 50 || sum.DurationSec < 0.3 || len(sum.ServerRSSMiB) != 3 {
		t.Fatalf("idle: %+v", sum)
	}
	sum = runOK(t, opts(t, "-url", srv.URL, "-scenario", "connect", "-concurrency", "4", "-duration", "500ms"))
	if sum.Connected < 10 || sum.ConnectsPerSec <= 0 || sum.HandshakeMs.P50 <= 0 {
		t.Fatalf("connect: %+v", sum)
	}
	if s := srv.Room.Stats(); s.LocalMembers != 0 {
		t.Fatalf("%d members left behind", s.LocalMembers)
	}
}

// A refused handshake is a connect failure with the server's reason.
func TestConnectFailuresAreCounted(t *testing.T) {
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := opts(t, "-url", srv.URL, "-scenario", "idle", "-clients", "3", "-duration", "100ms", "-ramp", "10ms", "-run-id", strings.Repeat("x", 40))
	sum, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ConnectFailures != 3 || sum.Errors["handshake refused: 400 Bad Request: username is longer than 32 characters"] != 3 {
		t.Fatalf("%+v", sum)
	}
}

// Churning users come and go while the talks are sent: the steady clients
// still get every talk, and the joins and leaves around them are not
// mistaken for talks or for loss.
func TestChurn(t *testing.T) {
	srv := startServer(t)
	for _, proto := range []string{protoV1, protoV2} {
		sum := runOK(t, opts(t, "-url", srv.URL, "-protocol", proto, "-scenario", "fanout", "-clients", "20", "-senders", "2", "-rate", "40",
			"-churn", "6", "-duration", "2s", "-ramp", "100ms"))
		if sum.TalksSent < 60 || sum.Lost != 0 || sum.Deliveries != 20*sum.TalksSent {
			t.Fatalf("churn %s: %d talks sent, %d delivered to 20 clients, %d lost", proto, sum.TalksSent, sum.Deliveries, sum.Lost)
		}
		// Each churning user completes at least the visit that sending
		// stops cut short.
		if sum.Churn != 6 || sum.ChurnCycles < 6 || sum.ChurnFailures != 0 {
			t.Fatalf("churn %s: %d users, %d visits, %d failed", proto, sum.Churn, sum.ChurnCycles, sum.ChurnFailures)
		}
	}
	if s := srv.Room.Stats(); s.LocalMembers != 0 {
		t.Fatalf("%d members left behind", s.LocalMembers)
	}
	var out strings.Builder
	(&summary{Scenario: "fanout", Churn: 3, ChurnCycles: 7, ChurnFailures: 1}).print(&out)
	if !strings.Contains(out.String(), "churn              3 users: 7 visits completed (join, stay, exit), 1 failed") {
		t.Fatalf("summary:\n%s", out.String())
	}
}

// A churning user whose visits fail (here: every name is too long) counts
// failures, reported by kind, and does not spin.
func TestChurnFailuresAreCounted(t *testing.T) {
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := opts(t, "-url", srv.URL, "-scenario", "fanout", "-clients", "2", "-senders", "1", "-rate", "10", "-churn", "1", "-duration", "500ms", "-ramp", "10ms")
	o.runID = strings.Repeat("x", 20) // load-xxx…-1 fits in 32 characters, load-xxx…-churn0-0 does not
	sum, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lost != 0 || sum.ChurnCycles != 0 || sum.ChurnFailures < 1 || sum.ChurnFailures > 10 {
		t.Fatalf("%+v", sum)
	}
	if n := sum.Errors["churn: handshake refused: 400 Bad Request: username is longer than 32 characters"]; n != int(sum.ChurnFailures) {
		t.Fatalf("errors %v", sum.Errors)
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

// runAsCommandEnv makes the test binary run as the command: TestProcesses
// starts it as its child processes.
const runAsCommandEnv = "LOADTEST_TEST_RUN_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCommandEnv) == "1" {
		os.Exit(realMain())
	}
	goleak.VerifyTestMain(m)
}
