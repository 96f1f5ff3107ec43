package chattest

// This file owns a test server with durable history: its talks in a
// SQLite store in a directory, as a server with -data-dir keeps them, so
// that scroll back, catch-up and search read them, and a server started
// again on the same directory goes on from them.

import (
	"testing"

	"chatroom/config"
	"chatroom/service"
	"chatroom/service/store"
)

// StartStored serves cfg's chat room on addr ("" for any free loopback
// port) with its history in dir (cfg.Store's retention applies), until
// Stop or the end of the test. Stop closes the store: another server may
// then be started on dir.
func StartStored(t testing.TB, cfg config.Server, addr, dir string) *Server {
	t.Helper()
	st, err := store.Open(dir, store.Options{Keep: cfg.Store.Keep, MaxAge: cfg.Store.MaxAge})
	if err != nil {
		t.Fatal(err)
	}
	broker := service.NewJournaledBroker(st, cfg.History)
	return serve(t, cfg, addr, broker, st, func() { st.Close() })
}
