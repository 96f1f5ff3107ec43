package chatserver

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"chatroom/model"
)

// sayOrRefused says content and reads until its talk comes back (nil) or
// a refusal comes instead (the refusal).
func (c *roomClient) sayOrRefused(content string) *model.ChatRoomRequest {
	c.t.Helper()
	c.say("", content)
	for range 1000 {
		m, err := read(c.t, c.ws)
		if err != nil {
			c.t.Fatalf("%s waits for %q: %v", c.name, content[:10], err)
		}
		switch {
		case m.Type == model.TypeTalk && m.Content == content:
			return nil
		case m.Type == model.TypeError:
			return m
		}
	}
	c.t.Fatalf("%s: neither %q nor a refusal in 1000 frames", c.name, content[:10])
	return nil
}

// TestAFullDiskRefusesTalksAndLosesNothing runs a server whose -data-dir
// is a 1 MB tmpfs and talks until it is full: the talk is refused with
// "message not sent: disk full", joins still go out, and once there is
// room again (the tmpfs remounted larger) talks are kept again, and
// scroll back has every talk that was delivered.
func TestAFullDiskRefusesTalksAndLosesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root and a sandbox that allows it): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	srv := start(t, "-data-dir", dir, "-msg-rate", "0", "-msg-rate-per-ip", "0", "-userlist-burst", "100")
	ann := dialRooms(t, srv.addr, "ann")
	var kept []string
	var refusal *model.ChatRoomRequest
	for i := 0; i < 2000 && refusal == nil; i++ {
		content := fmt.Sprintf("%04d %s", i, strings.Repeat("x", 3000))
		if refusal = ann.sayOrRefused(content); refusal == nil {
			kept = append(kept, content)
		}
	}
	if refusal == nil || refusal.Content != "message not sent: disk full" || refusal.Room != "lobby" {
		t.Fatalf("on a full disk: %v, want the error \"message not sent: disk full\" for the lobby", refusal)
	}
	t.Logf("%d talks kept before the disk filled", len(kept))
	bob := dialRooms(t, srv.addr, "bob")
	if j := ann.until(model.TypeJoin); j.UserName != "bob" {
		t.Fatalf("ann saw %v, want bob's join", j)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size=16m"); err != nil {
		t.Fatalf("remount larger: %v", err)
	}
	if r := bob.sayOrRefused("room again"); r != nil {
		t.Fatalf("with room on the disk again: %v", r)
	}
	kept = append(kept, "room again")
	all := contents(bob.scrollBack(200))
	if !slices.Equal(all, kept) {
		t.Fatalf("scroll back has %d talks, want the %d delivered", len(all), len(kept))
	}
}
