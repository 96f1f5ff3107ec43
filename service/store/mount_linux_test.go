package store

// Tests of faults made for real with mounts (a full tmpfs, a read-only
// bind mount): Linux, as root, in a sandbox that allows mounting; they
// skip, saying why, where it does not.

import (
	"syscall"
	"testing"
)

func TestOpenRefusesAReadOnlyFileSystem(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir, Options{}).Close()
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount (needs root and a sandbox that allows it): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	wantOpenError(t, dir, "data directory "+dir+" is on a read-only file system")
}

// TestAFullDiskRefusesAppendsAndLosesNothing fills a real 1 MB tmpfs:
// Append says "disk full", what was stored stays readable, and once there
// is room again (the tmpfs remounted larger) appends go on and everything
// is there after a reopen.
func TestAFullDiskRefusesAppendsAndLosesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root and a sandbox that allows it; TestAFullPageLimit simulates the full disk): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	last, err := fillUntilFull(t, s)
	wantDiskFull(t, err)
	checkKept(t, s, last)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size=8m"); err != nil {
		t.Fatalf("remount larger: %v", err)
	}
	mustAppend(t, s, talk("lobby", last+1, "ann", "room again"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, Options{})
	checkKept(t, s, last+1)
}
