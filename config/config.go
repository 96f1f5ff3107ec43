// Package config holds the chat room's settings, their defaults and flags,
// the logger set-up (logconfig.go) and the texts of the errors and close
// reasons the server sends (errors.go). It imports no other project package.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
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
	Presence        bool          // broadcast join/leave to everyone
	MaxContent      int           // longest talk content, in bytes
	ReadLimit       int64         // largest frame accepted, in bytes; larger closes with 1009
	SendQueue       int           // frames queued for one user before it is closed as a slow consumer
	PingInterval    time.Duration // how often the server pings
	PongTimeout     time.Duration // silence (no pong, no frame) after which a connection is closed
	WriteTimeout    time.Duration // longest one write to a socket may take
	WriteWindow     time.Duration // shortest time between two writes to one busy connection
	ShutdownTimeout time.Duration // how long a graceful shutdown may take before connections are cut
	DebugAddr       string        // if set, serve pprof here (keep it private)
	Log             Log
}

// DefaultServer returns settings that work on a laptop.
func DefaultServer() Server {
	return Server{
		Addr:            "127.0.0.1:9000",
		History:         50,
		Presence:        true,
		MaxContent:      4096,
		ReadLimit:       64 << 10,
		SendQueue:       1024,
		PingInterval:    25 * time.Second,
		PongTimeout:     60 * time.Second,
		WriteTimeout:    10 * time.Second,
		WriteWindow:     20 * time.Millisecond,
		ShutdownTimeout: 10 * time.Second,
		Log:             DefaultLog(),
	}
}

// RegisterFlags binds every setting to a flag on fs, with c's values as defaults.
func (c *Server) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (the chat endpoint is ws://ADDR/ws)")
	fs.IntVar(&c.History, "history", c.History, "talk messages replayed to a user who joins (0: none)")
	fs.BoolVar(&c.Presence, "presence", c.Presence, "broadcast join/leave events to everyone (turn off for very large rooms)")
	fs.IntVar(&c.MaxContent, "max-content", c.MaxContent, "longest talk content in bytes; longer gets an error reply")
	fs.Int64Var(&c.ReadLimit, "read-limit", c.ReadLimit, "largest frame in bytes; larger closes the connection with 1009")
	fs.IntVar(&c.SendQueue, "send-queue", c.SendQueue, "frames queued per user before it is closed as a slow consumer")
	fs.DurationVar(&c.PingInterval, "ping-interval", c.PingInterval, "how often the server pings each client")
	fs.DurationVar(&c.PongTimeout, "pong-timeout", c.PongTimeout, "close a connection after this long without a pong or frame")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "longest time one socket write may take")
	fs.DurationVar(&c.WriteWindow, "write-window", c.WriteWindow, "shortest time between two writes to a busy connection: messages arriving meanwhile go out together (0: write each at once)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "on SIGINT/SIGTERM, cut connections still open after this long")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "serve pprof at http://DEBUG-ADDR/debug/pprof/ (off when empty; never expose it)")
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
