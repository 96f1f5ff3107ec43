package model

import (
	"slices"
	"testing"
)

// User list pages sort by the fold, whatever the case or width, then by
// the name: the order the server pages in and the clients sort a page by.
func TestCompareNamesSortsByFoldThenName(t *testing.T) {
	names := []string{"bob", "ＡＬＩＣＥ", "Alice", "alice", "Straße", "strasse", "Carol"}
	slices.SortFunc(names, CompareNames)
	want := []string{"Alice", "alice", "ＡＬＩＣＥ", "bob", "Carol", "Straße", "strasse"}
	if !slices.Equal(names, want) {
		t.Fatalf("sorted %q, want %q", names, want)
	}
	if FoldName("ＡＬＩＣＥ") != "alice" || FoldName("Straße") != "strasse" {
		t.Fatalf("folds %q and %q, want alice and strasse", FoldName("ＡＬＩＣＥ"), FoldName("Straße"))
	}
}
