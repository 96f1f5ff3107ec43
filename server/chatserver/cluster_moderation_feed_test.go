package chatserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"chatroom/internal/poll"
	"chatroom/model"
)

// Each node of a cluster holds what any node changes of moderation (the
// bans, mutes and rooms' settings NATS keeps), as it is changed: not
// only in the rooms it follows, and without reading the whole store again
// when someone joins a room there (service/moderation_feed.go).

// clusterHandshake polls name's handshake (with a token) from the loopback
// address src into rooms at node n until its status is want and its words
// say words.
func clusterHandshake(t *testing.T, n *running, src, name string, want int, words string, rooms ...string) {
	t.Helper()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		code, text, ws := handshake(t, dialerFrom(src), modURL(t, n.addr, name, "", rooms...), nil)
		if ws != nil {
			ws.Close()
		}
		return poll.Check(code == want && strings.Contains(text, words), "%s from %s at %s: %d %q, want %d %q", name, src, n.addr, code, text, want, words)
	})
}

// TestClusterAddressBanOnEveryNode: root, an admin on node a, bans bob,
// connected to node a from 127.0.0.2, from the server with his address.
// Node a records the address; node b, where bob never was, refuses a new
// name from that address at its handshake too, and still lets in a name
// from another address.
func TestClusterAddressBanOnEveryNode(t *testing.T) {
	a, b := twoNodes(t, "-auth-secret", modSecret, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0")
	const banned, other = "127.0.0.2", "127.0.0.3"
	root := dialMod(t, a.addr, "root", model.RoleAdmin)
	bob := dialModFrom(t, banned, a.addr, "bob", "")
	root.untilEvent(model.TypeJoin, "bob")
	root.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "bob", Address: true, Content: "spam"})
	bob.closedWith(4003)
	for _, n := range []*running{a, b} {
		clusterHandshake(t, n, banned, "eve", http.StatusForbidden, "spam")
	}
	clusterHandshake(t, b, other, "carol", http.StatusSwitchingProtocols, "")
}

// TestClusterChangesSeenWithoutAJoin: on node a, den's owner sets its
// topic and bans dave (offline) from it; node b, where no one is in den
// and no one joins a room, holds both at once: its API shows them, and it
// refuses dave's handshake into den with 403 (not after the upgrade). The
// unban made on node a is held on node b too.
func TestClusterChangesSeenWithoutAJoin(t *testing.T) {
	a, b := twoNodes(t, "-auth-secret", modSecret, "-api-key", testAPIKey)
	alice := dialMod(t, a.addr, "alice", "", "den") // den's owner
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "set on a"})
	alice.until(model.TypeTopic)
	alice.send(&model.ChatRoomRequest{Type: model.TypeBan, Room: "den", To: "dave", Content: "spam"})
	alice.untilEvent(model.TypeBan, "dave")
	api := newAPIClient(t, b)
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		r := api.do("GET", "/api/rooms/den", nil)
		return poll.Check(r.status == http.StatusOK && r.json(t)["topic"] == "set on a", "den on node b: %d %s", r.status, r.body)
	})
	clusterHandshake(t, b, "127.0.0.1", "dave", http.StatusForbidden, "banned in room den", "den")
	if bans := fmt.Sprint(api.want(http.StatusOK, "GET", "/api/bans?room=den", nil)["bans"]); !strings.Contains(bans, "dave") {
		t.Errorf("node b's bans of den: %s", bans)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeUnban, Room: "den", To: "dave"})
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		r := api.do("GET", "/api/bans?room=den", nil)
		return poll.Check(r.status == http.StatusOK && !strings.Contains(string(r.body), "dave"), "node b's bans of den after the unban: %d %s", r.status, r.body)
	})
}
