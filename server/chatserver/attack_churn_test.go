package chatserver

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/model"
)

// Attack 6 of issue 15: one address churns chat connections as fast as it
// can (each a join and a leave broadcast to everyone), or floods the room
// from many connections that each keep to the per-connection rate. Each
// address now has a rate of new chat connections and a message rate that
// all its connections share.

func TestAttack6ConnectionChurn(t *testing.T) {
	r := start(t, "-max-conns", "64")
	def := config.DefaultServer()
	url := "ws://" + r.addr + "/ws"
	const workers, each = 4, 100
	var accepted, limited, other atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for range workers {
		wg.Go(func() {
			d := dialerFrom(attackerAddr)
			for range each {
				churnOnce(d, url, &accepted, &limited, &other)
			}
		})
	}
	// While the attacker churns, a user from another address gets in and
	// talks.
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		n := accepted.Load() + limited.Load() + other.Load()
		return poll.Check(n >= workers*each/3, "the churn to be under way (%d handshakes)", n)
	})
	rtt, err := bystanderRoundTrip(r.addr, "bystander")
	wg.Wait()
	elapsed := time.Since(began)
	if err != nil {
		t.Fatalf("the bystander from %s could not talk during the churn: %v", bystanderAddr, err)
	}
	t.Logf("bystander's round trip during the churn: %v", rtt)
	t.Logf("attacker from %s: %d handshakes in %v: %d accepted (%.0f/s), %d refused with 429, %d otherwise",
		attackerAddr, workers*each, elapsed.Round(time.Millisecond), accepted.Load(), float64(accepted.Load())/elapsed.Seconds(), limited.Load(), other.Load())
	allowed := float64(def.JoinBurstPerIP) + 1.5*def.JoinRatePerIP*elapsed.Seconds() + 10
	if float64(accepted.Load()) > allowed {
		t.Fatalf("the attacker churned %d chat connections in %v; -join-burst-per-ip %d and -join-rate-per-ip %v allow about %.0f",
			accepted.Load(), elapsed, def.JoinBurstPerIP, def.JoinRatePerIP, allowed)
	}
	if other.Load() != 0 {
		t.Errorf("%d handshakes ended otherwise than with 101 or 429 %q", other.Load(), config.RefuseJoinRate)
	}
	// A browser is told in band: an error frame with the reason, and the
	// close code of a refusal with 429.
	checkJoinRateInBand(t, url)
	if got := scrape(t, nil, r.metrics, `chatroom_handshakes_total{result="join_rate"}`); got < float64(limited.Load()) {
		t.Errorf("chatroom_handshakes_total{result=\"join_rate\"} is %v, want at least %d", got, limited.Load())
	}
	if n := strings.Count(r.stderr.String(), config.RefuseJoinRate); n < 1 {
		t.Error("no log line about the refused handshakes")
	} else {
		t.Logf("%d log lines about the refused handshakes", n)
	}
}

// churnOnce opens a chat connection with d and closes it at once, and
// counts the handshake as accepted, limited (429 for the join rate) or
// other.
func churnOnce(d *websocket.Dialer, url string, accepted, limited, other *atomic.Int64) {
	ws, resp, err := d.Dial(url, nil)
	switch {
	case err == nil:
		ws.Close()
		accepted.Add(1)
		return
	case resp == nil:
		other.Add(1)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests && strings.TrimSpace(string(body)) == config.RefuseJoinRate {
		limited.Add(1)
	} else {
		other.Add(1)
	}
}

// checkJoinRateInBand makes more handshakes from the attacker, offering
// refusals in band, until one is refused (the bucket refills meanwhile),
// and checks that it was refused in band with 429.
func checkJoinRateInBand(t *testing.T, url string) {
	t.Helper()
	d := dialerFrom(attackerAddr)
	d.Subprotocols = []string{model.SubprotocolRefusals}
	for range 50 {
		ws, _, err := d.Dial(url, nil)
		if err != nil {
			t.Fatalf("a handshake offering refusals in band: %v", err)
		}
		m, err := read(t, ws)
		if err == nil && m.Type != model.TypeError {
			ws.Close() // a token had come back: admitted
			continue
		}
		if err != nil || m.Content != config.RefuseJoinRate {
			t.Fatalf("refused in band with %v, %v; want an error %q", m, err, config.RefuseJoinRate)
		}
		_, err = read(t, ws)
		ws.Close()
		if !websocket.IsCloseError(err, model.CloseCodeRefused+http.StatusTooManyRequests) {
			t.Fatalf("closed with %v, want %d", err, model.CloseCodeRefused+http.StatusTooManyRequests)
		}
		return
	}
	t.Fatal("50 handshakes in a row admitted")
}

func TestAttack6FloodFromManyConnections(t *testing.T) {
	r := start(t, "-max-conns", "128")
	def := config.DefaultServer()
	by := dialFrom(t, bystanderAddr, r.addr, "bystander")
	until(t, by, model.TypeUserList)
	// 64 connections from one address, each sending 20 talks at 10 a
	// second: every one keeps to its own rate limit.
	const conns, perConn = 64, 20
	attackers := make([]*websocket.Conn, conns)
	for i := range attackers {
		attackers[i] = dialFrom(t, attackerAddr, r.addr, fmt.Sprint("flood-", i))
	}
	var refused atomic.Int64
	var wg sync.WaitGroup
	for _, ws := range attackers {
		wg.Go(func() { drainCounting(ws, &refused) })
	}
	defer func() {
		for _, ws := range attackers {
			ws.Close()
		}
		wg.Wait()
	}()
	sent := make(chan struct{})
	began := time.Now()
	go floodFrom(attackers, perConn, sent)
	flooded, rtt := bystanderDuringFlood(t, by, sent)
	elapsed := time.Since(began)
	t.Logf("bystander's round trip during the flood: %v", rtt)
	t.Logf("attacker from %s: %d talks sent by %d connections in %v; %d reached the room (%.0f/s), %d refused",
		attackerAddr, conns*perConn, conns, elapsed.Round(time.Millisecond), flooded, float64(flooded)/elapsed.Seconds(), refused.Load())
	allowed := float64(def.MsgBurstPerIP) + 1.5*def.MsgRatePerIP*elapsed.Seconds() + 20
	if float64(flooded) > allowed {
		t.Fatalf("%d of the attacker's talks reached the room in %v; -msg-burst-per-ip %d and -msg-rate-per-ip %v allow about %.0f",
			flooded, elapsed, def.MsgBurstPerIP, def.MsgRatePerIP, allowed)
	}
	if got := scrape(t, nil, r.metrics, "chatroom_address_rate_limited_frames_total"); got < 1 {
		t.Errorf("chatroom_address_rate_limited_frames_total is %v", got)
	}
	lines := strings.Count(r.stderr.String(), "the address sends too fast")
	t.Logf("%d log lines about the address's rate", lines)
	if lines < 1 || lines > 10 {
		t.Errorf("%d log lines about the address's rate, want a few (sampled)", lines)
	}
}

// floodFrom has each of conns send n talks at 10 a second, and closes sent
// when all are sent.
func floodFrom(conns []*websocket.Conn, n int, sent chan<- struct{}) {
	var wg sync.WaitGroup
	for i, ws := range conns {
		wg.Go(func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for j := range n {
				<-tick.C
				msg := model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: fmt.Sprintf("flood %d.%d", i, j)})
				if ws.WriteMessage(websocket.BinaryMessage, msg) != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	close(sent)
}

// drainCounting reads ws until it fails, counting "rate limited" replies.
func drainCounting(ws *websocket.Conn, refused *atomic.Int64) {
	for range 1_000_000 {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if m, err := model.Decode(b); err == nil && m.Type == model.TypeError && m.Content == config.ReplyRateLimited {
			refused.Add(1)
		}
	}
}

// bystanderDuringFlood has by say something half a second into the flood
// and again once it is sent, and counts the flood's talks it receives
// until that last echo. It returns that count and the first round trip.
func bystanderDuringFlood(t *testing.T, by *websocket.Conn, sent <-chan struct{}) (flooded int, rtt time.Duration) {
	t.Helper()
	var probeAt atomic.Int64
	writeDone := make(chan error, 1)
	go func() {
		probe := time.NewTimer(500 * time.Millisecond)
		defer probe.Stop()
		<-probe.C
		probeAt.Store(time.Now().UnixNano())
		err := by.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "probe"}))
		if err == nil {
			<-sent
			err = by.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "done"}))
		}
		writeDone <- err
	}()
	for range 1_000_000 {
		m, err := read(t, by)
		if err != nil {
			t.Fatalf("the bystander, during the flood: %v", err)
		}
		switch {
		case m.Type == model.TypeTalk && strings.HasPrefix(m.UserName, "flood-"):
			flooded++
		case m.Type == model.TypeTalk && m.UserName == "bystander" && m.Content == "probe":
			rtt = time.Since(time.Unix(0, probeAt.Load()))
		case m.Type == model.TypeTalk && m.UserName == "bystander" && m.Content == "done":
			if err := <-writeDone; err != nil {
				t.Fatal(err)
			}
			return flooded, rtt
		}
	}
	t.Fatal("no end to the flood")
	return 0, 0
}
