package store

// This file owns retention (placeholder until Trim is written).

import "context"

func (s *Store) startRetention(opts Options) {
	_ = context.Background
}
