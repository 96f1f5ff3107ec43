package config

import (
	"errors"
	"flag"
	"time"
)

// The settings of durable history: where it is kept and for how long.

// History are durable history's settings.
type History struct {
	// DataDir holds the database (chatroom.db); "" keeps history in
	// memory only, lost when the server stops.
	DataDir string
	// Keep is the most talks kept per room and per direct conversation.
	Keep int
	// MaxAge drops talks older than this (0: kept for ever).
	MaxAge time.Duration
	// CatchUp is the most talks a reconnecting client is replayed; past
	// it, it is told of the gap and scrolls back for the rest.
	CatchUp int
}

// DefaultDataDir is -data-dir's default: beside where the server runs.
const DefaultDataDir = "./data"

// DefaultHistory returns durable history's settings that work on a laptop.
func DefaultHistory() History {
	return History{DataDir: DefaultDataDir, Keep: 100_000, MaxAge: 365 * 24 * time.Hour, CatchUp: 1000}
}

// registerHistoryFlags binds durable history's settings to flags on fs.
func (c *Server) registerHistoryFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Store.DataDir, "data-dir", c.Store.DataDir, `directory of the database that keeps every room's and direct conversation's talks (chatroom.db, SQLite), created if missing. "": no database, only each room's last -history talks in memory, lost at exit (no scroll back, search or catch-up past them). With -nats the stream keeps them instead`)
	fs.IntVar(&c.Store.Keep, "history-keep", c.Store.Keep, "talks kept per room and per direct conversation; older ones are deleted in the background (with -nats: events per room kept by the stream, joins and leaves included)")
	fs.DurationVar(&c.Store.MaxAge, "history-max-age", c.Store.MaxAge, "talks older than this are deleted in the background (0: kept for ever)")
	fs.IntVar(&c.Store.CatchUp, "catch-up", c.Store.CatchUp, "most talks replayed to a client that reconnects saying the last it saw; past it, it is told and scrolls back for older ones")
}

// validateHistory reports durable history's settings that cannot work.
func (c *Server) validateHistory() error {
	var errs []error
	if c.Store.Keep < 1 {
		errs = append(errs, errors.New("-history-keep must be at least 1"))
	}
	if c.Store.MaxAge < 0 {
		errs = append(errs, errors.New("-history-max-age must be >= 0"))
	}
	if c.Store.CatchUp < 1 {
		errs = append(errs, errors.New("-catch-up must be at least 1"))
	}
	return errors.Join(errs...)
}
