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
	want := []string{"Bob Smith", "Jose", "Jos\u00e9", "alice", "alice2", "alicia", "张三"}
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
