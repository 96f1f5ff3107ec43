package chatserver

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// Found by a hostile review of attack 8's fix: the metrics listener
// (-metrics-addr) accepted every connection, so one client that reached it
// could hold a file per connection with headers that never end, and spend
// the process's open files (the chat's among them). The operator's
// listeners now serve a few connections at once; the rest wait in the
// kernel's listen queue, holding no file of the server's.
func TestMetricsListenerHoldsFewConnections(t *testing.T) {
	r := start(t)
	addr := strings.TrimPrefix(r.metrics, "http://")
	// More than the listener serves at once, but few enough that the
	// scrape behind them gets its turn within the test's wait: the server
	// cuts unfinished headers after 2 s, maxPrivateConns at a time.
	const partial = 40
	before := openFiles(t)
	for range partial {
		c, err := tcpFrom(t, attackerAddr, addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Never-Ends: ")
	}
	// A whole request behind them: once it is answered, the server has
	// accepted everything before it that it was going to.
	c, err := tcpFrom(t, attackerAddr, addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(waitTime))
	io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("a scrape behind %d stalled requests: %v", partial, err)
	}
	resp.Body.Close()
	// The test holds one end of every connection (partial + 1); the server
	// holds the other end only of those it accepted.
	held := openFiles(t) - before - (partial + 1)
	t.Logf("%d connections with unfinished headers to the metrics listener: the server holds %d files for them", partial, held)
	if held > maxPrivateConns+8 {
		t.Errorf("the server holds %d files for %d connections to its metrics listener, want at most about %d", held, partial, maxPrivateConns)
	}
}

// openFiles counts this process's open files.
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(fds)
}
