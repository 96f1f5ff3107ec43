package main

import (
	"strings"
	"testing"
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
