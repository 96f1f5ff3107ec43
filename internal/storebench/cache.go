package main

// This file owns taking a store's files out of the page cache, so that a
// start-up can be timed cold without dropping every other process's cache.

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// dropCache flushes each file in dir and asks the kernel to forget its
// cached pages (POSIX_FADV_DONTNEED drops clean pages only, hence the
// fsync first).
func dropCache(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := dropFile(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func dropFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
