package chatserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// handshake dials addr with header and returns the HTTP status and the
// refusal's text (empty on 101). A 101 connection is closed at the test's end.
func handshake(t *testing.T, d *websocket.Dialer, url string, header http.Header) (int, string, *websocket.Conn) {
	t.Helper()
	if d == nil {
		d = &websocket.Dialer{HandshakeTimeout: waitTime}
	}
	ws, resp, err := d.Dial(url, header)
	if err == nil {
		t.Cleanup(func() { ws.Close() })
		return resp.StatusCode, "", ws
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, strings.TrimSpace(string(body)), nil
}

// scrape returns the value of the metric line that starts with series
// ("name" or `name{label="v"}`), or -1 when there is none.
func scrape(t *testing.T, client *http.Client, base, series string) float64 {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			return v
		}
	}
	return -1
}

// eventually polls cond until it holds or waitTime passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// until reads from ws until a message of type typ arrives, and returns it.
func until(t *testing.T, ws *websocket.Conn, typ string) *model.ChatRoomRequest {
	t.Helper()
	return untilWithin(t, ws, waitTime, typ)
}

// untilWithin is until with d for each frame, for what comes late by
// design (a dead node's users leave when their claims expire).
func untilWithin(t *testing.T, ws *websocket.Conn, d time.Duration, typ string) *model.ChatRoomRequest {
	t.Helper()
	for range 10000 {
		m, err := readWithin(t, ws, d)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
	}
	t.Fatalf("no %s in 10000 messages", typ)
	return nil
}

func send(t *testing.T, ws *websocket.Conn, typ, content string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: typ, Content: content})); err != nil {
		t.Fatal(err)
	}
}

func TestMetricsAndReadyz(t *testing.T) {
	r := start(t, "-shutdown-delay", "3s")
	base := "http://" + r.addr
	a := dial(t, r.addr, "alice")
	until(t, a, model.TypeUserList) // the join preamble
	send(t, a, model.TypeTalk, "你好")
	until(t, a, model.TypeTalk)

	for series, want := range map[string]float64{
		`chatroom_connections`:                         1,
		`chatroom_users`:                               1,
		`chatroom_handshakes_total{result="accepted"}`: 1,
		`chatroom_handshakes_total{result="conflict"}`: 0,
		`chatroom_frames_in_total{type="talk"}`:        1,
		`chatroom_frames_out_total{type="talk"}`:       1,
		`chatroom_closes_total{cause="slow_consumer"}`: 0,
		`chatroom_closes_total{cause="flood"}`:         0,
		`chatroom_rate_limited_frames_total`:           0,
	} {
		if got := scrape(t, nil, base, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	for _, series := range []string{"go_goroutines", "process_resident_memory_bytes", "chatroom_broadcast_fanout_seconds_count", "chatroom_deliveries_total"} {
		if got := scrape(t, nil, base, series); got <= 0 {
			t.Errorf("%s = %v, want > 0", series, got)
		}
	}

	// The server must keep answering during -shutdown-delay.
	ready := func() int { return status(t, base+"/readyz") }
	if s := ready(); s != 200 {
		t.Fatalf("/readyz before shutdown: %d", s)
	}
	r.cancel()
	// During -shutdown-delay the server still answers, but not ready.
	eventually(t, "/readyz to say 503", func() bool { return ready() == http.StatusServiceUnavailable })
	if r.wait(t) != 0 {
		t.Fatalf("exit code not 0: %s", r.stderr)
	}
	// The sockets reach the write pumps bare: writev works.
	if strings.Contains(r.stderr.String(), "writev") {
		t.Fatalf("the server warned about wrapped connections: %s", r.stderr)
	}
}

// Connections that never finish their request hold files too: past
// -max-conns plus 256, a new one is closed at once.
func TestPendingConnectionsAreCapped(t *testing.T) {
	r := start(t, "-max-conns", "4", "-handshake-timeout", "30s")
	const limit = 4 + config.FDReserve/2
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// closedWithin says whether the server closed c within d. "At once"
	// is anything well inside the 30 s handshake timeout, however slow
	// the machine.
	closedWithin := func(c net.Conn, d time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(d))
		_, err := c.Read(make([]byte, 1))
		return err == io.EOF || (err != nil && !isTimeout(err))
	}
	for range limit + 1 {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if !closedWithin(conns[limit], waitTime) {
		t.Fatalf("connection %d was kept open", limit+1)
	}
	for i, c := range conns[:limit] {
		if closedWithin(c, time.Millisecond) {
			t.Fatalf("connection %d of %d was closed", i+1, limit)
		}
	}
	// When the idle ones go, new connections are served again.
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	eventually(t, "the server to serve again", func() bool {
		status, _, _ := handshake(t, nil, "ws://"+r.addr+"/ws", nil)
		return status == 101
	})
}

func TestOriginCheck(t *testing.T) {
	r := start(t, "-allowed-origins", "https://chat.example.com")
	url := "ws://" + r.addr + "/ws"
	for _, tc := range []struct {
		origin string
		status int
	}{
		{"", http.StatusSwitchingProtocols}, // native clients
		{"http://" + r.addr, http.StatusSwitchingProtocols},
		{"https://chat.example.com", http.StatusSwitchingProtocols},
		{"https://CHAT.example.com/", http.StatusSwitchingProtocols},
		{"https://evil.example", http.StatusForbidden},
		{"https://chat.example.com.evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		status, reason, _ := handshake(t, nil, url, h)
		if status != tc.status {
			t.Errorf("Origin %q: status %d (%s), want %d", tc.origin, status, reason, tc.status)
		}
		if status == http.StatusForbidden && !strings.Contains(reason, "origin not allowed") {
			t.Errorf("Origin %q: reason %q", tc.origin, reason)
		}
	}
	// A page from another origin is not upgraded even to be told why.
	h := http.Header{"Origin": {"https://evil.example"}, "Sec-Websocket-Protocol": {model.SubprotocolRefusals}}
	if status, reason, _ := handshake(t, nil, url, h); status != http.StatusForbidden {
		t.Errorf("another origin offering %s: %d %s, want 403", model.SubprotocolRefusals, status, reason)
	}
}

func TestAuth(t *testing.T) {
	const secret = "a-secret-for-tests-32-bytes-long"
	r := start(t, "-auth-secret", secret)
	url := "ws://" + r.addr + "/ws"
	now := time.Now()
	mint := func(sec, name string, ttl time.Duration, at time.Time) string {
		tok, err := service.MintToken([]byte(sec), name, ttl, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// The token subcommand mints what the server accepts.
	var out, errOut bytes.Buffer
	env := func(k string) (string, bool) { return secret, k == config.EnvName("auth-secret") }
	if c := mintToken([]string{"-sub", "carol", "-ttl", "1h"}, env, &out, &errOut); c != 0 {
		t.Fatalf("token subcommand: %d %s", c, errOut.String())
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	for _, tc := range []struct {
		name   string
		url    string
		header http.Header
		status int
		reason string
		user   string
	}{
		{"no token", url, nil, 401, "authentication required", ""},
		{"username alone", url, http.Header{"Username": {"bob"}}, 401, "authentication required", ""},
		{"not bearer", url, http.Header{"Authorization": {"Basic Ym9iOmJvYg=="}}, 401, "authentication required", ""},
		{"garbage", url, bearer("not.a.token"), 401, "malformed", ""},
		{"wrong secret", url, bearer(mint("other", "bob", time.Hour, now)), 401, "signature is invalid", ""},
		{"expired", url, bearer(mint(secret, "bob", time.Minute, now.Add(-time.Hour))), 401, "expired", ""},
		{"other user's name", url, func() http.Header {
			h := bearer(mint(secret, "bob", time.Hour, now))
			h.Set("Username", "mallory")
			return h
		}(), 401, `"bob"`, ""},
		{"bearer", url, bearer(mint(secret, "bob", time.Hour, now)), 101, "", "bob"},
		{"query", url + "?token=" + mint(secret, "张三", time.Hour, now), nil, 101, "", "张三"},
		{"subcommand's token", url, bearer(strings.TrimSpace(out.String())), 101, "", "carol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, reason, ws := handshake(t, nil, tc.url, tc.header)
			if status != tc.status || !strings.Contains(reason, tc.reason) {
				t.Fatalf("status %d %q, want %d with %q", status, reason, tc.status, tc.reason)
			}
			if ws != nil {
				if m := until(t, ws, model.TypeJoin); m.UserName != tc.user {
					t.Fatalf("joined as %q, want %q", m.UserName, tc.user)
				}
			}
		})
	}
}

// dialFrom dials the server from a given loopback source address, so that
// the server sees several client IPs.
func dialFrom(src string) *websocket.Dialer {
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return &websocket.Dialer{HandshakeTimeout: waitTime, NetDialContext: nd.DialContext}
}

func TestConnectionLimits(t *testing.T) {
	r := start(t, "-max-conns", "4", "-max-conns-per-ip", "2")
	url := "ws://" + r.addr + "/ws"
	a := dialFrom("127.0.0.1")
	b := dialFrom("127.0.0.2")
	var open []*websocket.Conn
	for i, tc := range []struct {
		d      *websocket.Dialer
		status int
		reason string
	}{
		{a, 101, ""},
		{a, 101, ""},
		{a, 503, config.RefuseTooManyFromIP}, // a third from one address
		{b, 101, ""},                         // another address still may
		{b, 101, ""},
		{dialFrom("127.0.0.3"), 503, config.RefuseServerFull}, // four in all
	} {
		status, reason, ws := handshake(t, tc.d, url, nil)
		if status != tc.status || reason != tc.reason {
			t.Fatalf("connection %d: %d %q, want %d %q", i, status, reason, tc.status, tc.reason)
		}
		if ws != nil {
			open = append(open, ws)
		}
	}
	base := "http://" + r.addr
	for result, want := range map[string]float64{"full": 1, "per_ip_limit": 1, "accepted": 4} {
		if got := scrape(t, nil, base, `chatroom_handshakes_total{result="`+result+`"}`); got != want {
			t.Errorf("handshakes %s: %v, want %v", result, got, want)
		}
	}
	// A connection that ends frees its slot.
	open[0].Close()
	eventually(t, "a slot for 127.0.0.1 again", func() bool {
		status, _, _ := handshake(t, a, url, nil)
		return status == 101
	})
}

func TestRateLimit(t *testing.T) {
	// A rate this slow refills nothing during the test: what passes is the
	// burst, exactly.
	r := start(t, "-msg-rate", "0.01", "-msg-burst", "10", "-rate-close", "30")
	a := dial(t, r.addr, "alice")
	until(t, a, model.TypeUserList)
	// A burst of 15: 10 go through, and 5 are refused in words.
	for i := range 15 {
		send(t, a, model.TypeTalk, fmt.Sprint("talk ", i))
	}
	talks, limited := 0, 0
	for talks+limited < 15 {
		m, err := read(t, a)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case m.Type == model.TypeTalk:
			talks++
		case m.Type == model.TypeError && m.Content == config.ReplyRateLimited:
			limited++
		}
	}
	if talks != 10 || limited != 5 {
		t.Errorf("%d talks passed, %d limited; want 10 and 5", talks, limited)
	}
	// A flood is closed: 30 refusals more than the rate forgives.
	b := dial(t, r.addr, "bob")
	until(t, b, model.TypeUserList)
	for range 100 {
		if err := b.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList})); err != nil {
			break // closed already
		}
	}
	for {
		_, _, err := b.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || !strings.Contains(err.Error(), config.ReasonFlood) {
			t.Fatalf("flood ended with %v, want 1008 %q", err, config.ReasonFlood)
		}
		break
	}
	base := "http://" + r.addr
	eventually(t, "the flood close to be counted", func() bool {
		return scrape(t, nil, base, `chatroom_closes_total{cause="flood"}`) == 1
	})
	if got := scrape(t, nil, base, "chatroom_rate_limited_frames_total"); got < 30 {
		t.Errorf("rate-limited frames %v, want >= 30", got)
	}
}

// selfSigned writes a CA-less self-signed certificate for 127.0.0.1 and
// returns the cert and key files.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "chatroom test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	r := start(t, "-tls-cert", certFile, "-tls-key", keyFile)
	tlsConf := &tls.Config{RootCAs: pool}
	d := &websocket.Dialer{HandshakeTimeout: waitTime, TLSClientConfig: tlsConf}
	status, reason, ws := handshake(t, d, "wss://"+r.addr+"/ws", http.Header{"Username": {"王五"}})
	if status != 101 {
		t.Fatalf("wss: %d %s", status, reason)
	}
	send(t, ws, model.TypeTalk, "加密的你好")
	if m := until(t, ws, model.TypeTalk); m.Content != "加密的你好" || m.UserName != "王五" {
		t.Fatalf("got %+v", m)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: waitTime}
	defer client.CloseIdleConnections()
	if got := scrape(t, client, "https://"+r.addr, "chatroom_connections"); got != 1 {
		t.Fatalf("connections over https /metrics: %v", got)
	}
	// Plain ws:// to a TLS port does not get in.
	if _, _, err := (&websocket.Dialer{HandshakeTimeout: waitTime}).Dial("ws://"+r.addr+"/ws", nil); err == nil {
		t.Fatal("plain ws:// to the TLS port was accepted")
	}
}

func TestTLSBadFilesStopTheStart(t *testing.T) {
	var out syncBuffer
	dir := t.TempDir()
	code := Run(context.Background(), []string{"-addr", "127.0.0.1:0", "-log-dir", dir, "-tls-cert", filepath.Join(dir, "none.pem"), "-tls-key", filepath.Join(dir, "none.key")}, noEnv, &out, nil)
	if code != 1 || !strings.Contains(out.String(), "TLS certificate") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
}

func TestHTTPLimits(t *testing.T) {
	r := start(t, "-handshake-timeout", "300ms", "-max-header-bytes", "4096")
	// A header block far over the limit: 431.
	req, _ := http.NewRequest("GET", "http://"+r.addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("big header: %s", resp.Status)
	}
	// Slowloris: headers that never finish are cut at the handshake timeout.
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\n")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(waitTime))
	io.Copy(io.Discard, c) // until the server closes
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("an unfinished request was kept %v", took)
	}
}

// A flood paced to slip allowed frames between the refused ones is still a
// flood: refusals are forgiven only at the rate, not by one allowed frame.
func TestPacedFloodIsClosed(t *testing.T) {
	r := start(t, "-msg-rate", "20", "-msg-burst", "1", "-rate-close", "10")
	a := dial(t, r.addr, "alice")
	until(t, a, model.TypeUserList)
	closed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := a.ReadMessage(); err != nil {
				closed <- err
				return
			}
		}
	}()
	tick := time.NewTicker(5 * time.Millisecond) // 200 frames a second, 10 times the rate
	defer tick.Stop()
	for sent := 0; ; sent++ {
		select {
		case err := <-closed:
			if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) || !strings.Contains(err.Error(), config.ReasonFlood) {
				t.Fatalf("ended with %v, want 1008 %q", err, config.ReasonFlood)
			}
			t.Logf("closed after %d frames", sent)
			return
		case <-tick.C:
		}
		if sent > 2000 {
			t.Fatal("a paced flood of 2000 frames was not closed")
		}
		a.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList}))
	}
}
