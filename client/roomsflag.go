package main

// This file owns the -room flag: the rooms to start in, repeated or as a
// comma list, each checked by the server's room name rules.

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2/lang"

	"chatroom/ctrl"
)

// roomsFlag is -room: room names, in order, without repeats.
type roomsFlag []string

func (r *roomsFlag) String() string {
	if r == nil {
		return ""
	}
	return strings.Join(*r, ",")
}

// Set takes one -room: a name or a comma list of names.
func (r *roomsFlag) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		room, err := ctrl.ValidateRoom(name)
		if err != nil {
			return fmt.Errorf("%q: %s", strings.TrimSpace(name), lang.L(err.Text.Key))
		}
		if !slices.Contains(*r, room) {
			*r = append(*r, room)
		}
	}
	return nil
}
