package main

// A short real run against a real Centrifugo, when one is on this machine
// (bench/compare.sh caches it; tests never download it): the binary named
// by $CENTRIFUGO, or the one in $(go env GOPATH)/bin.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chatroom/internal/poll"
)

// centrifugoBinary is the Centrifugo to run, or "" if there is none.
func centrifugoBinary(t *testing.T) string {
	if bin := os.Getenv("CENTRIFUGO"); bin != "" {
		return bin
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	bin := filepath.Join(strings.TrimSpace(string(out)), "bin", "centrifugo")
	if _, err := os.Stat(bin); err != nil {
		return ""
	}
	return bin
}

// startCentrifugo starts Centrifugo on a loopback port with the benchmark's
// config (insecure client mode, publish allowed) and returns its
// WebSocket URL; it is stopped when the test ends.
func startCentrifugo(t *testing.T, bin string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // Centrifugo takes the port; another process might first, then the test fails clearly
	dir := t.TempDir()
	config := fmt.Sprintf(`{"log": {"level": "error"}, "http_server": {"address": "127.0.0.1", "port": %d},
		"client": {"insecure": true, "allowed_origins": ["*"]},
		"channel": {"without_namespace": {"allow_subscribe_for_client": true, "allow_publish_for_client": true}}}`, port)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "config.json"))
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	poll.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	})
	return "ws://" + addr + "/connection/websocket"
}

// Every talk published reaches every subscriber, idle users answer the
// pings, and the connect scenario's visits complete.
func TestCentrifugoRealServer(t *testing.T) {
	bin := centrifugoBinary(t)
	if bin == "" {
		t.Skip("no Centrifugo here: set CENTRIFUGO, or run bench/compare.sh once (it builds one into $(go env GOPATH)/bin)")
	}
	url := startCentrifugo(t, bin)
	sum := runOK(t, opts(t, "-url", url, "-protocol", "centrifugo", "-scenario", "fanout", "-clients", "20", "-senders", "5", "-rate", "100", "-duration", "1s", "-ramp", "100ms", "-drain", "5s"))
	if sum.TalksSent < 50 || sum.Lost != 0 || sum.Deliveries != 20*sum.TalksSent || sum.TalksRefused != 0 {
		t.Fatalf("fanout: %d sent, %d refused, %d delivered, %d lost", sum.TalksSent, sum.TalksRefused, sum.Deliveries, sum.Lost)
	}
	idle := runOK(t, opts(t, "-url", url, "-protocol", "centrifugo", "-scenario", "idle", "-clients", "20", "-duration", "100ms", "-ramp", "0"))
	if idle.AllJoinedSec <= 0 || idle.NotJoined != 0 {
		t.Fatalf("idle: all joined after %.2f s, %d not joined", idle.AllJoinedSec, idle.NotJoined)
	}
	visits := runOK(t, opts(t, "-url", url, "-protocol", "centrifugo", "-scenario", "connect", "-concurrency", "4", "-duration", "300ms"))
	if visits.Connected < 10 {
		t.Fatalf("connect: %d visits", visits.Connected)
	}
}
