package main

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/testpki"
)

// Child processes get the secret in their environment, not on their command
// line; the other flags (-url, -ca, …) on their command line.
func TestChildArgs(t *testing.T) {
	t.Setenv(authSecretEnv, "")
	pki := testpki.New(t)
	o := opts(t, "-url", "wss://localhost:1/ws", "-ca", pki.CAFile(), "-auth-secret", "s3cret", "-scenario", "fanout", "-clients", "10", "-churn", "4")
	args := strings.Join(childArgs(o, 5, 5, 2, 2, time.Now()), " ")
	if strings.Contains(args, "s3cret") || !strings.Contains(args, "-url=wss://localhost:1/ws") || !strings.Contains(args, "-ca=") || !strings.Contains(args, "-churn=2 -churn-offset=2") {
		t.Fatalf("child args: %s", args)
	}
	if env := childEnv(o); env[len(env)-1] != authSecretEnv+"=s3cret" {
		t.Fatalf("child env ends with %q", env[len(env)-1])
	}
}

// Several processes: children dial wss:// with the CA, send tokens minted
// with the secret they got in their environment, and churn; the parent
// merges their results. The children are this test binary, run as the
// command (see TestMain).
func TestProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("children start sending 10 s after launch")
	}
	const secret = "processes-secret"
	pki := testpki.New(t)
	var good atomic.Int64
	f := startFront(t, startServer(t, func(c *config.Server) { c.AuthSecret = secret }), &pki.Server, tokenCheck(secret, &good))
	t.Setenv(runAsCommandEnv, "1")
	t.Setenv(authSecretEnv, "")
	o := opts(t, "-url", f.url, "-ca", pki.CAFile(), "-auth-secret", secret, "-scenario", "fanout", "-clients", "6", "-churn", "2",
		"-senders", "2", "-rate", "20", "-duration", "1s", "-ramp", "50ms", "-per-process", "4")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := runProcesses(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Processes != 2 || sum.Connected != 6 || sum.ConnectFailures+sum.FailedClients != 0 || len(sum.Errors) != 0 ||
		sum.TalksSent < 10 || sum.Lost != 0 || sum.Deliveries != 6*sum.TalksSent {
		t.Fatalf("%+v", sum)
	}
	if sum.Churn != 2 || sum.ChurnCycles < 2 || sum.ChurnFailures != 0 || good.Load() != 6+sum.ChurnCycles {
		t.Fatalf("%d good tokens; churn: %+v", good.Load(), sum)
	}
}
