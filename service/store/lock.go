package store

// This file owns which directories a Store locks (lock_unix.go takes each
// lock): the data directory, and, when DIR/chatroom.db is a symbolic link,
// the directory that really holds the database (where SQLite keeps its WAL
// too). Without the second, two servers on two directories whose
// chatroom.db is one file both started and handed out seqs into it from
// the same last seq.

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// lockData takes the locks of dir and of the directory its database
// really is in, or says which another store holds.
func lockData(dir string) ([]*os.File, error) {
	first, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	locks := []*os.File{first}
	real, err := filepath.EvalSymlinks(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return locks, nil // a new database, or a link to nothing yet: created in dir
	}
	if err != nil {
		closeAll(locks)
		return nil, dirError(dir, err)
	}
	if same(filepath.Dir(real), dir) {
		return locks, nil
	}
	second, err := lockDir(filepath.Dir(real))
	if err != nil {
		closeAll(locks)
		return nil, err
	}
	return append(locks, second), nil
}

// same says whether directories a and b are one.
func same(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	return err == nil && os.SameFile(ia, ib)
}

// closeAll lets go of locks.
func closeAll(locks []*os.File) {
	for _, f := range locks {
		if f != nil {
			f.Close()
		}
	}
}
