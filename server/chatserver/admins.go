package chatserver

import (
	"fmt"

	"chatroom/ctrl"
	"chatroom/model"
)

// This file owns the start's check of -admins: every name it lists must
// be one a user can log in as, or the admin it names could never be.

// checkAdmins refuses an -admins entry that is no username, or the
// operator's name, in words naming it.
func checkAdmins(admins []string) error {
	for _, a := range admins {
		if _, err := model.NormalizeUsername(a); err != nil {
			return fmt.Errorf("-admins: %q is no username: %v", a, err)
		}
		if ctrl.ReservedName(a) != nil {
			return fmt.Errorf("-admins: %q is reserved for the operator's messages: no user can log in as it", a)
		}
	}
	return nil
}
