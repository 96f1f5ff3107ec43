package ctrl

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

// -room: repeated or a comma list, in order, names in the form the server
// knows them by, a bad name refused in words.
func TestRoomNamesFlag(t *testing.T) {
	parse := func(args ...string) (RoomNames, error) {
		var r RoomNames
		fs := flag.NewFlagSet("client", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Var(&r, "room", "")
		return r, fs.Parse(args)
	}
	got, err := parse("-room", "Go,中文", "-room", "rust", "-room", "go")
	if err != nil || !slices.Equal(got, RoomNames{"go", "中文", "rust"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := parse("-room", "go,a b"); err == nil || !strings.Contains(err.Error(), `"a b": A room name may hold only`) {
		t.Fatalf("a bad name: %v", err)
	}
	if _, err := parse("-room", "go,,rust"); err == nil || !strings.Contains(err.Error(), "Enter a room name") {
		t.Fatalf("an empty name: %v", err)
	}
}
