package chatserver

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/internal/poll"
)

// Behind a proxy (-trusted-proxies), over real sockets: 127.0.0.2 plays the
// trusted proxy, 127.0.0.1 an untrusted client that forges the headers. The
// per-address limit (-max-conns-per-ip 1) shows which address each
// handshake was counted under: a second chat connection from one address
// is refused with 503.

const proxyAddr = "127.0.0.2"

// proxyStep is one handshake: from a loopback address, with headers, and
// the status it must get.
type proxyStep struct {
	why    string
	from   string
	header http.Header
	status int
}

func xff(v ...string) http.Header { return http.Header{"X-Forwarded-For": v} }

// runProxySteps dials each step in turn, keeping the connections open so
// that they hold their address's slot.
func runProxySteps(t *testing.T, r *running, steps []proxyStep) {
	t.Helper()
	url := "ws://" + r.addr + "/ws"
	for i, s := range steps {
		status, reason, _ := handshake(t, dialerFrom(s.from), url, s.header)
		if status != s.status {
			t.Fatalf("step %d (%s): %d %q, want %d", i, s.why, status, reason, s.status)
		}
		if status == http.StatusServiceUnavailable && reason != config.RefuseTooManyFromIP {
			t.Fatalf("step %d (%s): refused with %q", i, s.why, reason)
		}
	}
}

func TestProxyForgedHeadersIgnored(t *testing.T) {
	r := start(t, "-trusted-proxies", proxyAddr+"/32", "-max-conns-per-ip", "1")
	runProxySteps(t, r, []proxyStep{
		{"a direct client", "127.0.0.1", xff("198.51.100.1"), 101},
		{"forged X-Forwarded-For: still 127.0.0.1", "127.0.0.1", xff("198.51.100.2"), 503},
		{"forged X-Real-IP: still 127.0.0.1", "127.0.0.1", http.Header{"X-Real-Ip": {"198.51.100.3"}}, 503},
		{"the forged address itself is free", proxyAddr, xff("198.51.100.2"), 101},
	})
	// The refusals are logged under the real peer, never the forged address.
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		return poll.Check(strings.Count(r.stderr.String(), "handshake refused") >= 2, "two refusals logged")
	})
	for _, line := range logLines(r, "handshake refused") {
		if !strings.Contains(line, "127.0.0.1:") || strings.Contains(line, "198.51.100") {
			t.Errorf("a forged handshake's refusal, logged as: %s", line)
		}
	}
}

func TestProxyForwardedClientsCountedApart(t *testing.T) {
	r := start(t, "-trusted-proxies", "10.0.0.0/8,"+proxyAddr, "-max-conns-per-ip", "1")
	runProxySteps(t, r, []proxyStep{
		{"a forwarded client", proxyAddr, xff("198.51.100.1"), 101},
		{"the same client again: its own limit", proxyAddr, xff("198.51.100.1"), 503},
		{"another client behind the same proxy", proxyAddr, xff("198.51.100.2"), 101},
		{"the client's own entries left of it are not read", proxyAddr, xff("203.0.113.1, 198.51.100.2"), 503},
		{"X-Real-IP", proxyAddr, http.Header{"X-Real-Ip": {"198.51.100.3"}}, 101},
		{"X-Real-IP again", proxyAddr, http.Header{"X-Real-Ip": {"198.51.100.3"}}, 503},
		{"several trusted hops", proxyAddr, xff("198.51.100.4, 10.1.1.1", "10.2.2.2"), 101},
		{"the same client through other hops", proxyAddr, xff("203.0.113.1, 198.51.100.4, 10.3.3.3"), 503},
		{"an IPv6 client", proxyAddr, xff("2001:db8::1"), 101},
		{"its /64 is one address", proxyAddr, xff("[2001:db8::2]:4711"), 503},
		{"another /64", proxyAddr, xff("2001:db8:0:1::1"), 101},
		{"no header: the proxy itself", proxyAddr, nil, 101},
		{"garbage from the proxy: the proxy", proxyAddr, xff("garbage"), 503},
		{"garbage passed on by the proxy: the proxy", proxyAddr, xff("198.51.100.5, unknown"), 503},
		{"garbage passed on by a trusted hop: that hop", proxyAddr, xff("198.51.100.5, unknown, 10.4.4.4"), 101},
		{"and that hop again", proxyAddr, xff("10.4.4.4"), 503},
		{"a good header after all that", proxyAddr, xff("198.51.100.5"), 101},
	})
	// The refusal of a forwarded client is logged under it, with the proxy.
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		return poll.Check(regexp.MustCompile(`198\.51\.100\.1 via 127\.0\.0\.2:\d+`).MatchString(strings.Join(logLines(r, "handshake refused"), "\n")),
			"a refusal logged as from 198.51.100.1 via the proxy")
	})
}

// The other per-address limits take the forwarded address too: here the
// rate of new chat connections (-join-rate-per-ip).
func TestProxyJoinRatePerForwardedClient(t *testing.T) {
	r := start(t, "-trusted-proxies", proxyAddr, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0.001", "-join-burst-per-ip", "1")
	runProxySteps(t, r, []proxyStep{
		{"a forwarded client", proxyAddr, xff("198.51.100.1"), 101},
		{"the same client again, too soon", proxyAddr, xff("198.51.100.1"), 429},
		{"another client behind the same proxy", proxyAddr, xff("198.51.100.2"), 101},
		{"the proxy's own address is untouched", proxyAddr, nil, 101},
	})
}

// A trusted proxy holds far more connections than -max-conns-per-ip plus
// the 32 pending ones an address may have at accept: none is dropped, and
// each forwarded client is limited alone. A direct client is still capped
// at accept as before.
func TestProxyNotChargedAtAccept(t *testing.T) {
	r := start(t, "-trusted-proxies", proxyAddr, "-max-conns-per-ip", "1")
	url := "ws://" + r.addr + "/ws"
	const clients = 1 + config.PendingPerIP + 8
	open := make([]*websocket.Conn, 0, clients)
	for i := range clients {
		status, reason, ws := handshake(t, dialerFrom(proxyAddr), url, xff(fmt.Sprintf("198.51.100.%d", i+1)))
		if status != 101 {
			t.Fatalf("forwarded client %d of %d through one proxy: %d %q", i+1, clients, status, reason)
		}
		open = append(open, ws)
	}
	if got := scrape(t, nil, r.metrics, `chatroom_connections_dropped_total{reason="per_ip_limit"}`); got != 0 {
		t.Fatalf("%v of the proxy's connections dropped at accept", got)
	}
	// A direct peer holding as many plain connections is cut at accept.
	var direct []net.Conn
	for range clients {
		c, err := tcpFrom(t, "127.0.0.3", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		direct = append(direct, c)
	}
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		got := scrape(t, nil, r.metrics, `chatroom_connections_dropped_total{reason="per_ip_limit"}`)
		return poll.Check(got >= clients-(1+config.PendingPerIP), "a direct address's connections past 33 dropped: %v", got)
	})
	for _, ws := range open {
		ws.Close()
	}
	for _, c := range direct {
		c.Close()
	}
}

// logLines are the lines of r's log that contain msg.
func logLines(r *running, msg string) []string {
	var out []string
	for _, line := range strings.Split(r.stderr.String(), "\n") {
		if strings.Contains(line, msg) {
			out = append(out, line)
		}
	}
	return out
}
