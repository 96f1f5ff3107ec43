package chatserver

import (
	"context"
	"runtime/debug"
	"time"
)

// This file owns the memory trim after a burst of connections. Each
// handshake leaves garbage behind it (net/http's 4 KiB reader and writer,
// the request, the upgrade's buffers: more than the connection itself
// keeps), and the runtime keeps the freed pages, up to twice the live heap,
// for the allocations it expects next. After 15,000 connections arrive and
// go idle, that is a third of the process's memory, held for nothing. So
// once the number of connections has grown by trimAfter or more and then
// held still for a look, the trimmer runs one collection and gives the
// free pages back to the system (debug.FreeOSMemory): one GC per burst of
// connections, never on the path of a message.

const (
	trimEvery = 5 * time.Second // how often the trimmer looks
	trimAfter = 1000            // growth in connections since the last trim that makes one worth it
)

// trimMemory trims after every burst of connections until ctx ends; conns
// is the number of open connections.
func trimMemory(ctx context.Context, conns func() int64) {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	var tr trimmer
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if tr.due(conns()) {
				debug.FreeOSMemory()
			}
		}
	}
}

// trimmer decides when to trim from the connection counts it is shown.
type trimmer struct {
	base int64 // the count at the last trim, or the lowest since
	prev int64 // the count at the last look
}

// due reports whether to trim now, with n connections open: the count has
// grown by trimAfter or more since the last trim (or the lowest count
// since), and has not grown by a tenth of that since the last look.
func (t *trimmer) due(n int64) bool {
	defer func() { t.prev = n }()
	t.base = min(t.base, n)
	if n-t.base < trimAfter || n-t.prev >= trimAfter/10 {
		return false
	}
	t.base = n
	return true
}
