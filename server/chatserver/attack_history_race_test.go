//go:build race

package chatserver

// fillTalks is how many talks the search attacks fill each room with:
// fewer under the race detector, which makes SQLite (Go translated from
// C) some twenty times slower.
const fillTalks = 3000
