package chatserver

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/poll"
	"chatroom/internal/testpki"
	"chatroom/model"
)

// Issue 15, attack 2: log flooding. What one hostile address can make the
// server write to its log is bounded (client values clipped, refusals
// sampled per address), and the log folder is bounded whatever is
// written (rotation by size, a cap on the total).

// floodRefusals is how many refused handshakes each flood pipelines.
const floodRefusals = 2000

// hugeValue is the 15 KB username or Origin of the attack.
var hugeValue = strings.Repeat("a", 15<<10)

func TestAttack2LogFlood(t *testing.T) {
	dir := t.TempDir()
	// The join rate per address would turn most of these into 429s: off,
	// so that the flood is of the refusals attack 2 sent.
	r := start(t, "-log-dir", dir, "-join-rate-per-ip", "0") // the log on stderr too: start reads the metrics address there
	before := dirSize(t, dir)
	floods := []struct {
		name, header string
		status       int
	}{
		{"username", "Username", http.StatusBadRequest},
		{"origin", "Origin", http.StatusForbidden},
	}
	longest := 0
	begun := time.Now()
	for _, f := range floods {
		longest = max(longest, pipelineRefusals(t, r.addr, f.header, f.status))
	}
	took := time.Since(begun)
	grown := dirSize(t, dir) - before
	n := int64(len(floods) * floodRefusals)
	t.Logf("%d refusals with a 15 KB %s or %s in %v: the log grew by %d bytes (%.1f bytes per refusal, %.2f MB/s); longest refusal body %d bytes",
		n, floods[0].header, floods[1].header, took.Round(time.Millisecond), grown, float64(grown)/float64(n), float64(grown)/took.Seconds()/1e6, longest)
	if grown > 64<<10 {
		t.Errorf("the log grew by %d bytes (%d per refusal) for %d refusals from one address; want at most 64 KB in all", grown, grown/n, n)
	}
	if longest > 256 {
		t.Errorf("a refusal's body was %d bytes: the server echoes the client's value", longest)
	}
	// Every refusal is still counted.
	for _, res := range []string{"bad_request", "forbidden"} {
		if got := scrape(t, nil, r.metrics, `chatroom_handshakes_total{result="`+res+`"}`); got < floodRefusals {
			t.Errorf("%s refusals counted: %v, want %d", res, got, floodRefusals)
		}
	}
	// Sampling is per address: another client's refusal is still logged.
	status, _, _ := handshake(t, dialerFrom(bystanderAddr), "ws://"+r.addr+"/ws", http.Header{"Username": {strings.Repeat("b", 40)}})
	if status != http.StatusBadRequest {
		t.Fatalf("the bystander's bad name got %d, want 400", status)
	}
	if log := readLogs(t, dir); !strings.Contains(log, "remote=\""+bystanderAddr+":") && !strings.Contains(log, "remote="+bystanderAddr+":") {
		t.Errorf("the bystander's refusal is not in the log")
	}
}

// pipelineRefusals sends floodRefusals handshakes from attackerAddr on one
// keep-alive connection, each with hugeValue in header, reads the
// answers, checks their status and returns the longest body.
func pipelineRefusals(t *testing.T, addr, header string, status int) int {
	t.Helper()
	c, err := tcpFrom(t, attackerAddr, addr)
	if err != nil {
		t.Fatal(err)
	}
	req := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n%s: %s\r\n\r\n", addr, header, hugeValue)
	wrote := make(chan error, 1)
	go func() {
		for range floodRefusals {
			if _, err := io.WriteString(c, req); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	defer func() {
		c.Close() // a writer stuck on a server that stopped reading ends
		<-wrote
	}()
	br := bufio.NewReader(c)
	longest := 0
	for i := range floodRefusals {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s flood, answer %d: %v", header, i+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Fatalf("%s flood, answer %d: %s %q, want %d", header, i+1, resp.Status, body, status)
		}
		longest = max(longest, len(body))
	}
	return longest
}

// net/http's own complaints are sampled per address too: each connection
// that sends a TLS server garbage makes net/http log a failed handshake
// (at debug level).
func TestAttack2LogFloodHTTPErrors(t *testing.T) {
	pki := testpki.New(t)
	certFile, keyFile := pki.ServerFiles()
	dir := t.TempDir()
	r := start(t, "-log-dir", dir, "-log-stderr=false", "-log-level", "debug", "-tls-cert", certFile, "-tls-key", keyFile)
	const conns = 300
	for i := range conns {
		c, err := tcpFrom(t, attackerAddr, r.addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "\x00\x01 not a TLS handshake, "+hugeValue[:100]+"\r\n")
		c.SetReadDeadline(time.Now().Add(waitTime))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("connection %d: %v (want the server to close it)", i+1, err)
		}
		c.Close()
	}
	lines := strings.Count(readLogs(t, dir), "TLS handshake error")
	t.Logf("%d connections sending garbage to the TLS port: %d lines about failed TLS handshakes", conns, lines)
	if lines == 0 || lines > 2*logLinesPerAddr {
		t.Errorf("%d lines about %d failed TLS handshakes from one address; want 1 to %d", lines, conns, 2*logLinesPerAddr)
	}
}

// logLinesPerAddr is how many lines of one kind an address may cause in a
// minute (ctrl's sampling).
const logLinesPerAddr = 5

// A client that floods the log (here with talk, which is logged with its
// content, at no rate limit) cannot make the log folder larger than
// -log-max-total: files rotate at -log-max-size, the oldest go.
func TestAttack2LogFloodRotated(t *testing.T) {
	dir := t.TempDir()
	const maxSize, maxTotal = 64 << 10, 256 << 10
	r := start(t, "-log-dir", dir, "-log-stderr=false", "-msg-rate", "0", "-msg-rate-per-ip", "0", "-write-window", "0",
		"-log-max-size", "64KB", "-log-max-total", "256KB")
	ws := dialFrom(t, attackerAddr, r.addr, "flooder")
	until(t, ws, model.TypeUserList)
	content := strings.Repeat("x", 4000)
	const talks = 500 // about 2 MB of log
	largest := int64(0)
	for i := range talks {
		send(t, ws, model.TypeTalk, fmt.Sprintf("%04d%s", i, content))
		until(t, ws, model.TypeTalk)
		if i%50 == 0 {
			largest = max(largest, dirSize(t, dir))
		}
	}
	last := fmt.Sprintf("%04d%s", talks-1, content[:16])
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		current, err := os.ReadFile(filepath.Join(dir, config.LogFileName))
		if err != nil {
			return err
		}
		return poll.Check(strings.Contains(string(current), last), "the last talk in the current log file")
	})
	size := dirSize(t, dir)
	largest = max(largest, size)
	files, _ := filepath.Glob(filepath.Join(dir, config.LogFileName+".*"))
	t.Logf("%d talks of 4 KB: %d log files, %d bytes now, at most %d bytes seen (cap %d, files of %d)", talks, len(files), size, largest, maxTotal, maxSize)
	// A file may pass -log-max-size by the one line that crossed it.
	if largest > maxTotal+8<<10 {
		t.Errorf("the log folder reached %d bytes; -log-max-total is %d", largest, maxTotal)
	}
	if len(files) < 2 {
		t.Errorf("%d log files: no rotation by size", len(files))
	}
}

// Talk is logged with its content, as the specification asks, unless
// -log-talk=false: then the talk line keeps the user and seq only.
func TestAttack2TalkLogOff(t *testing.T) {
	for _, tc := range []struct {
		flag    string
		content bool
	}{{"-log-talk=true", true}, {"-log-talk=false", false}} {
		dir := t.TempDir()
		r := start(t, "-log-dir", dir, "-log-stderr=false", tc.flag)
		ws := dial(t, r.addr, "alice")
		until(t, ws, model.TypeUserList)
		send(t, ws, model.TypeTalk, "the secret plan")
		until(t, ws, model.TypeTalk)
		var line string
		poll.CheckFor(t, waitTime, pollEvery, func() error {
			for l := range strings.Lines(readLogs(t, dir)) {
				if strings.Contains(l, "msg=talk") {
					line = l
				}
			}
			return poll.Check(line != "", "a talk line in the log")
		})
		if !strings.Contains(line, "user=alice") || !strings.Contains(line, "seq=") {
			t.Errorf("%s: the talk line lacks user or seq: %s", tc.flag, line)
		}
		if got := strings.Contains(line, "the secret plan"); got != tc.content {
			t.Errorf("%s: content logged %v, want %v: %s", tc.flag, got, tc.content, line)
		}
	}
}

// dirSize is the bytes of the regular files in dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

// readLogs is every log file in dir, oldest name first.
func readLogs(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, config.LogFileName+".*"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil {
			b.Write(data)
		}
	}
	return b.String()
}
