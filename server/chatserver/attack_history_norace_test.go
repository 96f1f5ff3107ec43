//go:build !race

package chatserver

// fillTalks is how many talks the search attacks fill each room with
// (attack_history_race_test.go: fewer under the race detector).
const fillTalks = 30000
