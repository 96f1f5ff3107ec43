package ctrl

import "testing"

// The names a request's Host and a page's Origin are compared on.

func TestParseAuthority(t *testing.T) {
	for _, tc := range []struct {
		hostport, scheme string
		want             authority
		ok               bool
	}{
		{"Chat.Example.com", "http", authority{"chat.example.com", "80"}, true},
		{"chat.example.com.:443", "https", authority{"chat.example.com", "443"}, true},
		{"chat.example.com", "https", authority{"chat.example.com", "443"}, true},
		{"127.0.0.1:09000", "http", authority{"127.0.0.1", "9000"}, true},
		{"[::1]:9000", "http", authority{"::1", "9000"}, true},
		{"[::1]", "https", authority{"::1", "443"}, true},
		{"", "http", authority{}, false},
		{"a:b:c", "http", authority{}, false},
		{"host:99999", "http", authority{}, false},
		{"host:-1", "http", authority{}, false},
		{"evil.example/x", "http", authority{}, false},
	} {
		got, ok := parseAuthority(tc.hostport, tc.scheme)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseAuthority(%q, %q) = %v %v, want %v %v", tc.hostport, tc.scheme, got, ok, tc.want, tc.ok)
		}
	}
}

func TestKnownHost(t *testing.T) {
	names := []string{"chat.example.com"}
	for host, want := range map[string]bool{
		"":                      true, // HTTP/1.0 without Host
		"localhost:9000":        true,
		"127.0.0.5":             true,
		"[::1]:1":               true,
		"10.0.0.5:9000":         true, // an address: no DNS to rebind
		"CHAT.example.com:8443": true,
		"evil.example:9000":     false,
		"chat.example.com.evil": false,
		"localhost.evil:9000":   false,
	} {
		if got := knownHost(host, names); got != want {
			t.Errorf("knownHost(%q) = %v, want %v", host, got, want)
		}
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:9000": true, "localhost:9000": true, "[::1]:9000": true, "127.1.2.3:0": true,
		":9000": false, "0.0.0.0:9000": false, "[::]:9000": false, "10.0.0.5:9000": false, "chat.example.com:9000": false,
	} {
		if got := IsLoopbackListen(addr); got != want {
			t.Errorf("IsLoopbackListen(%q) = %v, want %v", addr, got, want)
		}
	}
}
