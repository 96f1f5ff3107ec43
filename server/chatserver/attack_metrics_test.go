package chatserver

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"chatroom/config"
	"chatroom/internal/testpki"
)

// Attack 8 of the abuse issue: what the server shows beyond the chat.
// /metrics on the chat port tells an attacker how many files it may still
// open; pprof's command line shows secrets passed as flags; without HSTS a
// browser may be downgraded to http; a token may live until year 9999.

func TestAttack8MetricsNotPublic(t *testing.T) {
	r := start(t)
	status, body := getFrom(t, attackerAddr, "http://"+r.addr+"/metrics", r.addr)
	if status == http.StatusOK || strings.Contains(body, "process_max_fds") {
		t.Errorf("/metrics on the chat port: %d, %d bytes of metrics", status, len(body))
	}
	// The operator's own listener has them.
	if got := scrape(t, nil, r.metrics, "process_max_fds"); got <= 0 {
		t.Errorf("process_max_fds on -metrics-addr: %v", got)
	}
}

func TestAttack8PprofCmdlineHidesSecret(t *testing.T) {
	const secret = "attack-8-secret-on-the-command-line"
	debug := freeAddr(t)
	startProcess(t, "-auth-secret", secret, "-debug-addr", debug)
	status, body := getFrom(t, attackerAddr, "http://"+debug+"/debug/pprof/cmdline", debug)
	if status != http.StatusOK || strings.Contains(body, secret) {
		t.Fatalf("pprof cmdline: %d %q", status, strings.ReplaceAll(body, "\x00", " "))
	}
	if !strings.Contains(body, "-auth-secret\x00REDACTED") {
		t.Errorf("pprof cmdline does not show the flag redacted: %q", strings.ReplaceAll(body, "\x00", " "))
	}
}

func TestAttack8HSTSUnderTLS(t *testing.T) {
	pki := testpki.New(t)
	cert, key := pki.ServerFiles()
	r := start(t, "-tls-cert", cert, "-tls-key", key)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: waitTime}
	want := "max-age=" + strconv.Itoa(365*24*3600)
	for _, path := range []string{"/", "/healthz", "/ws", "/nothing-here"} {
		resp, err := client.Get("https://" + r.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != want {
			t.Errorf("GET %s: %d, Strict-Transport-Security %q, want %q", path, resp.StatusCode, got, want)
		}
	}
	// Plain http has none: browsers ignore it there.
	plain := start(t)
	resp, err := http.Get("http://" + plain.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain http sent Strict-Transport-Security %q", got)
	}
}

func TestAttack8LongLivedTokenRefused(t *testing.T) {
	const secret = "a-secret-for-tests-32-bytes-long"
	r := start(t, "-auth-secret", secret)
	sign := func(sub string, exp time.Time) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: sub, ExpiresAt: jwt.NewNumericDate(exp)}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	url := "ws://" + r.addr + "/ws"
	for i, tc := range []struct {
		name   string
		exp    time.Time
		status int
	}{
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), http.StatusUnauthorized},
		{"ten years", time.Now().AddDate(10, 0, 0), http.StatusUnauthorized},
		{"31 days", time.Now().Add(31 * 24 * time.Hour), http.StatusUnauthorized},
		{"29 days", time.Now().Add(29 * 24 * time.Hour), http.StatusSwitchingProtocols},
	} {
		status, reason, ws := handshake(t, dialerFrom(attackerAddr), url, http.Header{"Authorization": {"Bearer " + sign("mallory"+strconv.Itoa(i), tc.exp)}})
		if status != tc.status || (status == http.StatusUnauthorized && !strings.Contains(reason, "lives too long")) {
			t.Errorf("token expiring in %s: %d %q, want %d", tc.name, status, reason, tc.status)
		}
		if ws != nil {
			ws.Close()
		}
	}
	// The token subcommand does not mint what the server refuses.
	var out, errOut bytes.Buffer
	env := func(k string) (string, bool) { return secret, k == config.EnvName("auth-secret") }
	if c := mintToken([]string{"-sub", "bob", "-ttl", "87600h"}, env, &out, &errOut); c != 2 || out.Len() != 0 || !strings.Contains(errOut.String(), "-token-max-age") {
		t.Errorf("server token -ttl 87600h: exit %d, stdout %q, stderr %q; want exit 2 and no token", c, out.String(), errOut.String())
	}
}

// freeAddr is a loopback address with a port free a moment ago, for a
// listener whose address the test must know before the server logs it.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
