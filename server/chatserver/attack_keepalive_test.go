package chatserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/model"
)

// Attack 1 of issue 15: one address holds every connection the server
// allows pending, with idle keep-alive HTTP connections or with request
// headers sent a byte at a time, and everybody else is locked out. The
// per-address limit now counts every connection from accept.

// keepAliveAttackFlags leave the server room for -max-conns + 256 (320)
// connections not yet upgraded: the attack fits well under the test's
// open-file limit (the test holds both ends of every socket).
var keepAliveAttackFlags = []string{"-max-conns", "64"}

const keepAliveAttackConns = 64 + config.FDReserve/2

func TestAttack1KeepAliveLockout(t *testing.T) {
	r := start(t, keepAliveAttackFlags...)
	kept, dropped := 0, 0
	var idle net.Conn // one of the attacker's kept connections
	for range keepAliveAttackConns {
		c, err := tcpFrom(t, attackerAddr, r.addr)
		if err != nil {
			t.Fatal(err)
		}
		if status, err := getKeepAlive(c); err == nil && status == http.StatusOK {
			kept++
			idle = c
		} else {
			dropped++
		}
	}
	t.Logf("attacker from %s: %d keep-alive connections held, %d dropped", attackerAddr, kept, dropped)

	rtt, err := bystanderRoundTrip(r.addr, "bystander")
	if err != nil {
		t.Fatalf("the bystander from %s is locked out: %v", bystanderAddr, err)
	}
	t.Logf("bystander's round trip during the attack: %v", rtt)
	if max := 256 + config.PendingPerIP; kept > max {
		t.Errorf("the attacker holds %d connections, more than %d", kept, max)
	}
	checkDropsShown(t, r, dropped)

	// Plain-HTTP keep-alive is short: the idle connection is closed by the
	// server well before the minute the attacker re-sends at.
	idle.SetReadDeadline(time.Now().Add(waitTime))
	if _, err := idle.Read(make([]byte, 1)); isTimeout(err) {
		t.Errorf("an idle keep-alive connection was kept over %v", waitTime)
	}
}

// The slowloris variant: request headers at one byte per interval on every
// connection the server allows pending, each reopened as soon as the
// server cuts it (at -handshake-timeout).
func TestAttack1SlowlorisLockout(t *testing.T) {
	r := start(t, keepAliveAttackFlags...)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	for range keepAliveAttackConns {
		wg.Go(func() { slowloris(ctx, r.addr) })
	}
	// The attack is on once the server drops the attacker's connections
	// (the per-address limit) or the attacker holds all it allows pending.
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		c, err := tcpFrom(t, attackerAddr, r.addr)
		if err != nil {
			return nil
		}
		defer c.Close()
		return poll.Check(closedWithin(c, 200*time.Millisecond), "the attack to fill the server")
	})
	const tries = 14
	got := 0
	for i := range tries {
		rtt, err := bystanderRoundTrip(r.addr, fmt.Sprint("bystander-", i))
		if err != nil {
			t.Logf("bystander try %d: %v", i, err)
			continue
		}
		got++
		t.Logf("bystander try %d: round trip %v", i, rtt)
	}
	if got != tries {
		t.Fatalf("%d of %d bystander tries got in during the slowloris attack", got, tries)
	}
	checkDropsShown(t, r, 1)
}

// getKeepAlive sends GET /healthz on c and reads the answer, leaving c
// open (keep-alive); an error when the server closed c instead.
func getKeepAlive(c net.Conn) (int, error) {
	c.SetDeadline(time.Now().Add(waitTime))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		return resp.StatusCode, fmt.Errorf("%s, and closed", resp.Status)
	}
	return resp.StatusCode, nil
}

// slowloris keeps one connection from attackerAddr sending request headers
// a byte every 100 ms, and opens another whenever the server closes it,
// until ctx ends.
func slowloris(ctx context.Context, addr string) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(attackerAddr)}, Timeout: waitTime}
	const header = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " // never ends
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var c net.Conn
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	sent := 0
	for range 100000 { // bounded: ctx ends it long before
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if c == nil {
			var err error
			if c, err = d.DialContext(ctx, "tcp", addr); err != nil {
				c = nil
				continue
			}
			sent = 0
		}
		c.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte{header[sent%len(header)]}); err != nil {
			c.Close()
			c = nil
			continue
		}
		sent++
	}
}

// closedWithin says whether the server closed c within d, after whatever
// it wrote (reading ends otherwise than by the deadline).
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return !isTimeout(err)
}

// bystanderRoundTrip connects name from bystanderAddr, says something and
// returns how long the echo took; an error when it cannot get in or the
// echo does not come.
func bystanderRoundTrip(addr, name string) (time.Duration, error) {
	d := dialerFrom(bystanderAddr)
	ws, resp, err := d.Dial("ws://"+addr+"/ws", http.Header{"Username": {name}})
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(resp.Body)
			return 0, fmt.Errorf("%s %s", resp.Status, strings.TrimSpace(string(body)))
		}
		return 0, err
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(waitTime))
	began := time.Now()
	if err := ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "hello from " + name})); err != nil {
		return 0, err
	}
	for range 100000 {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return 0, fmt.Errorf("waiting for the echo: %v", err)
		}
		if m, err := model.Decode(b); err == nil && m.Type == model.TypeTalk && m.UserName == name {
			return time.Since(began), nil
		}
	}
	return 0, fmt.Errorf("no echo")
}

// checkDropsShown checks that at least min connections show as dropped in
// /metrics, and that the log has a few lines about them, not one each.
func checkDropsShown(t *testing.T, r *running, min int) {
	t.Helper()
	got := scrape(t, nil, r.metrics, `chatroom_connections_dropped_total{reason="per_ip_limit"}`)
	if got < float64(min) {
		t.Errorf("chatroom_connections_dropped_total{reason=\"per_ip_limit\"} is %v, want at least %d", got, min)
	}
	lines := strings.Count(r.stderr.String(), "connection dropped")
	t.Logf("%v connections dropped; %d log lines about them", got, lines)
	if lines < 1 || lines > 10 {
		t.Errorf("%d log lines about dropped connections, want a few (sampled)", lines)
	}
}
