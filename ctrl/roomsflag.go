package ctrl

// This file owns the desktop client's -room flag: the rooms to start in,
// repeated or as a comma list, each checked by the server's room name
// rules (it lives here, not in the client's main package, so that the
// specification's `go run client.go` still compiles that file alone).

import (
	"fmt"
	"slices"
	"strings"
)

// RoomNames is a flag.Value of room names, in order, without repeats, in
// the form the server knows them by.
type RoomNames []string

func (r *RoomNames) String() string {
	if r == nil {
		return ""
	}
	return strings.Join(*r, ",")
}

// Set takes one -room: a name or a comma list of names. Its errors are in
// English: flags are read before the UI's language is.
func (r *RoomNames) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		room, err := ValidateRoom(name)
		if err != nil {
			return fmt.Errorf("%q: %s", strings.TrimSpace(name), err.Text.Key)
		}
		if !slices.Contains(*r, room) {
			*r = append(*r, room)
		}
	}
	return nil
}
