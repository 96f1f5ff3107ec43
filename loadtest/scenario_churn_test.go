package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

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
	if s := srv.Hub.Stats(); s.LocalMembers != 0 {
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
