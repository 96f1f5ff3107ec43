package config

import (
	"strings"
	"testing"
)

// -public-names takes host names and addresses only, in lower case;
// -token-max-age must be positive.

func TestPublicNames(t *testing.T) {
	var out strings.Builder
	c, err := ParseServer("server", []string{"-public-names", " Chat.Example.com., [::1],10.0.0.5,*"}, env(nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.PublicNames, " "), "chat.example.com ::1 10.0.0.5 *"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"https://chat.example.com", "chat.example.com:443", "a/b", "user@host", "*.example.com"} {
		if _, err := ParseServer("server", []string{"-public-names", bad}, env(nil), &out); err == nil || !strings.Contains(err.Error(), "not a host name") {
			t.Errorf("-public-names %q: %v", bad, err)
		}
	}
	if _, err := ParseServer("server", []string{"-token-max-age", "0s"}, env(nil), &out); err == nil {
		t.Error("-token-max-age 0 accepted")
	}
}

// -trusted-proxies takes addresses and CIDRs; anything else stops the start
// with the entry named.
func TestTrustedProxies(t *testing.T) {
	var out strings.Builder
	c, err := ParseServer("server", []string{"-trusted-proxies", " 10.1.2.3/8, 192.0.2.7,,::1, ::ffff:172.16.0.0/108, fd00::/8"}, env(nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if g, want := strings.Join(got, " "), "10.0.0.0/8 192.0.2.7/32 ::1/128 172.16.0.0/12 fd00::/8"; g != want {
		t.Fatalf("got %q, want %q", g, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "nginx", "10.0.0", "fe80::1%eth0", "::ffff:10.0.0.0/64", "10.0.0.1-10.0.0.9"} {
		_, err := ParseServer("server", []string{"-trusted-proxies", bad}, env(nil), &out)
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("-trusted-proxies %q: %v", bad, err)
		}
	}
	if c, err := ParseServer("server", nil, env(nil), &out); err != nil || len(c.TrustedProxies) != 0 {
		t.Errorf("default: %v %v, want none", c.TrustedProxies, err)
	}
}
