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
