package chatserver

import (
	"net/http"
	"testing"

	"chatroom/config"
	"chatroom/model"
)

// An address ban behind a trusted proxy bans the forwarded client's
// address, the one the hub knows the user by: not the proxy's, so the
// other clients behind the proxy stay, and not whatever a direct peer
// claims in a forged header.

// dialVia connects name with its token from the loopback address from,
// with header, and reads its join up to the user list.
func dialVia(t *testing.T, addr, from, name string, header http.Header) *roomClient {
	t.Helper()
	status, reason, ws := handshake(t, dialerFrom(from), modURL(t, addr, name, ""), header)
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("%s from %s with %v: %d %q", name, from, header, status, reason)
	}
	c := &roomClient{t: t, name: name, ws: ws}
	c.until(model.TypeUserList)
	return c
}

func TestProxyAddressBanIsTheForwardedClients(t *testing.T) {
	srv := startMod(t, "-trusted-proxies", proxyAddr, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0")
	root := dialMod(t, srv.addr, "root", "admin")
	mallory := dialVia(t, srv.addr, proxyAddr, "mallory", xff("198.51.100.66"))
	bystander := dialVia(t, srv.addr, proxyAddr, "bystander", xff("198.51.100.7"))
	root.untilEvent(model.TypeJoin, "bystander")

	root.send(&model.ChatRoomRequest{Type: model.TypeBan, Server: true, To: "mallory", Address: true, Content: "spam"})
	mallory.closedWith(4003)

	// Another name from mallory's forwarded address is refused in words.
	status, reason, _ := handshake(t, dialerFrom(proxyAddr), modURL(t, srv.addr, "mallory2", ""), xff("203.0.113.1, 198.51.100.66"))
	if status != http.StatusForbidden || reason == "" {
		t.Fatalf("another name from the banned forwarded address: %d %q, want 403 with the reason", status, reason)
	}
	// The proxy's other clients, and the proxy's own address, are not banned.
	bystander.say(config.DefaultRoom, "still here")
	bystander.untilTalk("still here")
	dialVia(t, srv.addr, proxyAddr, "newcomer", xff("198.51.100.8"))
	dialVia(t, srv.addr, proxyAddr, "proxyuser", nil)
	// A direct peer forging the banned address is judged by its own.
	dialVia(t, srv.addr, "127.0.0.3", "forger", xff("198.51.100.66"))
}
