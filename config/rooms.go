package config

import (
	"errors"
	"flag"
)

// The settings of rooms: where a connection that names none starts, and
// how many rooms there may be.

// Rooms are the rooms' settings.
type Rooms struct {
	DefaultRoom     string // the room of connections that name none
	MaxRoomsPerConn int    // rooms one connection may be in; 0: no limit
	MaxRooms        int    // rooms with someone in them, server-wide; 0: no limit
	MaxRoomsPerIP   int    // rooms open on a node that one client IP opened; 0: no limit
	RoomsPage       int    // rooms in a list's page when the client asks for no size
	MaxRoomName     int    // longest room name, in characters (at most MaxRoomName)
}

// DefaultRoom is -default-room's default.
const DefaultRoom = "lobby"

// MaxRoomName is the longest room name the protocol allows, in characters;
// -max-room-name may ask for less.
const MaxRoomName = 64

// DefaultRoomsPage is -rooms-page's default.
const DefaultRoomsPage = 50

// MaxRoomsPage is the largest page of a rooms list a client may ask for.
const MaxRoomsPage = 200

// DefaultRooms returns the rooms' settings that work on a laptop.
func DefaultRooms() Rooms {
	return Rooms{DefaultRoom: DefaultRoom, MaxRoomsPerConn: 50, MaxRooms: 1000, MaxRoomsPerIP: 100, RoomsPage: DefaultRoomsPage, MaxRoomName: MaxRoomName}
}

// registerRoomFlags binds the rooms' settings to flags on fs.
func (c *Server) registerRoomFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Rooms.DefaultRoom, "default-room", c.Rooms.DefaultRoom, "the room of clients that name none (every client written to the original protocol)")
	fs.IntVar(&c.Rooms.MaxRoomsPerConn, "max-rooms-per-conn", c.Rooms.MaxRoomsPerConn, "rooms one connection may be in at once (0: no limit)")
	fs.IntVar(&c.Rooms.MaxRooms, "max-rooms", c.Rooms.MaxRooms, "rooms with someone in them, on all nodes; a join that would create one more is refused (0: no limit)")
	fs.IntVar(&c.Rooms.MaxRoomsPerIP, "max-rooms-per-ip", c.Rooms.MaxRoomsPerIP, "rooms open on this node that one client IP opened; a join that would open one more is refused, so that one address cannot hold all of -max-rooms (0: no limit; behind a proxy every user has the proxy's IP)")
	fs.IntVar(&c.Rooms.MaxRoomName, "max-room-name", c.Rooms.MaxRoomName, "longest room name, in characters (1 .. 64); a longer one is refused")
	fs.IntVar(&c.Rooms.RoomsPage, "rooms-page", c.Rooms.RoomsPage, "rooms in one page of the rooms list when the client asks for no size (a client may ask for up to 200)")
}

// validateRooms reports rooms' settings that cannot work. The default
// room's name is checked by the caller against the room name rules
// (model.NormalizeRoom), which config cannot import.
func (c *Server) validateRooms() error {
	var errs []error
	if c.Rooms.DefaultRoom == "" {
		errs = append(errs, errors.New("-default-room is empty"))
	}
	if c.Rooms.MaxRoomsPerConn < 0 {
		errs = append(errs, errors.New("-max-rooms-per-conn must be >= 0"))
	}
	if c.Rooms.MaxRooms < 0 {
		errs = append(errs, errors.New("-max-rooms must be >= 0"))
	}
	if c.Rooms.MaxRoomsPerIP < 0 {
		errs = append(errs, errors.New("-max-rooms-per-ip must be >= 0"))
	}
	if c.Rooms.MaxRoomName < 1 || c.Rooms.MaxRoomName > MaxRoomName {
		errs = append(errs, errors.New("-max-room-name must be 1 .. 64"))
	}
	if c.Rooms.RoomsPage < 1 || c.Rooms.RoomsPage > MaxRoomsPage {
		errs = append(errs, errors.New("-rooms-page must be 1 .. 200"))
	}
	return errors.Join(errs...)
}
