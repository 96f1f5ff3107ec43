package chatserver

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// Attacks on durable history's reads: search and scroll back as CPU
// burners and amplifiers. What held, with numbers, is in
// /work/notes/history/attack.md.

// searchAttacks are the worst queries found: one letter (a prefix of
// every "aN" word: thousands of terms), many one-letter prefixes, 255
// bytes of Chinese (84 pairs), and FTS5 query syntax that must be taken
// as text.
func searchAttacks() map[string]string {
	return map[string]string{
		"one letter":        "a",
		"distinct prefixes": distinctPrefixes(),
		"nfkc squares":      nfkcSquares(),
		"26 letters":        "a b c d e f g h i j k l m n o p q r s t u v w x y z",
		"8 letters":         "a b c d e f g h",
		"128 prefixes":      strings.Repeat("a ", 128),
		"64 letters":        strings.TrimSpace(strings.Repeat("a b c d e f g h ", 16)),
		"cjk 255 bytes":     cjk255(),
		"cjk one char":      "好",
		"quote":             `"`,
		"star":              "*",
		"near":              "NEAR(hello chat, 2)",
		"or":                "hello OR chat",
		"not":               "hello NOT chat",
		"column filter":     "conv : c0000 terms : hello",
		"caret":             "^hello",
		"parens":            "((hello",
		"nul":               "hel\x00lo",
		"braces":            "{conv terms}: hello",
		"minus column":      "- conv : hello",
		"only punctuation":  "!!! ??? ...",
	}
}

// distinctPrefixes is 256 bytes of different words that each start
// thousands of the filler's words (a1, a2, ... a10, a11, ...: "a1" starts
// a1, a10 to a19, a100 to a199, ...).
func distinctPrefixes() string {
	var b strings.Builder
	for i := 1; b.Len()+len(fmt.Sprint(" a", i)) <= 256; i++ {
		fmt.Fprint(&b, "a", i, " ")
	}
	return strings.TrimSpace(b.String())
}

// nfkcSquares is 85 of the CJK compatibility squares (㎀ ㎁ ...: 255
// bytes), which NFKC turns into as many short words ("pa", "na", "kcal").
func nfkcSquares() string {
	var rs []rune
	for r := rune(0x3380); len(rs) < 85; r++ {
		rs = append(rs, r)
	}
	return string(rs)
}

// Search and scroll back, asked the worst we know, over 30,000 talks in
// the room (and 30,000 in another): every answer is a search frame or a
// refusal in words, and the time per request is printed.
func TestAttackHistorySearchWorstQueries(t *testing.T) {
	dir := t.TempDir()
	fillStore(t, dir, fillTalks, 0, "lobby", "elsewhere")
	r := start(t, "-data-dir", dir, "-log-stderr=false", "-userlist-interval", "0", "-userlist-rate-per-ip", "0", "-msg-rate", "0", "-msg-rate-per-ip", "0")
	att := dialRoomsFrom(t, attackerAddr, r.addr, "mallory", "lobby", "void")
	for name, q := range searchAttacks() {
		for _, room := range []string{"lobby", "void"} {
			m, d := att.roundTrip(&model.ChatRoomRequest{Type: model.TypeSearch, Room: room, Content: q, Limit: 200}, model.TypeSearch)
			if m.Type == model.TypeError && m.Content == "" {
				t.Errorf("search %s in %s: an error without words", name, room)
			}
			t.Logf("search %-16s in %-5s: %-6s %3d found, more=%-5v %8v", name, room, m.Type, len(m.Messages), m.More, d.Round(time.Microsecond))
		}
	}
	for _, q := range []string{strings.Repeat("x", 257), "   "} {
		m, _ := att.roundTrip(&model.ChatRoomRequest{Type: model.TypeSearch, Room: "lobby", Content: q}, model.TypeSearch)
		if m.Type != model.TypeError || m.Room != "lobby" {
			t.Errorf("search %q: %v, want an error about lobby", q, m)
		}
	}
	// Invalid UTF-8, which Encode refuses to write: the bytes put in by hand.
	raw := model.Encode(&model.ChatRoomRequest{Type: model.TypeSearch, Room: "lobby", Content: "QQ"})
	raw = bytes.Replace(raw, []byte("QQ"), []byte("\xff\xfe"), 1)
	if err := att.ws.WriteMessage(websocket.BinaryMessage, raw); err != nil {
		t.Fatal(err)
	}
	if m := att.until(model.TypeError); m.Content == "" {
		t.Errorf("a search of invalid UTF-8: %v", m)
	} else {
		t.Logf("a search of invalid UTF-8: error %q", m.Content)
	}
	for _, before := range []uint64{0, 1, 2, 30000, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64} {
		for _, limit := range []uint32{0, 1, 200, math.MaxUint32} {
			m, d := att.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "lobby", Before: before, Limit: limit}, model.TypeHistory)
			if m.Type != model.TypeHistory || len(m.Messages) > model.MaxHistoryPage {
				t.Errorf("history before %d limit %d: %v", before, limit, m)
			}
			req := len(model.Encode(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "lobby", Before: before, Limit: limit}))
			t.Logf("history before %-20d limit %-10d: %3d msgs, %6d content bytes for a %2d-byte request, more=%-5v %v", before, limit, len(m.Messages), contentBytes(m), req, m.More, d.Round(time.Microsecond))
		}
	}
	m, d := att.roundTrip(&model.ChatRoomRequest{Type: model.TypeSearch, Room: "lobby", Content: "a", Before: 2, Limit: 200}, model.TypeSearch)
	t.Logf("deep paging: search a before 2: %s %d found in %v", m.Type, len(m.Messages), d)
}

// A bystander talks in a quiet room while an attacker from one address
// asks the slowest search as fast as its list budget lets it, from many
// connections: the bystander's round trips are printed with and without
// the attack; every answer the attacker gets is a search or a refusal.
func TestAttackHistorySearchSlowsNoOne(t *testing.T) {
	dir := t.TempDir()
	fillStore(t, dir, fillTalks, 0, "lobby", "elsewhere")
	r := start(t, "-data-dir", dir, "-log-stderr=false")
	by := dialRoomsFrom(t, bystanderAddr, r.addr, "bystander", "quiet")
	base := by.echoes("quiet", 50)
	const conns = 20
	var atts []*websocket.Conn
	for i := range conns {
		atts = append(atts, dialRoomsFrom(t, attackerAddr, r.addr, "m"+string(rune('a'+i)), "lobby").ws)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	for _, ws := range atts {
		wg.Go(func() { hammerSearch(ws, stop, &mu, answers) })
	}
	under := by.echoes("quiet", 50)
	page, d := by.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "quiet", Limit: 10}, model.TypeHistory)
	t.Logf("the bystander's history page under the attack: %s in %v", page.Type, d)
	close(stop)
	wg.Wait()
	t.Logf("bystander's talk round trip without an attack: %v", base)
	t.Logf("bystander's talk round trip under %d connections searching `a a a ...`: %v", conns, under)
	t.Logf("the attacker's answers: %v", answers)
	if answers[model.TypeSearch] == 0 {
		t.Errorf("no search was answered: %v", answers)
	}
}

// hammerSearch sends the one-letter search on ws until stop, reading the
// answers, and counts them by type (errors by their text).
func hammerSearch(ws *websocket.Conn, stop <-chan struct{}, mu *sync.Mutex, answers map[string]int) {
	req := model.Encode(&model.ChatRoomRequest{Type: model.TypeSearch, Room: "lobby", Content: strings.Repeat("a ", 128), Limit: 200})
	for range 100000 {
		select {
		case <-stop:
			return
		default:
		}
		if ws.WriteMessage(websocket.BinaryMessage, req) != nil {
			return
		}
		ws.SetReadDeadline(time.Now().Add(waitTime))
		_, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		m, err := model.Decode(b)
		if err != nil {
			return
		}
		key := m.Type
		if m.Type == model.TypeError {
			key += ": " + m.Content
		}
		mu.Lock()
		answers[key]++
		mu.Unlock()
	}
}

// A query of one word said 128 times ("a a a ...") took 4.3 s over 60,000
// talks (each copy of a prefix was looked up again). Twenty connections
// from one address asking it, each as soon as its last was answered (2
// lists a second from the address, after a burst of 20), held the
// store's read connections and both cores: a bystander's scroll back
// waited past 10 s. A query's words are now each looked up once.
func TestAttackHistorySearchRepeatedWordsBlockNoReader(t *testing.T) {
	dir := t.TempDir()
	fillStore(t, dir, fillTalks, 0, "lobby", "elsewhere")
	r := start(t, "-data-dir", dir, "-log-stderr=false")
	by := dialRoomsFrom(t, bystanderAddr, r.addr, "bystander", "quiet")
	by.say("quiet", "one talk")
	by.untilTalk("one talk")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	for i := range 20 {
		ws := dialRoomsFrom(t, attackerAddr, r.addr, "m"+string(rune('a'+i)), "lobby").ws
		wg.Go(func() { hammerSearch(ws, stop, &mu, answers) })
	}
	defer func() { close(stop); wg.Wait() }()
	for i := range 5 {
		page, d := by.roundTrip(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "quiet", Limit: 10}, model.TypeHistory)
		t.Logf("page %d of a bystander while 20 connections search `a a a ...`: %s %q in %v", i, page.Type, page.Content, d)
		if page.Type != model.TypeHistory || len(page.Messages) != 1 {
			t.Fatalf("the bystander's scroll back: %v", page)
		}
	}
	mu.Lock()
	t.Logf("the attacker's answers: %v", answers)
	mu.Unlock()
}
