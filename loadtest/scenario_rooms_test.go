package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// The rooms scenario against a real server on a loopback socket, in both
// framings: 30 users in 6 rooms, 2 each (10 members a room); every talk
// reaches every member of its room exactly once and no one else.
func TestRoomsScenario(t *testing.T) {
	srv := startServer(t)
	for _, proto := range []string{protoV1, protoV2} {
		sum := runOK(t, opts(t, "-url", srv.URL, "-protocol", proto, "-scenario", "rooms", "-clients", "30", "-rooms", "6", "-rooms-per-user", "2",
			"-senders", "6", "-rate", "60", "-duration", "1s", "-ramp", "100ms"))
		c := sum.Rooms
		if c == nil || c.Rooms != 6 || c.PerUser != 2 || sum.Senders != 6 || sum.TalksSent < 40 {
			t.Fatalf("rooms %s: %+v, %+v", proto, sum, c)
		}
		if sum.Lost != 0 || c.wrong() != 0 || c.Expected != 10*sum.TalksSent || c.Received != c.Expected || sum.Deliveries != c.Expected {
			t.Fatalf("rooms %s: %d talks sent, %d deliveries expected, %d received once (%d in all), %d lost, %d duplicates, %d to non-members, %d in the wrong room",
				proto, sum.TalksSent, c.Expected, c.Received, sum.Deliveries, sum.Lost, c.Duplicates, c.NonMember, c.WrongRoom)
		}
		if sum.LatencyMs.P50 <= 0 || sum.LatencyMs.Max < sum.LatencyMs.P99 {
			t.Fatalf("rooms %s: latency %+v", proto, sum.LatencyMs)
		}
	}
	var out strings.Builder
	(&summary{Scenario: "rooms", Rooms: &roomCounts{Rooms: 100, PerUser: 5, Expected: 300, Received: 299, Duplicates: 1, NonMember: 2, WrongRoom: 3}}).print(&out)
	for _, line := range []string{
		"rooms              100, each user in 5\n",
		"expected           300 deliveries (every talk to every member of its room), 299 received\n",
		"duplicates         1\n",
		"to non-members     2 (wrong room field 3)\n",
	} {
		if !strings.Contains(out.String(), line) {
			t.Fatalf("summary has no line %q:\n%s", line, out.String())
		}
	}
}

// A handshake the server refuses for its rooms (here: more rooms than a
// connection may be in) is a connect failure with the server's reason.
func TestRoomsRefusedAreCounted(t *testing.T) {
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := opts(t, "-url", srv.URL, "-scenario", "rooms", "-clients", "2", "-rooms", "60", "-rooms-per-user", "51", "-senders", "1",
		"-duration", "200ms", "-ramp", "10ms", "-drain", "1s")
	sum, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ConnectFailures != 2 || sum.Errors["handshake refused: 400 Bad Request: too many rooms: at most 50 per connection"] != 2 {
		t.Fatalf("%+v", sum)
	}
}

// Several processes: each child sends its counts by room and learns what
// all sent to each; the parent merges the rooms' counts. The children are
// this test binary, run as the command (see TestMain).
func TestRoomsProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("children start sending 10 s after launch")
	}
	srv := startServer(t)
	t.Setenv(runAsCommandEnv, "1")
	o := opts(t, "-url", srv.URL, "-scenario", "rooms", "-clients", "6", "-rooms", "3", "-rooms-per-user", "2",
		"-senders", "3", "-rate", "30", "-duration", "1s", "-ramp", "50ms", "-per-process", "4")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := runProcesses(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := sum.Rooms
	if sum.Processes != 2 || sum.Connected != 6 || sum.ConnectFailures+sum.FailedClients != 0 || len(sum.Errors) != 0 || c == nil {
		t.Fatalf("%+v", sum)
	}
	// 6 users in 3 rooms, 2 each: 4 members a room.
	if sum.TalksSent < 15 || sum.Lost != 0 || c.wrong() != 0 || c.Expected != 4*sum.TalksSent || c.Received != c.Expected {
		t.Fatalf("%d talks sent: %+v, lost %d", sum.TalksSent, c, sum.Lost)
	}
}
