package chatserver

import (
	"fmt"

	"chatroom/ctrl"
	"chatroom/model"
)

// This file owns the start's check of -admins: every name it lists must
// be one a user can log in as, or the admin it names could never be.

// checkAdmins refuses an -admins entry that is no username, or a name
// no user may take (the operator's, the server API's), in words naming it.
func checkAdmins(admins []string) error {
	for _, a := range admins {
		if _, err := model.NormalizeUsername(a); err != nil {
			return fmt.Errorf("-admins: %q is no username: %v", a, err)
		}
		if err := ctrl.ReservedName(a); err != nil {
			return fmt.Errorf("-admins: %v", err)
		}
	}
	return nil
}
