//go:build !unix

package store

import "os"

// lockDir takes no lock where flock(2) does not exist: there, two servers
// on one data directory are not refused (see lock_unix.go).
func lockDir(dir string) (*os.File, error) { return nil, nil }
