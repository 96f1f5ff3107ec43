// Command loadtest puts load on a chat server and measures what comes back.
//
//	go run ./loadtest -h
//	go run ./loadtest -scenario seed -clients 2000 -interval 2s -duration 60s -pid $(pgrep -n server)
//
// Scenarios:
//
//	seed     the spec's locust scenario: every user sends a talk and a
//	         userlist request every -interval and reads everything
//	fanout   -clients connected, -senders of them sending -rate talks/s in all
//	idle     -clients connections held open for -duration; with -pid, the
//	         server's RSS per connection
//	connect  -concurrency workers connecting, joining, leaving, for -duration
//
// Deliveries are timed from the send time written into each talk, so the
// latency is send to receive on one clock. Lost deliveries are talks sent
// in the run that a healthy client (one the server did not close) never
// received. -protocol v2 negotiates the chatroom.v2 subprotocol (several
// messages per frame); -protocol lines speaks plain text to servers like
// gorilla/websocket's examples/chat.
//
// The receive path is deliberately lean (frames parsed in place in one
// reused buffer per client, no allocation per frame), so that the tool, not
// the server, is rarely the limit on a shared machine; its CPU time per
// million deliveries is reported beside the server's. One process holds at
// most -per-process connections (the open-file limit); more clients are
// split across child processes of this command, which start sending at the
// same moment, and their results are merged.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

type options struct {
	scenario    string
	rawURL      string
	urls        []*url.URL
	proto       string
	clients     int
	senders     int
	interval    time.Duration
	rate        float64
	duration    time.Duration
	ramp        time.Duration
	drain       time.Duration
	size        int
	userlist    bool
	concurrency int
	pid         int
	jsonOut     bool
	progress    time.Duration
	perProcess  int
	cpuProfile  string

	// set by a parent for its child processes
	child  bool
	runID  string
	offset int   // first client number
	start  int64 // unix ns when sending starts
	total  int   // clients over all processes
	// exchange, in a child process, reports the talks this process sent
	// and returns what all processes sent.
	exchange func(sent int64) int64
}

func main() { os.Exit(realMain()) }

// realMain runs the command and returns its exit code.
func realMain() int {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := io.Writer(os.Stderr)
	if o.child {
		log = io.Discard
		o.exchange = childExchange(os.Stdin, os.Stdout)
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			return 2
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	var sum *summary
	if o.clients > o.perProcess && !o.child && o.scenario != "connect" {
		sum, err = runProcesses(ctx, o, os.Args[1:], log)
	} else {
		sum, err = run(ctx, o, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		return 1
	}
	if o.jsonOut || o.child {
		if !o.child {
			sum.LatencyBuckets = nil
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		sum.print(os.Stdout)
	}
	if !o.child && (sum.Lost > 0 || sum.FailedClients > 0 || sum.ConnectFailures > 0) {
		return 3
	}
	return 0
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "seed", "seed, fanout, idle or connect (see go doc ./loadtest)")
	fs.StringVar(&o.rawURL, "url", "ws://127.0.0.1:9000/ws", "chat endpoint; several, comma-separated, share the clients (one cluster)")
	fs.StringVar(&o.proto, "protocol", protoV1, "v1 (one message per frame), v2 (the chatroom.v2 subprotocol: batched frames) or lines (plain text, for gorilla's examples/chat)")
	fs.IntVar(&o.clients, "clients", 100, "users to connect")
	fs.IntVar(&o.senders, "senders", 10, "fanout: how many of the clients send")
	fs.DurationVar(&o.interval, "interval", 2*time.Second, "seed: each user sends one talk (and one userlist request) this often")
	fs.Float64Var(&o.rate, "rate", 100, "fanout: talks per second, all senders together")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long users send (idle: hold; connect: keep connecting)")
	fs.DurationVar(&o.ramp, "ramp", 10*time.Second, "spread the connections over this long")
	fs.DurationVar(&o.drain, "drain", 15*time.Second, "after sending stops, wait at most this long for deliveries")
	fs.IntVar(&o.size, "size", 64, "talk content size in bytes (at least 40)")
	fs.BoolVar(&o.userlist, "userlist", true, "seed: also send a userlist request every interval, as the spec's locust scenario did")
	fs.IntVar(&o.concurrency, "concurrency", 32, "connect: connections in flight at once")
	fs.IntVar(&o.pid, "pid", 0, "server process id, to report its memory (RSS) and CPU")
	fs.BoolVar(&o.jsonOut, "json", false, "print the summary as JSON")
	fs.DurationVar(&o.progress, "progress", 5*time.Second, "print a progress line this often (on stderr)")
	fs.IntVar(&o.perProcess, "per-process", 18000, "most connections one process holds (the open-file limit here is 20,000); more are split across child processes")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write this tool's CPU profile to the file (go tool pprof)")
	fs.BoolVar(&o.child, "child", false, "internal: run as one of several processes")
	fs.StringVar(&o.runID, "run-id", "", "internal: the run's id (default random)")
	fs.IntVar(&o.offset, "offset", 0, "internal: number of this process's first client")
	fs.Int64Var(&o.start, "start", 0, "internal: unix ns when sending starts")
	fs.IntVar(&o.total, "total", 0, "internal: clients over all processes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: loadtest [flags]  (scenarios: go doc ./loadtest)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, raw := range strings.Split(o.rawURL, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "ws" && u.Scheme != "http") || u.Host == "" {
			return o, fmt.Errorf("-url %q: want ws://host:port/path", raw)
		}
		o.urls = append(o.urls, u)
	}
	switch {
	case o.scenario != "seed" && o.scenario != "fanout" && o.scenario != "idle" && o.scenario != "connect":
		return o, fmt.Errorf("-scenario %q: want seed, fanout, idle or connect", o.scenario)
	case o.proto != protoV1 && o.proto != protoV2 && o.proto != protoLines:
		return o, fmt.Errorf("-protocol %q: want v1, v2 or lines", o.proto)
	case o.clients < 1 || o.duration <= 0 || o.ramp < 0 || o.drain < 0 || o.progress <= 0:
		return o, errors.New("need -clients >= 1, -duration > 0, -ramp >= 0, -drain >= 0, -progress > 0")
	case o.size < 40 || o.size > 1<<20:
		return o, errors.New("-size must be 40 .. 1048576 bytes")
	case o.scenario == "seed" && o.interval <= 0:
		return o, errors.New("-interval must be > 0")
	case o.scenario == "fanout" && (o.senders < 1 || o.senders > o.clients || o.rate <= 0):
		return o, errors.New("fanout needs 1 <= -senders <= -clients and -rate > 0")
	case o.scenario == "connect" && o.concurrency < 1:
		return o, errors.New("-concurrency must be >= 1")
	case o.perProcess < 1:
		return o, errors.New("-per-process must be >= 1")
	case o.scenario == "connect" && o.concurrency > o.perProcess:
		return o, fmt.Errorf("-concurrency %d: one process holds at most %d connections", o.concurrency, o.perProcess)
	}
	if o.runID == "" {
		var b [4]byte
		rand.Read(b[:])
		o.runID = fmt.Sprintf("%x", b)
	}
	if o.total == 0 {
		o.total = o.clients
	}
	return o, nil
}
