package main

// This file owns the SQLite side of the comparison: service/store as the
// server opens it, in its two durability modes.

import (
	"chatroom/service/store"
)

func sqliteCandidate() candidate {
	open := func(sync store.Sync) func(string) (journal, error) {
		return func(dir string) (journal, error) { return store.Open(dir, store.Options{Sync: sync}) }
	}
	return candidate{name: "sqlite", title: "SQLite (modernc.org/sqlite " + moduleVersion("modernc.org/sqlite") + ")", modes: []mode{
		{"SQLite, WAL, synchronous=NORMAL", open(store.SyncNormal)},
		{"SQLite, WAL, synchronous=FULL", open(store.SyncFull)},
	}}
}
