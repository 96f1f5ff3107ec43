package config

import (
	"errors"
	"flag"
	"time"
)

// This file owns the settings of presence at scale: past how many members
// a room is large (no per-user joins and leaves, the user list in pages)
// and how long the window is in which joins and leaves are coalesced.

// DefaultPresenceLimit is -presence-limit's default: Twitch's chat sends
// joins, parts and the names list only in channels under 1,000 chatters.
const DefaultPresenceLimit = 1000

// DefaultPresenceWindow is -presence-window's default.
const DefaultPresenceWindow = 250 * time.Millisecond

// registerPresenceFlags binds the presence settings to flags on fs.
func (c *Server) registerPresenceFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.Presence, "presence", c.Presence, "send joins and leaves to the room's members; false: every room is treated as large (-presence-limit): only counts, each user hears only its own join and leave")
	fs.IntVar(&c.PresenceLimit, "presence-limit", c.PresenceLimit, "members past which a room is large: no one is sent anyone else's join or leave, the user list comes in pages, and clients that coalesce get the count; it is small again below nine tenths of this, no sooner than 8 windows after it became large (0: never large)")
	fs.DurationVar(&c.PresenceWindow, "presence-window", c.PresenceWindow, "clients that ask for coalesced presence get at most one presence frame per room per window, with the names that joined and left in it; a large room's count goes at most every 8 windows (10ms .. 10s)")
}

// validatePresence reports presence settings that cannot work.
func (c *Server) validatePresence() error {
	var errs []error
	if c.PresenceLimit < 0 {
		errs = append(errs, errors.New("-presence-limit must be >= 0"))
	}
	if c.PresenceWindow < 10*time.Millisecond || c.PresenceWindow > 10*time.Second {
		errs = append(errs, errors.New("-presence-window must be 10ms .. 10s"))
	}
	return errors.Join(errs...)
}
