package chatserver

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"

	"github.com/gorilla/websocket"
)

// lookAlike is one name an attacker tries while alice is online, and how
// the server must refuse it.
type lookAlike struct {
	name   string
	status int    // the HTTP status of the refusal
	reason string // a part of its text
}

// aliceLookAlikes are issue 15's attack 3: names that show as "alice", or
// as nothing, in a user list or as a message's sender.
var aliceLookAlikes = []lookAlike{
	{"Alice", http.StatusConflict, "too similar"},
	{"ALICE", http.StatusConflict, "too similar"},
	{"alice\u200b", http.StatusBadRequest, "invisible character (U+200B)"},          // zero-width space
	{"al\u200dice", http.StatusBadRequest, "invisible character (U+200D)"},          // zero-width joiner
	{"al\u00adice", http.StatusBadRequest, "invisible character (U+00AD)"},          // soft hyphen
	{"\u0430lice", http.StatusConflict, "too similar"},                              // Cyrillic а
	{"ａｌｉｃｅ", http.StatusConflict, "already online"},                                // fullwidth: shown as "alice"
	{"\u202eecila", http.StatusBadRequest, "bidirectional control character"},       // shows as "alice"
	{"aIice", http.StatusConflict, "too similar"},                                   // capital I
	{"\u200b", http.StatusBadRequest, "invisible character"},                        // invisible only
	{"\u2800", http.StatusBadRequest, "no visible characters"},                      // Braille blank
	{"\u3164", http.StatusBadRequest, "invisible character (U+3164)"},               // Hangul filler
	{"\u2800\u3000\u2800", http.StatusBadRequest, "no visible characters"},          // blanks and a space
	{"\u2066alice\u2069", http.StatusBadRequest, "bidirectional control character"}, // isolated
	// The second review's names: blanks inside a name, invisibles that are
	// not default-ignorable, a dot above on a dotted letter, Zalgo.
	{"alice\u2800", http.StatusBadRequest, "invisible character (U+2800)"},
	{"\u2800alice", http.StatusBadRequest, "invisible character (U+2800)"},
	{"alice\U0001D159", http.StatusBadRequest, "invisible character (U+1D159)"}, // musical null notehead
	{"alice\U00016FE4", http.StatusBadRequest, "invisible character (U+16FE4)"}, // Khitan filler
	{"ali\u0307ce", http.StatusBadRequest, "dot above (U+0307)"},                // renders as "alice"
	{"adm\u0131\u0307n", http.StatusBadRequest, "dot above (U+0307)"},           // dotless ı + dot: "admin"
	{"alice\u0301\u0301", http.StatusBadRequest, "repeats the combining mark"},
	{"a" + strings.Repeat("\u0489", 31), http.StatusBadRequest, "more than 4 combining marks"}, // Zalgo
	{"alice\u1a60", http.StatusBadRequest, "combining mark of one script"},                     // Tai Tham stacker: shows as nothing
	{"al\u200d\u2764ice", http.StatusBadRequest, "invisible character (U+200D)"},
	{"alice\ufe0f", http.StatusBadRequest, "invisible character (U+FE0F)"},
}

// tryName is the status and refusal text of a handshake as name from src.
func tryName(t *testing.T, src, addr, name string) (int, string) {
	t.Helper()
	// The query, as the browser client sends it: any bytes get there.
	status, reason, ws := handshake(t, dialerFrom(src), "ws://"+addr+"/ws?username="+url.QueryEscape(name), nil)
	if ws != nil {
		ws.Close()
	}
	return status, reason
}

// Attack 3: with alice online, look-alike and invisible names were all
// accepted as other users. Now each is refused with a reason; composed and
// decomposed "José" are one user; different names still get in.
func TestAttack3LookAlikeNames(t *testing.T) {
	r := start(t)
	alice := dialFrom(t, bystanderAddr, r.addr, "alice")
	until(t, alice, model.TypeUserList)
	admin := dialFrom(t, bystanderAddr, r.addr, "admin")
	until(t, admin, model.TypeUserList)
	accepted := 0
	for _, la := range aliceLookAlikes {
		status, reason := tryName(t, attackerAddr, r.addr, la.name)
		if status != la.status || !strings.Contains(reason, la.reason) {
			t.Errorf("%+q: %d %q, want %d %q", la.name, status, reason, la.status, la.reason)
		}
		if status == http.StatusSwitchingProtocols {
			accepted++
		}
	}
	t.Logf("%d of %d look-alike or invisible names of alice accepted", accepted, len(aliceLookAlikes))

	jose := dialFrom(t, attackerAddr, r.addr, "Jose\u0301") // decomposed
	if m := until(t, jose, model.TypeJoin); m.UserName != "Jos\u00e9" {
		t.Errorf("decomposed José joined as %+q, want it composed", m.UserName)
	}
	if status, reason := tryName(t, attackerAddr, r.addr, "Jos\u00e9"); status != http.StatusConflict {
		t.Errorf("composed José while decomposed José is online: %d %q, want 409", status, reason)
	}
	for _, name := range []string{"张三", "Bob Smith", "alicia", "alice2", "Jose"} {
		ws := dialFrom(t, attackerAddr, r.addr, name)
		until(t, ws, model.TypeUserList)
	}
	send(t, alice, model.TypeUserList, "")
	list := until(t, alice, model.TypeUserList).UserList
	got := slices.Sorted(maps.Keys(list))
	want := []string{"Bob Smith", "Jose", "Jos\u00e9", "admin", "alice", "alice2", "alicia", "张三"}
	if !slices.Equal(got, want) {
		t.Errorf("alice's user list: %+q, want %+q", got, want)
	}
	// The same person coming back after leaving gets the name again.
	alice.Close()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		status, reason := tryName(t, bystanderAddr, r.addr, "alice")
		if status != http.StatusSwitchingProtocols {
			return fmt.Errorf("alice again: %d %q", status, reason)
		}
		return nil
	})
}

// Across two nodes of one room, a look-alike of a name online on one node
// is refused on the other: the claim's key is the name's comparison key.
func TestAttack3LookAlikeNamesAcrossNodes(t *testing.T) {
	url := natstest.Start(t)
	a := start(t, "-nats", url, "-node", "a")
	b := start(t, "-nats", url, "-node", "b")
	alice := dialFrom(t, bystanderAddr, a.addr, "alice")
	until(t, alice, model.TypeUserList)
	for _, name := range []string{"Alice", "ALICE", "\u0430lice", "ａｌｉｃｅ", "a1ice"} {
		if status, reason := tryName(t, attackerAddr, b.addr, name); status != http.StatusConflict {
			t.Errorf("%+q on node b while alice is on node a: %d %q, want 409", name, status, reason)
		}
	}
	ws := dialFrom(t, attackerAddr, b.addr, "Bob Smith")
	until(t, ws, model.TypeUserList)
}

// The names the second review found wrongly refused: an emoji as a phone
// keyboard sends it (with U+FE0F), a keycap, emoji ZWJ sequences, Persian
// with a ZWNJ and Devanagari with a ZWJ after a virama all get in, and "❤"
// without U+FE0F is the same name as "❤️".
func TestAttack3EmojiAndJoinerNames(t *testing.T) {
	r := start(t)
	names := []string{
		"\u2764\ufe0f", // ❤️
		"1\ufe0f\u20e3",
		"\U0001F468\u200d\U0001F469\u200d\U0001F467",
		"\U0001F3F3\ufe0f\u200d\U0001F308",
		"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
		"\u0915\u094d\u200d\u0937",
	}
	var first *websocket.Conn
	for _, name := range names {
		ws := dialFrom(t, attackerAddr, r.addr, name)
		until(t, ws, model.TypeUserList)
		if first == nil {
			first = ws
		}
	}
	send(t, first, model.TypeUserList, "")
	got := slices.Sorted(maps.Keys(until(t, first, model.TypeUserList).UserList))
	if want := slices.Sorted(slices.Values(names)); !slices.Equal(got, want) {
		t.Errorf("user list: %+q, want %+q", got, want)
	}
	for _, name := range []string{"\u2764", "1\u20e3", "\U0001F468\U0001F469\U0001F467", "\u0915\u094d\u0937"} {
		if status, reason := tryName(t, bystanderAddr, r.addr, name); status != http.StatusConflict {
			t.Errorf("%+q while its joined form is online: %d %q, want 409", name, status, reason)
		}
	}
}
