package main

// This file owns the one small interface both stores are driven through,
// and the list of stores the tool compares.

import (
	"context"

	"chatroom/model"
)

// A journal is the part of service.Journal the benchmark measures, and
// Close.
type journal interface {
	Append(evs []*model.ChatRoomRequest) error
	Before(ctx context.Context, conv string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error)
	LastSeq() uint64
	Close() error
}

// A mode is one way of opening a store: how durable its commits are.
type mode struct {
	name string // as the table heads it
	open func(dir string) (journal, error)
}

// A candidate is a store under comparison. Its first mode fills it and is
// read from; its writes are measured in every mode, on the same file.
type candidate struct {
	name  string // short, also its folder under -dir
	title string // as the table heads it
	modes []mode
}

func boltCandidate() candidate {
	open := func(noSync bool) func(string) (journal, error) {
		return func(dir string) (journal, error) { return openBolt(dir, noSync) }
	}
	return candidate{name: "bbolt", title: "bbolt " + moduleVersion("go.etcd.io/bbolt"), modes: []mode{
		{"bbolt, fsync per commit", open(false)},
		{"bbolt, NoSync", open(true)},
	}}
}
