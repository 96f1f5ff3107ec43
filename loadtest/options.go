package main

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// authSecretEnv holds the auth secret when -auth-secret is not given (the
// server reads the same variable); child processes get it this way.
const authSecretEnv = "CHATROOM_AUTH_SECRET"

type options struct {
	scenario    string
	rawURL      string
	endpoints   []endpoint
	proto       string
	ca          string
	authSecret  string
	clients     int
	churn       int
	senders     int
	rooms       int           // rooms: how many rooms
	roomsPer    int           // rooms: how many rooms each user is in
	roomPrefix  string        // rooms: the rooms' names start with it
	dropEvery   time.Duration // catchup: how often a share of the users drops
	dropShare   float64       // catchup: that share
	dropFor     time.Duration // catchup: how long a dropped user stays away
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

	// flags is every flag given, as -name=value, but -auth-secret: what a
	// parent passes on to its child processes.
	flags []string

	// set by a parent for its child processes
	child       bool
	runID       string
	offset      int   // first client number
	churnOffset int   // first churning user's number
	start       int64 // unix ns when sending starts
	total       int   // clients over all processes
	// exchange, in a child process, reports the talks this process sent
	// (one count, or one per room) and returns what all processes sent.
	exchange func(sent []int64) []int64
}

// parseOptions reads the command line (and the auth secret from the
// environment if not on it) and checks it.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := o.flagSet(stderr)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "auth-secret" {
			o.flags = append(o.flags, "-"+f.Name+"="+f.Value.String())
		}
	})
	if o.authSecret == "" {
		o.authSecret = os.Getenv(authSecretEnv)
	}
	roots, err := loadCA(o.ca)
	if err != nil {
		return o, err
	}
	if o.endpoints, err = parseEndpoints(o.rawURL, roots); err != nil {
		return o, err
	}
	if err := o.check(); err != nil {
		return o, err
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

// flagSet is the command's flags, each set into o.
func (o *options) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "seed", "seed, fanout, rooms, catchup, idle, connect or storm (see go doc ./loadtest)")
	fs.StringVar(&o.rawURL, "url", "ws://127.0.0.1:9000/ws", "chat endpoint, ws:// or wss:// (TLS); several, comma-separated, share the clients (one cluster)")
	fs.StringVar(&o.proto, "protocol", protoV1, "v1 (one message per frame), v2 (the chatroom.v2 subprotocol: batched frames), lines (plain text, for gorilla's examples/chat) or centrifugo (Centrifugo's JSON protocol, one channel; -url ws://HOST:PORT/connection/websocket)")
	fs.StringVar(&o.ca, "ca", "", "wss://: PEM file of CA certificates to trust besides the system's (a self-signed server's certificate or its CA)")
	fs.StringVar(&o.authSecret, "auth-secret", "", "the server's -auth-secret: every user sends an HS256 token for its name (Authorization: Bearer); default $"+authSecretEnv+", which ps does not show")
	fs.IntVar(&o.clients, "clients", 100, "users to connect")
	fs.IntVar(&o.churn, "churn", 0, "seed, fanout: this many more users join, stay 0.5-3 s, exit and join again as someone new while talks are sent (not counted in loss)")
	fs.IntVar(&o.senders, "senders", 10, "fanout, rooms, catchup, storm: how many of the clients send")
	fs.IntVar(&o.rooms, "rooms", 10, "rooms, catchup: how many rooms (named load-0, load-1, ... with the default -room-prefix)")
	fs.StringVar(&o.roomPrefix, "room-prefix", defaultRoomPrefix, "rooms, catchup: the rooms' names start with this (two runs with different prefixes use disjoint rooms)")
	fs.IntVar(&o.roomsPer, "rooms-per-user", 2, "rooms, catchup: how many of the rooms each user is in (joined in its handshake)")
	fs.DurationVar(&o.dropEvery, "drop-every", 5*time.Second, "catchup: every this long, -drop-share of the users disconnect (half abruptly, half with exit)")
	fs.Float64Var(&o.dropShare, "drop-share", 0.1, "catchup: the share of the users (0..1) that disconnect every -drop-every")
	fs.DurationVar(&o.dropFor, "drop-for", 3*time.Second, "catchup: how long a disconnected user stays away before it reconnects with since")
	fs.DurationVar(&o.interval, "interval", 2*time.Second, "seed: each user sends one talk (and one userlist request) this often")
	fs.Float64Var(&o.rate, "rate", 100, "fanout, rooms, catchup: talks per second, all senders together")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long users send (idle: hold; connect: keep connecting; storm: the longest wait for the restart, and then for every session to be back)")
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
	fs.IntVar(&o.churnOffset, "churn-offset", 0, "internal: number of this process's first churning user")
	fs.Int64Var(&o.start, "start", 0, "internal: unix ns when sending starts")
	fs.IntVar(&o.total, "total", 0, "internal: clients over all processes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: loadtest [flags]  (scenarios: go doc ./loadtest)")
		fs.PrintDefaults()
	}
	return fs
}

// loadCA is the system's roots and the CA certificates in the PEM file at
// path; nil (the system's roots) if path is empty.
func loadCA(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-ca: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-ca %s: no PEM certificate in it", path)
	}
	return roots, nil
}

// parseEndpoints reads -url: one or more chat URLs, comma-separated, whose
// TLS (wss://) certificates are checked against roots.
func parseEndpoints(rawURLs string, roots *x509.CertPool) ([]endpoint, error) {
	var eps []endpoint
	for _, raw := range strings.Split(rawURLs, ",") {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || !slices.Contains([]string{"ws", "wss", "http", "https"}, u.Scheme) || u.Hostname() == "" {
			return nil, fmt.Errorf("-url %q: want ws://host:port/path or wss://host:port/path", raw)
		}
		ep := endpoint{url: u, addr: u.Host}
		if u.Scheme == "wss" || u.Scheme == "https" {
			// ServerName: SNI and the name the certificate must carry.
			ep.tls = &tls.Config{ServerName: u.Hostname(), RootCAs: roots, MinVersion: tls.VersionTLS12}
		}
		if u.Port() == "" {
			port := "80"
			if ep.tls != nil {
				port = "443"
			}
			ep.addr = net.JoinHostPort(u.Hostname(), port)
		}
		eps = append(eps, ep)
	}
	return eps, nil
}

// check refuses options that do not make a run.
func (o *options) check() error {
	switch {
	case !slices.Contains([]string{"seed", "fanout", "rooms", "catchup", "idle", "connect", "storm"}, o.scenario):
		return fmt.Errorf("-scenario %q: want seed, fanout, rooms, catchup, idle, connect or storm", o.scenario)
	case !slices.Contains([]string{protoV1, protoV2, protoLines, protoCentrifugo}, o.proto):
		return fmt.Errorf("-protocol %q: want v1, v2, lines or centrifugo", o.proto)
	case o.clients < 1 || o.duration <= 0 || o.ramp < 0 || o.drain < 0 || o.progress <= 0:
		return errors.New("need -clients >= 1, -duration > 0, -ramp >= 0, -drain >= 0, -progress > 0")
	case o.size < 40 || o.size > 1<<20:
		return errors.New("-size must be 40 .. 1048576 bytes")
	case o.scenario == "seed" && o.interval <= 0:
		return errors.New("-interval must be > 0")
	case (o.scenario == "fanout" || o.scenario == "rooms" || o.scenario == "catchup") && (o.senders < 1 || o.senders > o.clients || o.rate <= 0):
		return fmt.Errorf("%s needs 1 <= -senders <= -clients and -rate > 0", o.scenario)
	case o.churn < 0 || (o.churn > 0 && o.scenario != "seed" && o.scenario != "fanout"):
		return errors.New("-churn must be >= 0, and is for the seed and fanout scenarios")
	case o.scenario == "connect" && o.concurrency < 1:
		return errors.New("-concurrency must be >= 1")
	case o.perProcess < 1:
		return errors.New("-per-process must be >= 1")
	case o.scenario == "storm" && (o.clients > o.perProcess || o.senders < 1 || o.senders > o.clients || o.proto != protoV1):
		return fmt.Errorf("storm needs -clients <= -per-process (%d: its sessions run in one process), 1 <= -senders <= -clients, and -protocol v1 (the session's)", o.perProcess)
	case o.scenario == "connect" && o.concurrency > o.perProcess:
		return fmt.Errorf("-concurrency %d: one process holds at most %d connections", o.concurrency, o.perProcess)
	case o.scenario == "rooms":
		return o.checkRooms()
	case o.scenario == "catchup":
		return o.checkCatchup()
	}
	return nil
}
