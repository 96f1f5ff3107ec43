// Package config holds the chat room's settings, their defaults and flags,
// the logger set-up (logconfig.go) and the texts of the errors and close
// reasons the server sends (errors.go). It imports no other project package.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// EnvPrefix starts the environment variable of every flag: -log-dir is
// CHATROOM_LOG_DIR. A flag on the command line wins over the environment.
const EnvPrefix = "CHATROOM_"

// Server is the chat server's configuration.
type Server struct {
	Addr            string        // listen address; the endpoint is ws://Addr/ws
	History         int           // talk messages replayed to a new user
	Presence        bool          // send joins and leaves to the room (false: every room is large)
	PresenceLimit   int           // members past which a room is large (presence.go); 0: never
	PresenceWindow  time.Duration // the window coalesced presence is sent in (presence.go)
	MaxContent      int           // longest talk content, in bytes
	ReadLimit       int64         // largest frame accepted, in bytes; larger closes with 1009
	SendQueue       int           // frames queued for one user before it is closed as a slow consumer
	PingInterval    time.Duration // how often the server pings
	PongTimeout     time.Duration // silence (no pong, no frame) after which a connection is closed
	WriteTimeout    time.Duration // longest one write to a socket may take
	WriteWindow     time.Duration // shortest time between two writes to one busy connection
	ShutdownTimeout time.Duration // how long a graceful shutdown may take before connections are cut
	DebugAddr       string        // if set, serve pprof here (keep it private)
	ShutdownDelay   time.Duration // on a signal, report not ready this long before closing (load balancers)

	// Limits against floods and abuse.
	MsgRate          float64       // data frames per second per connection (token bucket); 0: no limit
	MsgBurst         int           // frames a connection may send at once above MsgRate
	RateClose        int           // refusals beyond what MsgRate forgives after which the connection is closed; 0: never
	MaxConns         int           // connections in total; 0: ctrl.DefaultMaxConns (the open-file limit less FDReserve, or half of it when that is more)
	MaxConnsPerIP    int           // chat connections from one client IP; 0: no limit (and no per-address limit at accept)
	JoinRatePerIP    float64       // chat connections one client IP may open per second (token bucket); 0: no limit
	JoinBurstPerIP   int           // chat connections one client IP may open at once above JoinRatePerIP
	MsgRatePerIP     float64       // data frames per second from all the chat connections of one client IP; 0: no limit
	MsgBurstPerIP    int           // frames those connections may send at once above MsgRatePerIP
	HandshakeTimeout time.Duration // longest time to read a request's headers and upgrade
	HTTPIdleTimeout  time.Duration // keep-alive HTTP connections idle this long are closed
	MaxHeaderBytes   int           // largest request header block

	// Limits on the frames gorilla handles alone, and on the user list.
	FramesPerToken     int           // WebSocket pings, pongs and continuation frames that cost one MsgRate token; 0: free
	UserListInterval   time.Duration // one user list per this long per connection, on average; 0: no limit
	UserListBurst      int           // user lists a connection may ask for at once
	UserListRatePerIP  float64       // user lists per second for all connections of one address; 0: no limit
	UserListBurstPerIP int           // user lists one address may ask for at once

	// Transport and access.
	TLSCert        string   // PEM certificate (chain); with TLSKey, serve https:// and wss://
	TLSKey         string   // PEM private key
	AllowedOrigins []string // browser origins allowed besides the server's own (scheme, Host and port); "*": any
	AuthSecret     string   // if set, handshakes need an HS256 token signed with it
	APIKey         string   // if set, the server API under /api/ answers requests that send it (apikey.go)
	Admins         []string // names that are server admins (moderation.go); needs AuthSecret

	// Exposure: who may reach what (security.go).
	PublicNames []string      // Host names the server answers to besides localhost and IP addresses; "*": any
	MetricsAddr string        // if set, serve /metrics here, apart from the chat port
	TokenMaxAge time.Duration // a token whose exp is further away than this is refused
	HSTSMaxAge  time.Duration // with TLS, the Strict-Transport-Security max-age; 0: no header

	// Proxies whose forwarded client addresses are believed (proxies.go).
	TrustedProxies []netip.Prefix

	// Scale-out.
	NATS     string        // NATS URLs (comma-separated); empty: one node, in-memory broker
	Node     string        // this node's name in the cluster
	ClaimTTL time.Duration // a dead node's usernames are freed after this long
	Replicas int           // copies NATS keeps of the room's stream and names

	Rooms Rooms   // rooms.go
	Store History // history.go

	Log Log
}

// MinAuthSecret is the shortest -auth-secret accepted, in bytes: an HS256
// key shorter than the hash (RFC 7518, 3.2) can be guessed offline from
// any token that leaks.
const MinAuthSecret = 32

// FDReserve is how many open files the default connection limit leaves for
// everything that is not a chat connection: listeners, log files, HTTP
// requests in flight, a broker's connections.
const FDReserve = 512

// PendingPerIP is how many connections one client IP may hold beyond its
// MaxConnsPerIP chat connections: handshakes under way, refusals being
// answered, plain HTTP requests (the page, health checks) and idle
// keep-alive connections. Past MaxConnsPerIP + PendingPerIP connections of
// any kind, a new one from the address is closed as soon as it is accepted.
const PendingPerIP = 32

// DefaultServer returns settings that work on a laptop.
func DefaultServer() Server {
	return Server{
		Addr:            "127.0.0.1:9000",
		History:         50,
		Presence:        true,
		PresenceLimit:   DefaultPresenceLimit,
		PresenceWindow:  DefaultPresenceWindow,
		MaxContent:      4096,
		ReadLimit:       64 << 10,
		SendQueue:       1024,
		PingInterval:    25 * time.Second,
		PongTimeout:     60 * time.Second,
		WriteTimeout:    10 * time.Second,
		WriteWindow:     20 * time.Millisecond,
		ShutdownTimeout: 10 * time.Second,

		MsgRate:          10,
		MsgBurst:         20,
		RateClose:        50,
		MaxConnsPerIP:    256,
		JoinRatePerIP:    10,
		JoinBurstPerIP:   100,
		MsgRatePerIP:     50,
		MsgBurstPerIP:    200,
		HandshakeTimeout: 5 * time.Second,
		HTTPIdleTimeout:  5 * time.Second,
		MaxHeaderBytes:   16 << 10,

		TokenMaxAge: DefaultTokenMaxAge,
		HSTSMaxAge:  365 * 24 * time.Hour,

		FramesPerToken:     16,
		UserListInterval:   2 * time.Second,
		UserListBurst:      5,
		UserListRatePerIP:  2,
		UserListBurstPerIP: 20,

		Replicas: 1,
		ClaimTTL: 25 * time.Second, // a dead node's users leave within 30 s: expiry runs a little late

		Rooms: DefaultRooms(),
		Store: DefaultHistory(),
		Log:   DefaultLog(),
	}
}

// RegisterFlags binds every setting to a flag on fs, with c's values as defaults.
func (c *Server) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (the chat endpoint is ws://ADDR/ws)")
	fs.IntVar(&c.History, "history", c.History, "talk messages replayed to a user who joins (0: none)")
	fs.IntVar(&c.MaxContent, "max-content", c.MaxContent, "longest talk content in bytes; longer gets an error reply")
	fs.Int64Var(&c.ReadLimit, "read-limit", c.ReadLimit, "largest frame in bytes; larger closes the connection with 1009")
	fs.IntVar(&c.SendQueue, "send-queue", c.SendQueue, "frames queued per user before it is closed as a slow consumer")
	fs.DurationVar(&c.PingInterval, "ping-interval", c.PingInterval, "how often the server pings each client")
	fs.DurationVar(&c.PongTimeout, "pong-timeout", c.PongTimeout, "close a connection after this long without a pong or frame")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "longest time one socket write may take")
	fs.DurationVar(&c.WriteWindow, "write-window", c.WriteWindow, "shortest time between two writes to a busy connection: messages arriving meanwhile go out together (0: write each at once)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "on SIGINT/SIGTERM, cut connections still open after this long")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "serve pprof at http://DEBUG-ADDR/debug/pprof/ (off when empty; never expose it)")
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", c.ShutdownDelay, "on SIGINT/SIGTERM, answer /readyz with 503 for this long before closing, so a load balancer stops sending users here first")
	fs.Float64Var(&c.MsgRate, "msg-rate", c.MsgRate, "frames per second each connection may send, on average (0: no limit); excess frames get an error reply \"rate limited\"")
	fs.IntVar(&c.MsgBurst, "msg-burst", c.MsgBurst, "frames a connection may send at once above -msg-rate (at least 1)")
	fs.IntVar(&c.RateClose, "rate-close", c.RateClose, "close a connection (1008) once it has been refused this many frames more than -msg-rate forgives (refusals are forgiven at -msg-rate a second; 0: never close)")
	fs.IntVar(&c.FramesPerToken, "frames-per-token", c.FramesPerToken, "WebSocket pings, pongs and continuation frames that cost one -msg-rate token, refused and closed like talks (0: they cost nothing)")
	fs.DurationVar(&c.UserListInterval, "userlist-interval", c.UserListInterval, "a connection may ask for the user list once per this long on average, after a burst of -userlist-burst; more get an error reply \"user list rate limited\" (0: no limit)")
	fs.IntVar(&c.UserListBurst, "userlist-burst", c.UserListBurst, "user lists a connection may ask for at once (at least 1)")
	fs.Float64Var(&c.UserListRatePerIP, "userlist-rate-per-ip", c.UserListRatePerIP, "user lists per second all connections from one client IP may get, after a burst of -userlist-burst-per-ip; more get an error reply \"user list rate limited\" (0: no limit)")
	fs.IntVar(&c.UserListBurstPerIP, "userlist-burst-per-ip", c.UserListBurstPerIP, "user lists the connections from one client IP may ask for at once (at least 1)")
	fs.IntVar(&c.MaxConns, "max-conns", c.MaxConns, fmt.Sprintf("most connections in total; more are refused with 503 (0: the open-file limit less %d, or half of it when that is more)", FDReserve))
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", c.MaxConnsPerIP, fmt.Sprintf("most chat connections from one client IP; more are refused with 503, and a connection beyond this plus %d more of any kind (plain HTTP, handshakes under way) is closed as soon as it is accepted (0: no limit; behind a proxy, see -trusted-proxies)", PendingPerIP))
	fs.Float64Var(&c.JoinRatePerIP, "join-rate-per-ip", c.JoinRatePerIP, "chat connections one client IP may open per second, on average, each room entered past a connection's first counting as one more; more are refused with 429, or a join with an error (0: no limit)")
	fs.IntVar(&c.JoinBurstPerIP, "join-burst-per-ip", c.JoinBurstPerIP, "chat connections one client IP may open at once above -join-rate-per-ip (at least 1)")
	fs.Float64Var(&c.MsgRatePerIP, "msg-rate-per-ip", c.MsgRatePerIP, "frames per second all the chat connections of one client IP may send together, on average (0: no limit); excess frames get the error reply \"rate limited\", as with -msg-rate")
	fs.IntVar(&c.MsgBurstPerIP, "msg-burst-per-ip", c.MsgBurstPerIP, "frames the connections of one client IP may send at once above -msg-rate-per-ip (at least 1)")
	fs.DurationVar(&c.HandshakeTimeout, "handshake-timeout", c.HandshakeTimeout, "longest time a client may take to send its request headers (slow clients are cut)")
	fs.DurationVar(&c.HTTPIdleTimeout, "http-idle-timeout", c.HTTPIdleTimeout, "close keep-alive HTTP connections idle this long (keep it short: each holds a file and counts against its address's connections)")
	fs.IntVar(&c.MaxHeaderBytes, "max-header-bytes", c.MaxHeaderBytes, "largest request header block in bytes; larger gets 431")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate file: with -tls-key, serve https:// and wss://")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM private key file for -tls-cert")
	fs.Func("allowed-origins", "comma-separated browser origins (scheme://host[:port]) allowed to connect besides the server's own (the scheme it serves, with the request's Host and port); * allows any (requests without Origin are always allowed)", func(v string) error {
		c.AllowedOrigins = nil
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o == "" {
				continue
			}
			n, err := normalizeOrigin(o)
			if err != nil {
				return err
			}
			c.AllowedOrigins = append(c.AllowedOrigins, n)
		}
		return nil
	})
	fs.StringVar(&c.AuthSecret, "auth-secret", c.AuthSecret, fmt.Sprintf("if set (at least %d bytes), every handshake needs an HS256 token signed with this secret (Authorization: Bearer or ?token=); prefer the environment variable, which ps does not show", MinAuthSecret))
	c.registerExposureFlags(fs)
	c.registerAPIFlags(fs)
	c.registerModerationFlags(fs)
	fs.StringVar(&c.NATS, "nats", c.NATS, "NATS server URLs, comma-separated (nats://127.0.0.1:4222): every node on the same NATS (JetStream) serves the same rooms; empty: a single node")
	fs.StringVar(&c.Node, "node", c.Node, "this node's name in a cluster, in logs and NATS (default: host name and process id)")
	fs.IntVar(&c.Replicas, "nats-replicas", c.Replicas, "with -nats: copies of the rooms' events and the names a NATS cluster keeps (3 survives the loss of one NATS server of three)")
	fs.DurationVar(&c.ClaimTTL, "claim-ttl", c.ClaimTTL, "with -nats: the usernames of a node that died are freed after this long")
	c.registerRoomFlags(fs)
	c.registerPresenceFlags(fs)
	c.registerHistoryFlags(fs)
	c.Log.RegisterFlags(fs)
}

// Validate reports settings that cannot work.
func (c *Server) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Addr != "", "-addr is empty")
	check(c.History >= 0, "-history must be >= 0")
	check(c.MaxContent > 0, "-max-content must be > 0")
	check(c.ReadLimit >= 1024, "-read-limit must be >= 1024")
	check(c.SendQueue >= c.History+2, "-send-queue must hold at least the history plus 2 frames (%d)", c.History+2)
	check(c.PingInterval > 0, "-ping-interval must be > 0")
	check(c.PongTimeout > c.PingInterval, "-pong-timeout must be longer than -ping-interval")
	check(c.WriteTimeout > 0, "-write-timeout must be > 0")
	check(c.WriteWindow >= 0 && c.WriteWindow <= time.Second, "-write-window must be 0 .. 1s")
	check(c.ShutdownTimeout > 0, "-shutdown-timeout must be > 0")
	check(c.ShutdownDelay >= 0, "-shutdown-delay must be >= 0")
	check(c.MsgRate >= 0, "-msg-rate must be >= 0")
	check(c.MsgRate == 0 || c.MsgBurst >= 1, "-msg-burst must be >= 1")
	check(c.RateClose >= 0, "-rate-close must be >= 0")
	check(c.FramesPerToken >= 0, "-frames-per-token must be >= 0")
	check(c.UserListInterval >= 0, "-userlist-interval must be >= 0")
	check(c.UserListInterval == 0 || c.UserListBurst >= 1, "-userlist-burst must be >= 1")
	check(c.UserListRatePerIP >= 0, "-userlist-rate-per-ip must be >= 0")
	check(c.UserListRatePerIP == 0 || c.UserListBurstPerIP >= 1, "-userlist-burst-per-ip must be >= 1")
	check(c.MaxConns >= 0, "-max-conns must be >= 0")
	check(c.MaxConnsPerIP >= 0, "-max-conns-per-ip must be >= 0")
	check(c.JoinRatePerIP >= 0, "-join-rate-per-ip must be >= 0")
	check(c.JoinRatePerIP == 0 || c.JoinBurstPerIP >= 1, "-join-burst-per-ip must be >= 1")
	check(c.MsgRatePerIP >= 0, "-msg-rate-per-ip must be >= 0")
	check(c.MsgRatePerIP == 0 || c.MsgBurstPerIP >= 1, "-msg-burst-per-ip must be >= 1")
	check(c.HandshakeTimeout > 0, "-handshake-timeout must be > 0")
	check(c.HTTPIdleTimeout > 0, "-http-idle-timeout must be > 0")
	check(c.MaxHeaderBytes >= 1024, "-max-header-bytes must be >= 1024")
	check((c.TLSCert == "") == (c.TLSKey == ""), "-tls-cert and -tls-key go together")
	check(c.ClaimTTL >= 3*time.Second, "-claim-ttl must be >= 3s")
	check(c.Replicas >= 1 && c.Replicas <= 5, "-nats-replicas must be 1 .. 5")
	errs = append(errs, c.validateExposure(), c.validateAPI(), c.validateRooms(), c.validatePresence(), c.validateHistory(), c.validateModeration())
	check(c.AuthSecret == "" || len(c.AuthSecret) >= MinAuthSecret, "-auth-secret must be at least %d bytes (try: openssl rand -base64 32)", MinAuthSecret)
	errs = append(errs, c.Log.Validate())
	return errors.Join(errs...)
}

// ParseServer reads the server's settings: defaults, then environment
// variables (lookupEnv is os.LookupEnv outside tests), then args.
func ParseServer(name string, args []string, lookupEnv func(string) (string, bool), usage io.Writer) (Server, error) {
	c := DefaultServer()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(usage)
	c.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage of %s (every flag can also be set as %sFLAG_NAME):\n", name, EnvPrefix)
		fs.PrintDefaults()
	}
	if err := ApplyEnv(fs, lookupEnv); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return c, c.Validate()
}

// normalizeOrigin checks an -allowed-origins entry and returns it as a
// browser sends it: lower-case scheme://host[:port], no default port, no
// path.
func normalizeOrigin(o string) (string, error) {
	if o == "*" {
		return o, nil
	}
	u, err := url.Parse(strings.ToLower(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q is not an origin: use scheme://host[:port], like https://chat.example.com, or *", o)
	}
	host := u.Host
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		host = u.Hostname()
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return u.Scheme + "://" + host, nil
}

// EnvName is the environment variable for the flag called name.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ApplyEnv sets every flag of fs whose environment variable is set. Call it
// before fs.Parse so the command line wins.
func ApplyEnv(fs *flag.FlagSet, lookupEnv func(string) (string, bool)) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := EnvName(f.Name)
		if v, ok := lookupEnv(env); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", env, v, err))
			}
		}
	})
	return errors.Join(errs...)
}
