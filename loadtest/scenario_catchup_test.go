package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"chatroom/config"
)

// The catchup scenario, short, against a real server on a loopback
// socket, in both framings: 24 users in 4 rooms, 2 each, talking while a
// quarter of them go away (half abruptly) every 600 ms for 400 ms and come
// back with since; each then holds every talk of its rooms once, in order.
func TestCatchupScenario(t *testing.T) {
	srv := startServer(t)
	for _, proto := range []string{protoV1, protoV2} {
		sum := runOK(t, opts(t, "-url", srv.URL, "-protocol", proto, "-scenario", "catchup", "-clients", "24", "-rooms", "4", "-rooms-per-user", "2",
			"-senders", "24", "-rate", "120", "-duration", "3s", "-ramp", "100ms", "-drop-every", "600ms", "-drop-share", "0.25", "-drop-for", "400ms",
			"-drain", "15s", "-room-prefix", "catch-"+proto+"-"))
		k := sum.Catchup
		if k == nil || sum.TalksSent < 150 || k.Abrupt < 4 || k.Clean < 4 || k.Reconnects != k.Abrupt+k.Clean || k.NotBack != 0 {
			t.Fatalf("catchup %s: %+v, %+v", proto, sum, k)
		}
		if sum.Lost != 0 || k.wrong() != 0 || k.Gaps != 0 || k.GapNotices != 0 || k.Held != k.Expected || k.Expected != 12*k.RoomTalks {
			var out strings.Builder
			sum.print(&out)
			t.Fatalf("catchup %s:\n%s", proto, out.String())
		}
		if k.Replayed == 0 || k.Replays == 0 {
			t.Fatalf("catchup %s: no talk was replayed by a catch-up: %+v", proto, k)
		}
		t.Logf("catchup %s: %d talks sent, %d drops (%d abrupt), %d catch-up frames replaying %d talks, every member holds its rooms' %d talks",
			proto, sum.TalksSent, k.Abrupt+k.Clean, k.Abrupt, k.Replays, k.Replayed, k.RoomTalks)
	}
}

// A server that replays at most 3 talks to a user coming back (and keeps
// the last 2 of a room in memory) tells it of the gap: the talks it lacks
// are counted as announced by gap notices (and as lost: the command
// fails), none as unannounced gaps.
func TestCatchupScenarioCountsGapNotices(t *testing.T) {
	srv := startServer(t, func(cfg *config.Server) { cfg.Store.CatchUp, cfg.History = 3, 2 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := opts(t, "-url", srv.URL, "-scenario", "catchup", "-clients", "12", "-rooms", "2", "-rooms-per-user", "1",
		"-senders", "12", "-rate", "120", "-duration", "2s", "-ramp", "50ms", "-drop-every", "500ms", "-drop-share", "0.25", "-drop-for", "400ms",
		"-drain", "2s", "-room-prefix", "gap-")
	sum, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	k := sum.Catchup
	if k.GapNotices == 0 || k.Announced == 0 || k.Gaps != 0 || k.Duplicates+k.OutOfOrder+k.Unconfirmed != 0 || sum.Lost != k.Announced {
		var out strings.Builder
		sum.print(&out)
		t.Fatalf("with -catch-up 3:\n%s", out.String())
	}
	t.Logf("%d gap notices announced %d missing talks", k.GapNotices, k.Announced)
}
