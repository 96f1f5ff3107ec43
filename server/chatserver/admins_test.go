package chatserver

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestAdminsMustBeUsernames: an -admins entry no user can log in as (the
// operator's name, the server API's, a name over 32 characters, one with control
// characters) stops the server at start, in words naming the entry,
// rather than naming an admin no one can ever be.
func TestAdminsMustBeUsernames(t *testing.T) {
	for _, c := range []struct{ admins, words string }{
		{"root,server", "-admins: the username server is reserved for the operator's messages"},
		{"API", "-admins: the username API is reserved for the server API's actions"},
		{"root," + strings.Repeat("x", 40), "-admins: " + `"` + strings.Repeat("x", 40) + `"` + " is no username: username is longer than 32 characters"},
		{"ro\tot", `-admins: "ro\tot" is no username: username contains control characters`},
	} {
		var stderr bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		// A server that starts is stopped at once: its exit code says it ran.
		code := Run(ctx, []string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-data-dir", "", "-auth-secret", modSecret, "-admins", c.admins}, noEnv, &stderr, func(string) { cancel() })
		cancel()
		if code != 2 || !strings.Contains(stderr.String(), c.words) {
			t.Errorf("-admins %q: exit %d: %s (want %q)", c.admins, code, stderr.String(), c.words)
		}
	}
}
