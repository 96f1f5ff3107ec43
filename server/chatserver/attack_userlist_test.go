package chatserver

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Attack 4 of issue 15: the user list as an amplifier. With many users
// holding long Chinese names, a 16-byte userlist request returns hundreds
// of kilobytes, and the rate limit (10 frames a second a connection) let
// one address with many connections pull hundreds of megabytes a second.
// The user list now has its own limit, per connection and per address,
// at the default flags: a connection gets its small allowance, then
// "user list rate limited"; an address's connections together get their
// address's allowance.

// Sizes of the attack: users online, the attacker's connections, and
// how long (and how often) each asks for the list.
const (
	listUsers     = 500
	listAttackers = 8
	listAsks      = 24                     // per connection
	listEvery     = 125 * time.Millisecond // 8 a second: under -msg-rate
)

// The defaults of -userlist-burst-per-ip and -userlist-rate-per-ip, and the error
// reply (config.ReplyUserListLimited), spelt out so that the test also
// runs, and fails, on the code before them.
const (
	listIPBurst   = 20
	listIPRate    = 2
	listLimitedIs = "user list rate limited"
)

func TestAttack4UserListAmplifier(t *testing.T) {
	r := start(t, "-presence=false", "-history", "0")
	for i := range listUsers {
		// 8 addresses, under -max-conns-per-ip, and unique names of 32
		// Chinese characters.
		src := fmt.Sprintf("127.0.0.%d", 10+i%8)
		name := strings.Repeat("聊", 30) + string(rune(0x6C34+i/64)) + string(rune(0x6C34+i%64))
		until(t, dialFrom(t, src, r.addr, name), model.TypeUserList)
	}

	// One connection asking at once: its burst, then refusals in words.
	one := newListAsker(t, r.addr, "asker")
	const quick = 10 // within -msg-burst: only the user list's own limit refuses
	for range quick {
		send(t, one.ws, model.TypeUserList, "")
	}
	one.waitFor(t, quick)
	t.Logf("one connection asking %d times at once: %d lists (%d bytes each), %d refused", quick, one.lists.Load(), one.size.Load(), one.limited.Load())
	if one.limited.Load() == 0 || one.lists.Load() > quick/2 {
		t.Errorf("%d of %d requests at once got the list, %d were refused; want at most %d lists, the rest refused", one.lists.Load(), quick, one.limited.Load(), quick/2)
	}

	// Many connections of one address, each asking within the rate limit.
	askers := make([]*listAsker, listAttackers)
	for i := range askers {
		askers[i] = newListAsker(t, r.addr, fmt.Sprint("paced", i))
	}
	begun := time.Now()
	pacedAsks(t, askers)
	lists, bytes := int64(0), int64(0)
	for _, a := range askers {
		a.waitFor(t, listAsks)
		lists, bytes = lists+a.lists.Load(), bytes+a.lists.Load()*a.size.Load()
	}
	took := time.Since(begun)
	t.Logf("%d connections from one address, %d requests each in %v: %d lists, %.1f MB/s", listAttackers, listAsks, took.Round(time.Millisecond), lists, float64(bytes)/took.Seconds()/1e6)
	// The address's allowance: its burst and rate, and some slack for a
	// slow machine; the base code gave every request its list (192).
	allowed := int64(listIPBurst + listIPRate*took.Seconds() + 2)
	if lists > allowed {
		t.Errorf("one address got %d lists in %v, want at most %d", lists, took, allowed)
	}
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		n := scrape(t, nil, r.metrics, "chatroom_userlist_limited_total")
		return poll.Check(n > 0, "user list refusals counted (chatroom_userlist_limited_total %v)", n)
	})
}

// pacedAsks has every asker ask listAsks times, one every listEvery.
func pacedAsks(t *testing.T, askers []*listAsker) {
	tick := time.NewTicker(listEvery)
	defer tick.Stop()
	for range listAsks {
		for _, a := range askers {
			send(t, a.ws, model.TypeUserList, "")
		}
		<-tick.C
	}
}

// listAsker is a connection from attackerAddr that counts the replies to
// its user list requests.
type listAsker struct {
	ws      *websocket.Conn
	lists   atomic.Int64 // user lists received
	size    atomic.Int64 // bytes of the last one
	limited atomic.Int64 // "user list rate limited" replies
	other   atomic.Int64 // other error replies
}

func newListAsker(t *testing.T, addr, name string) *listAsker {
	a := &listAsker{ws: dialFrom(t, attackerAddr, addr, name)}
	until(t, a.ws, model.TypeUserList) // the join's, not counted
	var wg sync.WaitGroup
	wg.Add(1)
	t.Cleanup(func() { a.ws.Close(); wg.Wait() })
	go func() { defer wg.Done(); a.read() }()
	return a
}

// read counts replies until the connection fails.
func (a *listAsker) read() {
	for {
		_, b, err := a.ws.ReadMessage()
		if err != nil {
			return
		}
		m, err := model.Decode(b)
		switch {
		case err != nil:
		case m.Type == model.TypeUserList:
			a.size.Store(int64(len(b)))
			a.lists.Add(1)
		case m.Type == model.TypeError && m.Content == listLimitedIs:
			a.limited.Add(1)
		case m.Type == model.TypeError:
			a.other.Add(1)
		}
	}
}

// waitFor waits until n requests have been answered, with a list or an
// error.
func (a *listAsker) waitFor(t *testing.T, n int64) {
	t.Helper()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		got := a.lists.Load() + a.limited.Load() + a.other.Load()
		return poll.Check(got >= n, "%d of %d requests answered (%d lists, %d limited, %d other errors)", got, n, a.lists.Load(), a.limited.Load(), a.other.Load())
	})
}
