package ctrl

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"chatroom/config"
)

// Which address a request counts as from, per -trusted-proxies: the
// walk of X-Forwarded-For from the right, X-Real-IP, and what garbage or a
// forged header from an untrusted peer gives.
func TestProxiesClient(t *testing.T) {
	trusted, err := config.ParseTrustedProxies("10.0.0.0/8, 192.0.2.7, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	p := proxies(trusted)
	for _, tc := range []struct {
		peer string
		xff  []string // X-Forwarded-For lines
		real string
		want string // the client, not yet cut to a /64
	}{
		{"203.0.113.9:1000", []string{"198.51.100.1"}, "", "203.0.113.9"},                             // untrusted peer: forged, ignored
		{"203.0.113.9:1000", nil, "198.51.100.1", "203.0.113.9"},                                      // so is X-Real-IP
		{"192.0.2.7:1000", nil, "", "192.0.2.7"},                                                      // a trusted peer that forwards nothing
		{"192.0.2.7:1000", []string{"198.51.100.1"}, "", "198.51.100.1"},                              // one proxy
		{"192.0.2.7:1000", []string{"1.1.1.1, 198.51.100.1"}, "", "198.51.100.1"},                     // the client's own entry is not read
		{"10.0.0.1:1000", []string{"1.1.1.1, 198.51.100.1, 10.0.0.2, 192.0.2.7"}, "", "198.51.100.1"}, // trusted hops passed over
		{"10.0.0.1:1000", []string{"1.1.1.1, 198.51.100.1", "10.0.0.2"}, "", "198.51.100.1"},          // several lines are one list
		{"10.0.0.1:1000", []string{"10.0.0.3, 10.0.0.2"}, "", "10.0.0.3"},                             // all trusted: the leftmost
		{"10.0.0.1:1000", []string{"198.51.100.1, garbage"}, "", "10.0.0.1"},                          // garbage from the peer: the peer
		{"10.0.0.1:1000", []string{"198.51.100.1, unknown, 10.0.0.2"}, "", "10.0.0.2"},                // garbage passed on by a hop: that hop
		{"10.0.0.1:1000", []string{"garbage, 198.51.100.1"}, "", "198.51.100.1"},                      // garbage left of the client is not read
		{"10.0.0.1:1000", []string{" 198.51.100.1 ,, "}, "", "198.51.100.1"},                          // empty entries skipped
		{"10.0.0.1:1000", []string{"198.51.100.1:4711"}, "", "198.51.100.1"},                          // with a port
		{"10.0.0.1:1000", []string{"[2001:db8::1]:4711"}, "", "2001:db8::1"},
		{"10.0.0.1:1000", []string{"[2001:db8::1]"}, "", "2001:db8::1"},
		{"10.0.0.1:1000", []string{"::ffff:198.51.100.1"}, "", "198.51.100.1"},   // mapped: unmapped
		{"[::ffff:10.0.0.1]:1000", []string{"198.51.100.1"}, "", "198.51.100.1"}, // a mapped peer is trusted too
		{"[fd00::5]:1000", []string{"2001:db8::1"}, "", "2001:db8::1"},
		{"10.0.0.1:1000", nil, "198.51.100.1", "198.51.100.1"},                                                        // X-Real-IP without X-Forwarded-For
		{"10.0.0.1:1000", []string{" , "}, "198.51.100.1", "198.51.100.1"},                                            // a blank X-Forwarded-For is absent
		{"10.0.0.1:1000", []string{"198.51.100.2"}, "198.51.100.1", "198.51.100.2"},                                   // X-Forwarded-For wins
		{"10.0.0.1:1000", nil, "not an address", "10.0.0.1"},                                                          // garbage X-Real-IP: the peer
		{"10.0.0.1:1000", []string{"198.51.100.1, " + strings.Repeat("10.0.0.9, ", 40) + "10.0.0.8"}, "", "10.0.0.9"}, // past 32 hops: the last read
		{"not-an-address", []string{"198.51.100.1"}, "", "invalid IP"},
	} {
		r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{}}
		for _, l := range tc.xff {
			r.Header.Add("X-Forwarded-For", l)
		}
		if tc.real != "" {
			r.Header.Set("X-Real-IP", tc.real)
		}
		if got, _ := p.client(r); got.String() != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q, X-Real-IP %q: %v, want %s", tc.peer, tc.xff, tc.real, got, tc.want)
		}
	}
}

// Forwarded addresses are counted as direct ones are (an IPv6 client is
// its /64), and logged with the proxy they came through.
func TestProxiesClientIPAndRemote(t *testing.T) {
	p := proxies{netip.MustParsePrefix("127.0.0.1/32")}
	r := &http.Request{RemoteAddr: "127.0.0.1:5000", Header: http.Header{"X-Forwarded-For": {"2001:db8:1:2:3:4:5:6"}}}
	if got := p.clientIP(r); got != netip.MustParseAddr("2001:db8:1:2::") {
		t.Errorf("clientIP %v, want the /64", got)
	}
	if got, want := p.remote(r), "2001:db8:1:2:3:4:5:6 via 127.0.0.1:5000"; got != want {
		t.Errorf("remote %q, want %q", got, want)
	}
	direct := &http.Request{RemoteAddr: "127.0.0.2:5000", Header: r.Header}
	if got := p.remote(direct); got != "127.0.0.2:5000" {
		t.Errorf("an untrusted peer's remote: %q", got)
	}
	if got := proxies(nil).clientIP(r); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("no trusted proxies: %v", got)
	}
}

// Whatever a trusted proxy passes on, reading it gives an address and
// never panics.
func FuzzProxiesClient(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "1.1.1.1, 10.0.0.2", "[2001:db8::1]:80", "garbage, ,", "::ffff:10.0.0.1%eth0", strings.Repeat(",", 100)} {
		f.Add(s, "198.51.100.9")
	}
	p := proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	f.Fuzz(func(t *testing.T, forwardedFor, realIP string) {
		r := &http.Request{RemoteAddr: "10.0.0.1:1000", Header: http.Header{"X-Forwarded-For": {forwardedFor}, "X-Real-Ip": {realIP}}}
		if ip := p.clientIP(r); !ip.IsValid() || ip.Zone() != "" || ip.Is4In6() {
			t.Fatalf("X-Forwarded-For %q, X-Real-IP %q: %v", forwardedFor, realIP, ip)
		}
	})
}
