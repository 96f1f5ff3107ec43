package service

import (
	"slices"
	"testing"
)

// A claim's value carries the user's rooms, private ones flagged; a value
// written before rooms (no rooms at all) puts its user in the default
// room; a value with no user is no claim; an admin's claim says so.
func TestNatsClaimValues(t *testing.T) {
	rooms := []RoomRef{{Name: "lobby"}, {Name: "茶馆", Private: true}, {Name: "go"}}
	name, got, ok := parseClaim(claimData("a", "张三", rooms, false), "lobby")
	want := []RoomRef{{Name: "lobby"}, {Name: "go"}, {Name: "茶馆", Private: true}}
	if !ok || name != "张三" || !slices.Equal(got, want) {
		t.Fatalf("%q %v %v", name, got, ok)
	}
	if _, got, ok := parseClaim(claimData("a", "u", nil, false), "lobby"); !ok || len(got) != 0 {
		t.Fatalf("no rooms: %v %v", got, ok)
	}
	if _, got, ok := parseClaim([]byte(`{"node":"a","user":"old"}`), "lobby"); !ok || !slices.Equal(got, []RoomRef{{Name: "lobby"}}) {
		t.Fatalf("a claim of before rooms: %v %v", got, ok)
	}
	for _, bad := range []string{``, `{}`, `{"node":"a"}`, `not json`, `{"user":"x","rooms":"x"}`} {
		if _, _, ok := parseClaim([]byte(bad), "lobby"); ok {
			t.Errorf("%q read as a claim", bad)
		}
	}
	if !claimAdmin(claimData("a", "root", nil, true)) || claimAdmin(claimData("a", "u", nil, false)) || claimAdmin([]byte(`not json`)) {
		t.Error("a claim's admin flag is not read back as written")
	}
	if n := len(claimData("node-1", "alice", []RoomRef{{Name: "lobby"}}, false)); n > 64 {
		t.Errorf("a claim in one room takes %d bytes", n)
	}
}
