package chatserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"chatroom/model"
)

// The helpers every test file of the package uses: a server run in this
// process (start) or in a process of its own (startProcess), and clients
// that dial, send, read and scrape /metrics.

// childEnv marks a copy of this test binary that is a chat server and
// nothing else, so that a test can kill a node as a crash would (SIGKILL: no
// goodbye, no cleanup). It prints its address on stdout once it serves.
const childEnv = "CHATROOM_TEST_SERVER_PROCESS"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Run(context.Background(), os.Args[1:], noEnv, os.Stderr, func(addr string) { fmt.Println(addr) }))
	}
	goleak.VerifyTestMain(m)
}

// waitTime bounds every wait of these tests: for a frame, a start, a
// condition.
const waitTime = 10 * time.Second

// pollEvery is how often a test waiting for a condition asks again.
const pollEvery = 10 * time.Millisecond

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type running struct {
	addr   string
	cancel context.CancelFunc
	code   chan int
	stderr *syncBuffer

	metrics string // http://HOST:PORT of its -metrics-addr listener, for scrape
}

func start(t testing.TB, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, code: make(chan int, 1), stderr: &syncBuffer{}}
	ready := make(chan string, 1)
	args = append([]string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-data-dir", t.TempDir(), "-metrics-addr", "127.0.0.1:0"}, args...)
	go func() { r.code <- Run(ctx, args, noEnv, r.stderr, func(a string) { ready <- a }) }()
	select {
	case r.addr = <-ready:
	case c := <-r.code:
		t.Fatalf("server exited with %d: %s", c, r.stderr)
	case <-time.After(waitTime):
		t.Fatal("server did not start")
	}
	r.metrics = metricsBase(r.stderr.String())
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.code:
		case <-time.After(waitTime):
			t.Error("server did not stop")
		}
	})
	return r
}

func noEnv(string) (string, bool) { return "", false }

func (r *running) wait(t *testing.T) int {
	t.Helper()
	select {
	case c := <-r.code:
		r.code <- c
		return c
	case <-time.After(waitTime):
		t.Fatal("server did not exit")
		return -1
	}
}

// startProcess runs a chat server in a process of its own (this test binary,
// see childEnv) and returns it with its address. The test ends it with
// SIGKILL, if it has not killed it before.
func startProcess(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-data-dir", t.TempDir()}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatalf("the server process did not start: %s", stderr)
		}
		return cmd, addr
	case <-time.After(waitTime):
		t.Fatalf("the server process did not start in %v: %s", waitTime, stderr)
		return nil, ""
	}
}

func dial(t *testing.T, addr, name string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", http.Header{"Username": {name}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func read(t *testing.T, ws *websocket.Conn) (*model.ChatRoomRequest, error) {
	t.Helper()
	return readWithin(t, ws, waitTime)
}

// readWithin is read with d to wait for the frame.
func readWithin(t *testing.T, ws *websocket.Conn, d time.Duration) (*model.ChatRoomRequest, error) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(d))
	_, b, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	return model.Decode(b)
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

// metricsBase finds the metrics listener's http://HOST:PORT in a server's
// log (its "metrics listening" line, written before it is ready); "" if
// there is none.
func metricsBase(log string) string {
	m := regexp.MustCompile(`metrics listening.*?(http://[^"\s]+)/metrics`).FindStringSubmatch(log)
	if m == nil {
		return ""
	}
	return m[1]
}

// scrape returns the value of the metric line that starts with series
// ("name" or `name{label="v"}`), or -1 when there is none.
func scrape(t *testing.T, client *http.Client, base, series string) float64 {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	if base == "" {
		t.Fatal("no metrics address: start finds it in the log on stderr (drop -log-stderr=false)")
	}
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s/metrics: %s (metrics are served on -metrics-addr only: scrape r.metrics)", base, resp.Status)
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

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Loopback addresses the attack tests use as different clients: the whole
// of 127.0.0.0/8 reaches a server listening on 127.0.0.1, and the server
// sees each as its own address.
const (
	attackerAddr  = "127.0.0.2"
	bystanderAddr = "127.0.0.3"
)

// dialerFrom is a WebSocket dialer whose connections come from the
// loopback address src.
func dialerFrom(src string) *websocket.Dialer {
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: waitTime}
	return &websocket.Dialer{NetDialContext: nd.DialContext, HandshakeTimeout: waitTime}
}

// dialFrom is dial from the loopback address src.
func dialFrom(t *testing.T, src, addr, name string) *websocket.Conn {
	t.Helper()
	ws, _, err := dialerFrom(src).Dial("ws://"+addr+"/ws", http.Header{"Username": {name}})
	if err != nil {
		t.Fatalf("dial from %s as %q: %v", src, name, err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// tcpFrom opens a plain TCP connection to addr from the loopback address
// src, closed when the test ends; nil and the error if it cannot.
func tcpFrom(t *testing.T, src, addr string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: waitTime}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}
