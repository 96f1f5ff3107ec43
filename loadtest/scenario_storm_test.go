package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/chattest"
)

// readyWriter is a run's log that says when the storm's sessions are all
// connected.
type readyWriter struct {
	mu    sync.Mutex
	log   strings.Builder
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log.Write(p)
	if strings.Contains(w.log.String(), stormReady) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

// The server is stopped under 30 reconnecting sessions and started again
// on the same address: every session comes back, and the talks sent after
// reach every session exactly once.
func TestStorm(t *testing.T) {
	var cfg config.Server
	srv := startServer(t, func(c *config.Server) { cfg = *c })
	o := opts(t, "-url", srv.URL, "-scenario", "storm", "-clients", "30", "-duration", "30s", "-drain", "10s")
	log := &readyWriter{ready: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type result struct {
		sum *summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := run(ctx, o, log)
		done <- result{sum, err}
	}()
	select {
	case <-log.ready:
	case r := <-done:
		t.Fatalf("the storm ended before its sessions were all connected: %v\n%s", r.err, log.log.String())
	}
	srv.Stop()
	chattest.Start(t, cfg, srv.Addr)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	s := r.sum
	if s.Connected != 30 || s.ConnectFailures != 0 || s.FailedClients != 0 || s.Storm.Dropped != 30 || s.Storm.Back != 30 || s.Storm.ReconnectSec <= 0 {
		t.Fatalf("%+v %+v\n%s", s, s.Storm, log.log.String())
	}
	if s.TalksSent != 20 || s.Deliveries != 30*20 || s.Lost != 0 || s.Storm.Duplicates != 0 {
		t.Fatalf("%d talks sent, %d delivered to 30 sessions, %d lost, %d duplicates", s.TalksSent, s.Deliveries, s.Lost, s.Storm.Duplicates)
	}
}
