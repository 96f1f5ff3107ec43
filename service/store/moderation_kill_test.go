package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"chatroom/model"
	"chatroom/service"
)

// banChildEnv names the data directory of a child process that bans in a
// loop (TestMain runs banChild instead of the tests when it is set).
const banChildEnv = "CHATROOM_STORE_BAN_CHILD"

// banChild bans user1, user2, ... from the server and adds each ban to the
// audit trail, in the store in $CHATROOM_STORE_BAN_CHILD, until it is
// killed, printing i once both have returned: a number printed is a ban
// and an audit entry committed.
func banChild() int {
	s, err := Open(os.Getenv(banChildEnv), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	for i := 1; i <= 1_000_000; i++ {
		name := "user" + strconv.Itoa(i)
		err := s.PutRestriction(ctx, service.Restriction{Name: name, By: "root", Until: time.Now().Add(time.Hour), At: time.Now()})
		if err == nil {
			_, err = s.AddAudit(ctx, service.AuditEntry{Action: model.TypeBan, Actor: "root", Target: name})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(i) // unbuffered: written before the next ban
	}
	return 0
}

// TestAKilledProcessLosesNoCommittedBan runs banChild in a child process,
// kills it with SIGKILL mid-stream, and reopens the store: every ban the
// child reported is kept, and its audit entry.
func TestAKilledProcessLosesNoCommittedBan(t *testing.T) {
	dir := t.TempDir()
	reported := runChildAndKill(t, banChildEnv, dir, 100)
	s := openT(t, dir, Options{})
	kept := make(map[string]bool)
	for _, r := range restrictions(t, s) {
		kept[r.Name] = r.Room == "" && !r.Mute && !r.Until.IsZero()
	}
	entries, _, err := s.Audit(context.Background(), "", 0, len(kept)+1)
	if err != nil || len(entries) < len(reported) {
		t.Fatalf("%d audit entries kept (%v), %d reported", len(entries), err, len(reported))
	}
	for _, i := range reported {
		if name := "user" + strconv.FormatUint(i, 10); !kept[name] {
			t.Fatalf("the ban of %s was reported committed; it is not kept as it was put", name)
		}
	}
	t.Logf("%d bans reported, %d kept, %d audit entries after the kill", len(reported), len(kept), len(entries))
}
