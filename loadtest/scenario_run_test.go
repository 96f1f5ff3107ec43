package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/chattest"
)

// startServer starts a real chat server on a loopback port, with the limits
// meant for people off: every client here is on 127.0.0.1 and the tool
// sends faster than people type.
func startServer(t *testing.T, change ...func(*config.Server)) *chattest.Server {
	t.Helper()
	cfg := config.DefaultServer()
	cfg.MsgRate = 0
	cfg.MaxConnsPerIP = 0
	cfg.JoinRatePerIP = 0
	cfg.MsgRatePerIP = 0
	cfg.UserListRatePerIP = 0
	cfg.UserListInterval = 0
	cfg.Rooms.MaxRoomsPerIP = 0
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
	if s := srv.Hub.Stats(); s.LocalMembers != 0 {
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
