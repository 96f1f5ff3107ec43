package chatserver

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// Attacks on catch-up: the handshake's since, garbled or many, and since
// far in the past on many rooms from many connections at once.

// Garbled, repeated or far-off since values: each is refused with 400 and
// a reason, or taken: a since beyond every seq given is a gap and the
// room's last talks (its history was reset), one of a room not joined is
// ignored. The server answers each, and the probe comes back.
func TestAttackHistoryCatchUpGarbledSince(t *testing.T) {
	r := start(t, "-log-stderr=false")
	ann := dialRoomsFrom(t, bystanderAddr, r.addr, "ann")
	ann.say("", "first")
	ann.untilTalk("first")
	bad := []string{"lobby", "lobby:", ":1", "lobby:-1", "lobby:x", "lobby:18446744073709551616", "lob by:1", "lobby:1:2", "\x00:1",
		strings.Repeat("lobby:1,", 257) + "lobby:1", strings.Repeat("x", 8000) + ":1"}
	for _, s := range bad {
		status, reason, _ := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws?"+url.Values{"since": {s}}.Encode(), http.Header{"Username": {"mal"}})
		if status != http.StatusBadRequest || reason == "" {
			t.Errorf("since %.40q: %d %q, want 400 with a reason", s, status, reason)
		}
		t.Logf("since %.40q: %d %.100s", s, status, reason)
	}
	h := http.Header{"Username": {"mal"}, "Since": {"lobby:bad"}}
	if status, reason, _ := handshake(t, dialerFrom(attackerAddr), "ws://"+r.addr+"/ws?since=lobby:1", h); status != http.StatusBadRequest {
		t.Errorf("a good since in the query, a bad one in the header: %d %q", status, reason)
	}
	for _, s := range []string{"lobby:18446744073709551615", "lobby:9223372036854775808", "other:1", "lobby:0"} {
		q := url.Values{"since": {s, "lobby:999999"}}
		if s == "lobby:0" {
			q = url.Values{"since": {s}}
		}
		c := dialSinceQuery(t, r.addr, q)
		c.say("", "probe "+s)
		got, before := c.untilTalk("probe " + s)
		t.Logf("since %v: %d talks before the probe (seq %d)", q["since"], len(before), got.Seq)
	}
}

// dialSinceQuery connects from the attacker's address with the query q
// and reads up to the lobby's user list.
func dialSinceQuery(t *testing.T, addr string, q url.Values) *roomClient {
	t.Helper()
	ws, _, err := dialerFrom(attackerAddr).Dial("ws://"+addr+"/ws?"+q.Encode(), nil)
	if err != nil {
		t.Fatalf("dial with %v: %v", q, err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &roomClient{t: t, name: "guest", ws: ws}
	c.until(model.TypeUserList)
	return c
}

// heapPeak samples the process's heap every 20 ms until stop and sends
// the highest on the result channel.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// Connections from one address that each start in 20 rooms of 1,100
// talks of 4 KB saying they saw each from seq 1, as many as the join
// budget of the address lets in at once (100 rooms): the bytes they are
// sent for their request, the server's heap, and a bystander's round trip
// are printed, with readers and with connections that never read.
func TestAttackHistoryCatchUpStorm(t *testing.T) {
	dir := t.TempDir()
	var rooms []string
	for i := range 20 {
		rooms = append(rooms, fmt.Sprint("r", i))
	}
	fillStore(t, dir, 1100, 4000, rooms...)
	for _, reading := range []bool{true, false} {
		r := start(t, "-data-dir", dir, "-log-stderr=false")
		by := dialRoomsFrom(t, bystanderAddr, r.addr, "bystander", "quiet")
		base := by.echoes("quiet", 20)
		q := url.Values{"room": rooms}
		for _, room := range rooms {
			q.Add("since", room+":1")
		}
		u := "ws://" + r.addr + "/ws?" + q.Encode()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		stop := make(chan struct{})
		peak := heapPeak(stop)
		var wg sync.WaitGroup
		var mu sync.Mutex
		received, conns := 0, 0
		for range 5 {
			ws, _, err := dialerFrom(attackerAddr).Dial(u, nil)
			if err != nil {
				t.Logf("dial: %v", err)
				continue
			}
			conns++
			t.Cleanup(func() { ws.Close() })
			if reading {
				wg.Go(func() { n := drain(ws, 2*time.Second); mu.Lock(); received += n; mu.Unlock() })
			}
		}
		under := by.echoes("quiet", 20)
		wg.Wait()
		close(stop)
		p := <-peak
		t.Logf("reading=%v: %d connections, a %d-byte request each; received %d MB; heap %d MB before, %d MB at the peak",
			reading, conns, len(u), received>>20, ms.HeapInuse>>20, p>>20)
		t.Logf("bystander's round trip: %v without, %v during", base, under)
		// Each room's catch-up is at most 1 MB of content, and the
		// frames' own bytes: before the bound, 388 MB came.
		if bound := conns * len(rooms) * (1<<20 + 64<<10); received > bound {
			t.Errorf("%d connections in %d rooms received %d bytes, more than their catch-ups' bound %d", conns, len(rooms), received, bound)
		}
		r.stop(t)
	}
}

// drain reads ws until it is quiet for quiet, and returns the bytes read.
func drain(ws *websocket.Conn, quiet time.Duration) int {
	n := 0
	for range 1_000_000 {
		ws.SetReadDeadline(time.Now().Add(quiet))
		_, b, err := ws.ReadMessage()
		if err != nil {
			return n
		}
		n += len(b)
	}
	return n
}

// A catch-up of more than a megabyte of talks (here 1,100 talks of 4 KB
// missed) is a gap and the latest talks within a megabyte, in order, up
// to the last: it was 1,000 talks (4 MB), read twice, per room.
func TestAttackHistoryCatchUpIsBounded(t *testing.T) {
	dir := t.TempDir()
	last := fillStore(t, dir, 1100, 4000, "big")
	r := start(t, "-data-dir", dir, "-log-stderr=false")
	c := dialSinceQuery(t, r.addr, url.Values{"room": {"big"}, "since": {"big:1"}})
	gap := c.until(model.TypeGap)
	if gap.Room != "big" || !strings.Contains(gap.Content, "since you left") {
		t.Fatalf("the gap: %v", gap)
	}
	size, seq := 0, uint64(0)
	for seq < last {
		h := c.until(model.TypeHistory)
		for _, m := range h.Messages {
			if m.Seq <= seq {
				t.Fatalf("seq %d after %d", m.Seq, seq)
			}
			seq = m.Seq
			size += len(m.Content)
		}
	}
	t.Logf("gap %q (first seq %d), then %d bytes of talks up to seq %d", gap.Content, gap.Seq, size, seq)
	if size > 1<<20 {
		t.Errorf("a catch-up of %d bytes", size)
	}
	req := &model.ChatRoomRequest{Type: model.TypeHistory, Room: "big", Limit: 200, Before: 1000}
	p, _ := c.roundTrip(req, model.TypeHistory)
	t.Logf("a page of 4 KB talks: %d talks, %d bytes of content, for a %d-byte request", len(p.Messages), contentBytes(p), len(model.Encode(req)))
}
