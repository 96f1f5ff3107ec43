// Command loadtest drives the chat server the way the spec's locust scenario
// did, at scale: N users connect, each sends a talk and a userlist request
// every interval and reads everything. It reports deliveries per second,
// delivery latency (send to receive, same clock), messages lost per
// healthy client, and the server's memory when given its pid.
//
//	go run ./loadtest -clients 2000 -interval 2s -duration 60s -pid $(pgrep -n server)
//
// The receive path is deliberately lean (one reused buffer per client, no
// allocation per frame) so that the tool, not the server, is rarely the
// limit on a shared machine; its own CPU time is reported.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/model"
)

type options struct {
	url      string
	clients  int
	interval time.Duration
	duration time.Duration
	ramp     time.Duration
	drain    time.Duration
	size     int
	userlist bool
	pid      int
	jsonOut  bool
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "ws://127.0.0.1:9000/ws", "chat endpoint")
	flag.IntVar(&o.clients, "clients", 100, "users to connect (a process may hold about 19,000)")
	flag.DurationVar(&o.interval, "interval", 2*time.Second, "each user sends one talk (and one userlist request) this often")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long users send")
	flag.DurationVar(&o.ramp, "ramp", 10*time.Second, "spread the connections over this long")
	flag.DurationVar(&o.drain, "drain", 15*time.Second, "after sending stops, wait at most this long for deliveries")
	flag.IntVar(&o.size, "size", 64, "talk content size in bytes (at least 40)")
	flag.BoolVar(&o.userlist, "userlist", true, "also send a userlist request every interval, as the spec's locust scenario did")
	flag.IntVar(&o.pid, "pid", 0, "server process id, to report its memory (RSS) and CPU")
	flag.BoolVar(&o.jsonOut, "json", false, "print the summary as JSON")
	flag.Parse()
	if o.clients < 1 || o.interval <= 0 || o.duration <= 0 || o.size < 40 {
		fmt.Fprintln(os.Stderr, "loadtest: need -clients >= 1, -interval > 0, -duration > 0, -size >= 40")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		sum.print(os.Stdout)
	}
	if sum.Lost > 0 || sum.FailedClients > 0 {
		os.Exit(3)
	}
}

// summary is the result of one run.
type summary struct {
	Clients          int            `json:"clients"`
	ConnectFailures  int            `json:"connect_failures"`
	FailedClients    int            `json:"failed_clients"` // closed or broken during the run
	Errors           map[string]int `json:"errors,omitempty"`
	DurationSec      float64        `json:"duration_s"`
	TalksSent        int64          `json:"talks_sent"`
	UserlistReplies  int64          `json:"userlist_replies"`
	Deliveries       int64          `json:"deliveries"`
	DeliveriesPerSec float64        `json:"deliveries_per_s"`
	Lost             int64          `json:"lost"` // expected − received, summed over healthy clients
	LatencyMs        latencies      `json:"latency_ms"`
	ServerRSSMiB     [2]float64     `json:"server_rss_mib,omitempty"` // before sending, at the end
	ServerCPUSec     float64        `json:"server_cpu_s,omitempty"`
	ToolCPUSec       float64        `json:"loadtest_cpu_s"`
}

type latencies struct{ P50, P90, P99, Max float64 }

func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "clients            %d (connect failures %d, failed during run %d)\n", s.Clients, s.ConnectFailures, s.FailedClients)
	fmt.Fprintf(w, "sending for        %.1f s\n", s.DurationSec)
	fmt.Fprintf(w, "talks sent         %d\n", s.TalksSent)
	fmt.Fprintf(w, "userlist replies   %d\n", s.UserlistReplies)
	fmt.Fprintf(w, "deliveries         %d (%.0f/s)\n", s.Deliveries, s.DeliveriesPerSec)
	fmt.Fprintf(w, "lost               %d\n", s.Lost)
	fmt.Fprintf(w, "latency ms         p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", s.LatencyMs.P50, s.LatencyMs.P90, s.LatencyMs.P99, s.LatencyMs.Max)
	if s.ServerRSSMiB[0] > 0 {
		fmt.Fprintf(w, "server RSS MiB     %.1f before sending, %.1f at the end; server CPU %.1f s\n", s.ServerRSSMiB[0], s.ServerRSSMiB[1], s.ServerCPUSec)
	}
	fmt.Fprintf(w, "loadtest CPU       %.1f s\n", s.ToolCPUSec)
	for k, v := range s.Errors {
		fmt.Fprintf(w, "error              %dx %s\n", v, k)
	}
}

// user is one simulated client.
type user struct {
	id      int
	conn    net.Conn
	br      *bufio.Reader
	wmu     sync.Mutex // the sender and the reader's pong share the socket
	wbuf    []byte
	talks   atomic.Int64 // talks of this run received
	lists   atomic.Int64
	failed  atomic.Bool
	err     error
	hist    histogram
	histMu  sync.Mutex
	started int64 // unix ns; talks sent earlier are not this run's
}

func run(ctx context.Context, o options, log io.Writer) (*summary, error) {
	u, err := url.Parse(o.url)
	if err != nil {
		return nil, err
	}
	runID := randomID()
	cpu0 := selfCPU()
	users := make([]*user, 0, o.clients)
	errs := map[string]int{}
	var errMu sync.Mutex
	countErr := func(err error) {
		k := err.Error()
		if i := strings.LastIndex(k, ": "); i >= 0 && strings.HasPrefix(k, "read tcp") {
			k = "read: " + k[i+2:]
		}
		errMu.Lock()
		errs[k]++
		errMu.Unlock()
	}

	// Connect, spread over the ramp.
	fmt.Fprintf(log, "connecting %d clients over %s to %s\n", o.clients, o.ramp, o.url)
	var wg sync.WaitGroup
	pace := time.NewTicker(max(o.ramp/time.Duration(o.clients), time.Microsecond))
	defer pace.Stop()
	start := time.Now()
	connectFailures := 0
	for i := range o.clients {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-pace.C:
		}
		us, err := connect(u, fmt.Sprintf("load-%s-%d", runID, i))
		if err != nil {
			connectFailures++
			countErr(err)
			continue
		}
		us.id = i
		users = append(users, us)
		wg.Add(1)
		go func() { defer wg.Done(); us.readLoop(runID, countErr) }()
	}
	fmt.Fprintf(log, "%d connected in %s\n", len(users), time.Since(start).Round(time.Millisecond))

	rss0 := rssMiB(o.pid)
	scpu0 := procCPU(o.pid)
	// Send: every user once per interval, phases spread evenly.
	var sent atomic.Int64
	sendStart := time.Now()
	for _, us := range users {
		us.started = sendStart.UnixNano()
	}
	sendCtx, stopSending := context.WithTimeout(ctx, o.duration)
	defer stopSending()
	var swg sync.WaitGroup
	for i, us := range users {
		swg.Add(1)
		go func() {
			defer swg.Done()
			phase := o.interval * time.Duration(i) / time.Duration(len(users))
			t := time.NewTimer(phase)
			defer t.Stop()
			for next := sendStart.Add(phase); ; next = next.Add(o.interval) {
				t.Reset(time.Until(next))
				select {
				case <-sendCtx.Done():
					return
				case <-t.C:
				}
				if us.failed.Load() {
					return
				}
				if err := us.sendTalk(runID, o.size); err != nil {
					return
				}
				sent.Add(1)
				if o.userlist {
					us.send(&model.ChatRoomRequest{Type: model.TypeUserList})
				}
			}
		}()
	}
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
	report := func(phase string) {
		var got int64
		for _, us := range users {
			got += us.talks.Load()
		}
		fmt.Fprintf(log, "%-8s %6.1fs sent %d delivered %d (%.0f/s)\n", phase, time.Since(sendStart).Seconds(), sent.Load(), got, float64(got)/time.Since(sendStart).Seconds())
	}
loop:
	for {
		select {
		case <-sendCtx.Done():
			break loop
		case <-progress.C:
			report("sending")
		}
	}
	swg.Wait()
	sendTime := time.Since(sendStart)
	total := sent.Load()

	// Drain: wait until every healthy user has every talk, or the deadline.
	deadline := time.Now().Add(o.drain)
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for time.Now().Before(deadline) {
		done := true
		for _, us := range users {
			if !us.failed.Load() && us.talks.Load() < total {
				done = false
				break
			}
		}
		if done {
			break
		}
		select {
		case <-poll.C:
		case <-progress.C:
			report("draining")
		}
	}
	elapsed := time.Since(sendStart)
	rss1 := rssMiB(o.pid)
	scpu1 := procCPU(o.pid)

	sum := &summary{Clients: o.clients, ConnectFailures: connectFailures, Errors: errs, DurationSec: sendTime.Seconds(), TalksSent: total}
	var all histogram
	for _, us := range users {
		got := us.talks.Load()
		sum.Deliveries += got
		sum.UserlistReplies += us.lists.Load()
		if us.failed.Load() {
			sum.FailedClients++
		} else if got < total {
			sum.Lost += total - got
		}
		us.histMu.Lock()
		all.merge(&us.hist)
		us.histMu.Unlock()
	}
	sum.DeliveriesPerSec = float64(sum.Deliveries) / elapsed.Seconds()
	sum.LatencyMs = latencies{all.quantile(0.50), all.quantile(0.90), all.quantile(0.99), all.quantile(1)}
	if o.pid > 0 {
		sum.ServerRSSMiB = [2]float64{rss0, rss1}
		sum.ServerCPUSec = scpu1 - scpu0
	}
	// Close politely, then wait for the readers.
	for _, us := range users {
		us.send(&model.ChatRoomRequest{Type: model.TypeExit})
		us.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	wg.Wait()
	for _, us := range users {
		us.conn.Close()
	}
	sum.ToolCPUSec = selfCPU() - cpu0
	return sum, nil
}

// connect performs the WebSocket handshake itself so that frames can then
// be parsed straight out of its bufio.Reader.
func connect(u *url.URL, name string) (*user, error) {
	host := u.Host
	if u.Port() == "" {
		host += ":80"
	}
	conn, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	path := u.Path + "?username=" + url.QueryEscape(name)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, u.Host, key)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(conn, 16<<10)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-Websocket-Accept") != base64.StdEncoding.EncodeToString(h[:]) {
		conn.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	conn.SetReadDeadline(time.Time{})
	return &user{conn: conn, br: br}, nil
}

func (us *user) sendTalk(runID string, size int) error {
	content := make([]byte, 0, size)
	content = strconv.AppendInt(content, time.Now().UnixNano(), 10)
	content = append(content, ' ')
	content = append(content, runID...)
	content = append(content, ' ')
	for len(content) < size {
		content = append(content, 'x')
	}
	return us.send(&model.ChatRoomRequest{Type: model.TypeTalk, Content: string(content)})
}

// send writes one masked binary frame.
func (us *user) send(m *model.ChatRoomRequest) error {
	return us.writeFrame(0x2, model.Encode(m))
}

func (us *user) writeFrame(opcode byte, payload []byte) error {
	us.wmu.Lock()
	defer us.wmu.Unlock()
	b := us.wbuf[:0]
	b = append(b, 0x80|opcode)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	b = append(b, mask[:]...)
	off := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[off+i] ^= mask[i&3]
	}
	us.wbuf = b
	us.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := us.conn.Write(b)
	return err
}

// readLoop parses server frames in place: no allocation per frame.
func (us *user) readLoop(runID string, countErr func(error)) {
	var scratch []byte
	marker := []byte(runID)
	for {
		var hdr [2]byte
		if _, err := io.ReadFull(us.br, hdr[:]); err != nil {
			us.fail(err, countErr)
			return
		}
		opcode := hdr[0] & 0x0f
		n := uint64(hdr[1] & 0x7f)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(us.br, ext[:]); err != nil {
				us.fail(err, countErr)
				return
			}
			n = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(us.br, ext[:]); err != nil {
				us.fail(err, countErr)
				return
			}
			n = binary.BigEndian.Uint64(ext[:])
		}
		if hdr[1]&0x80 != 0 || hdr[0]&0x80 == 0 || n > 64<<20 {
			us.fail(errors.New("unexpected frame (masked, fragmented or huge)"), countErr)
			return
		}
		var p []byte
		if int(n) <= us.br.Size() {
			var err error
			if p, err = us.br.Peek(int(n)); err != nil {
				us.fail(err, countErr)
				return
			}
		} else {
			if cap(scratch) < int(n) {
				scratch = make([]byte, n)
			}
			p = scratch[:n]
			if _, err := io.ReadFull(us.br, p); err != nil {
				us.fail(err, countErr)
				return
			}
		}
		now := time.Now().UnixNano()
		switch opcode {
		case 0x2:
			us.handle(p, marker, now)
		case 0x8: // close: the server is done with us
			code := 0
			if len(p) >= 2 {
				code = int(binary.BigEndian.Uint16(p))
			}
			if code != 1000 {
				us.fail(fmt.Errorf("closed by server: %d %s", code, p[min(2, len(p)):]), countErr)
			}
			return
		case 0x9:
			pong := append([]byte(nil), p...)
			us.writeFrame(0xA, pong)
		}
		if int(n) <= us.br.Size() {
			us.br.Discard(int(n))
		}
	}
}

func (us *user) fail(err error, countErr func(error)) {
	if !us.failed.Swap(true) {
		us.err = err
		countErr(err)
	}
}

// handle looks at type (1), content (3) without copying.
func (us *user) handle(p, marker []byte, now int64) {
	var typ, content []byte
	for len(p) > 0 {
		num, wt, n := protowire.ConsumeTag(p)
		if n < 0 {
			return
		}
		p = p[n:]
		if wt == protowire.BytesType {
			v, m := protowire.ConsumeBytes(p)
			if m < 0 {
				return
			}
			switch num {
			case 1:
				typ = v
			case 3:
				content = v
			}
			p = p[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, wt, p)
		if m < 0 {
			return
		}
		p = p[m:]
	}
	switch string(typ) { // no allocation: the compiler compares in place
	case model.TypeTalk:
		sp := indexByte(content, ' ')
		if sp < 0 || len(content) < sp+1+len(marker) || string(content[sp+1:sp+1+len(marker)]) != string(marker) {
			return // not this run's
		}
		sentAt := parseInt(content[:sp])
		if sentAt < us.started {
			return
		}
		us.talks.Add(1)
		us.histMu.Lock()
		us.hist.add(uint64(max(0, now-sentAt)) / 1000)
		us.histMu.Unlock()
	case model.TypeUserList:
		us.lists.Add(1)
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func parseInt(b []byte) int64 {
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

// histogram counts microsecond values in log-linear buckets (32 per power
// of two: about 3% resolution).
type histogram struct {
	counts [40 * 32]uint64
	max    uint64
}

func bucketOf(v uint64) int {
	if v < 64 {
		return int(v)
	}
	e := bits.Len64(v) - 6
	return min(e*32+int(v>>e), len(histogram{}.counts)-1)
}

func bucketValue(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	e := i/32 - 1
	return uint64(i%32+32) << e
}

func (h *histogram) add(us uint64) {
	h.counts[bucketOf(us)]++
	h.max = max(h.max, us)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile in milliseconds.
func (h *histogram) quantile(q float64) float64 {
	if q >= 1 {
		return float64(h.max) / 1000
	}
	var total uint64
	for _, c := range h.counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q * float64(total))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return float64(bucketValue(i)) / 1000
		}
	}
	return float64(h.max) / 1000
}

func randomID() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

func rssMiB(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// procCPU is a process's user+system CPU seconds, from /proc.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
