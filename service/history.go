package service

import (
	"context"
	"errors"

	"chatroom/model"
)

// This file owns what durable history is to the rest of the service: the
// History a hub reads scroll back, catch up and search from, and the
// Journal a MemoryBroker writes every event through before it delivers it.
// service/store is the Journal on disk (SQLite); with NATS, the stream is
// the History (broker_nats_history.go).

// ErrStoreFailed wraps a store's error while running (a full disk, a
// read-only or damaged file): what a sender is told is "message not sent:"
// and its text.
var ErrStoreFailed = errors.New("message not sent")

// A History reads the talks kept of rooms and of direct-message
// conversations. A conversation is named by its key: a room's name, or
// model.DirectConversation of its two users. Talks come back as they were
// delivered live: type talk, user_name, content, timestamp, seq, and room
// or to. Only talks are history; joins and leaves are not.
type History interface {
	// Before returns the last (at most limit) talks of conv with a seq
	// below before (0: the newest), oldest first, and whether older talks
	// are kept.
	Before(ctx context.Context, conv string, before uint64, limit int) (msgs []*model.ChatRoomRequest, more bool, err error)
	// After returns the first (at most limit) talks of conv with
	// after < seq <= upto, oldest first, and whether every talk of conv
	// after `after` is still kept (false: some aged out or were trimmed
	// by retention, so what it returns may not follow on from after).
	After(ctx context.Context, conv string, after, upto uint64, limit int) (msgs []*model.ChatRoomRequest, complete bool, err error)
	// Search returns the talks of conv whose text matches query (its
	// words, all of them; Chinese, Japanese and Korean text by its
	// characters, so a two-character query finds them), with a seq below
	// before (0: the newest), newest first, at most limit, and whether
	// there are more.
	Search(ctx context.Context, conv, query string, before uint64, limit int) (msgs []*model.ChatRoomRequest, more bool, err error)
}

// A Journal is where a MemoryBroker writes events before it delivers them,
// so that a talk anyone received survives a crash of the process, and seqs
// go on from where they were after a restart. It is also the History they
// are read back from.
type Journal interface {
	History
	// Append stores, in one commit, the talks among evs (those with a
	// room or a to), and records the highest seq of all of them (talks,
	// joins, leaves) as the last given. When it returns nil they survive
	// the process being killed. On an error nothing of evs is stored.
	Append(evs []*model.ChatRoomRequest) error
	// LastSeq is the highest seq Append recorded; 0 for a new store.
	LastSeq() uint64
}
