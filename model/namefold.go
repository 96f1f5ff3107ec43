package model

// This file owns the order of a room's user list pages (chat_message.proto,
// userlist): names compared by their fold (NFKC, then Unicode case folding:
// "Alice", "alice" and "ＡＬＩＣＥ" sort together), then by the name itself,
// so the order is total. The server pages by it and matches a page's name
// prefix (content) with it; a client sorts a page's names by it (user_list
// is a map, which has no order) and filters the names it holds with it.

import (
	"cmp"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// FoldName is the key user list pages are sorted and searched by.
func FoldName(name string) string {
	if isASCII(name) { // NFKC changes nothing, and case folding is lower case
		return strings.ToLower(name)
	}
	return cases.Fold().String(norm.NFKC.String(name))
}

// CompareNames orders names as user list pages do: by their folds, then
// by the names themselves.
func CompareNames(a, b string) int {
	return cmp.Or(strings.Compare(FoldName(a), FoldName(b)), strings.Compare(a, b))
}
