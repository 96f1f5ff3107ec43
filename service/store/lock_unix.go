//go:build unix

package store

// This file owns the data directory's lock: one Store at a time may use a
// data directory, so that two servers started on one -data-dir do not
// both hand out seqs into one database. It is an flock(2) on the directory
// itself (no lock file to leave behind); the kernel drops it when the
// process ends, however it ends. `server backup` takes no lock: it only
// reads.

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes dir's lock, or says that another store holds it. The
// returned file holds the lock until it is closed.
func lockDir(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, dirError(dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s is in use by another chatroom server (one server per data directory)", dir)
		}
		return nil, fmt.Errorf("data directory %s cannot be locked: %w", dir, err)
	}
	return f, nil
}
