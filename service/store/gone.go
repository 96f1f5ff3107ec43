package store

// This file owns noticing that the database file was deleted or replaced
// under a running store. SQLite goes on writing to the file it opened,
// which no one can open again: talks were delivered, and the next start
// began from an empty database with seqs from 1. Append now checks, before
// each batch, that DIR/chatroom.db is still the file it opened, and
// refuses the batch if not (the sender is told "message not sent: ...").

import (
	"fmt"
	"os"
)

// remember notes which file the store opened.
func (s *Store) remember() error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	s.file = fi
	return nil
}

// checkFile refuses to write once the database file is no longer the one
// the store opened.
func (s *Store) checkFile() error {
	fi, err := os.Stat(s.path)
	if err == nil && os.SameFile(fi, s.file) {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("%s is another file than the one opened", s.path)
	}
	return &Error{Reason: "the database file was deleted or replaced while the server runs", Err: err}
}
