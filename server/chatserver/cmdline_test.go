package chatserver

import (
	"strings"
	"testing"
)

// pprof's command line hides the values of secret flags, however given.

func TestRedactArgs(t *testing.T) {
	for in, want := range map[string]string{
		"server -auth-secret s3cret -addr :9000":      "server -auth-secret REDACTED -addr :9000",
		"server --auth-secret=s3cret":                 "server --auth-secret=REDACTED",
		"server -api-key k3y-0123456789abcdef -x":     "server -api-key REDACTED -x",
		"server --api-key=k3y":                        "server --api-key=REDACTED",
		"server -nats nats://u:pw@n1:4222 -node a":    "server -nats REDACTED -node a",
		"server -nats=nats://n1:4222":                 "server -nats=nats://n1:4222",
		"server -log-dir auth-secret -auth-secret":    "server -log-dir auth-secret -auth-secret",
		"server token -sub bob -auth-secret=a=b=c -x": "server token -sub bob -auth-secret=REDACTED -x",
	} {
		if got := strings.Join(redactArgs(strings.Fields(in)), " "); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
