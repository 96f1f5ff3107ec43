package service

import (
	"strings"

	"golang.org/x/text/secure/precis"
)

// This file owns how a role finds its holder: by the name it was given to,
// compared as the PRECIS Nickname profile compares (case and width
// folded), not by model.UsernameKey. The key also folds look-alikes
// ("b0ss", Cyrillic "bоss" and "boss" are one key), which is right for
// keeping a look-alike out while the name is online and for bans and
// mutes (an evader's look-alike stays banned), but wrong for rights: a
// look-alike of an admin or owner must neither get its rights nor be
// protected as it (nobody could kick it but the server API).

// sameRoleName says whether name holds a role given to holder.
func sameRoleName(holder, name string) bool {
	a, errA := precis.Nickname.CompareKey(holder)
	b, errB := precis.Nickname.CompareKey(name)
	if errA != nil || errB != nil {
		return strings.EqualFold(holder, name)
	}
	return a == b
}
