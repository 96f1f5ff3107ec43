package store

// This file owns what the search index holds of a talk and what a query
// looks for: text is folded and split as model.SearchTerms does (the NATS
// scan matches by the same rules); words of letters and digits are indexed as they are and a
// query's words match their start ("hel" finds "hello"); runs of Chinese,
// Japanese and Korean characters, written without spaces, are indexed as
// every character and every pair of neighbouring characters, so a query of
// one character, or two (你好 in 大家你好啊), finds them; a longer CJK query
// finds the talks holding all its pairs, wherever they are. Other scripts
// written without spaces (Thai, Lao, Khmer) are words as a whole: a query
// finds them only by their start.

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"chatroom/model"
)

// terms is what the index holds of content: its words, and each CJK
// character and pair of neighbours, separated by spaces (the index's ascii
// tokenizer splits there and nowhere inside them).
func terms(content string) string {
	var b strings.Builder
	for _, p := range model.SearchTerms(content) {
		if !p.CJK {
			b.WriteString(p.Text)
			b.WriteByte(' ')
			continue
		}
		rs := []rune(p.Text)
		for i, r := range rs {
			b.WriteRune(r)
			b.WriteByte(' ')
			if i+1 < len(rs) {
				b.WriteString(string(rs[i : i+2]))
				b.WriteByte(' ')
			}
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// matchTerms is the full-text query of query's words: each word as the
// start of a word, each CJK character alone or each pair of neighbours,
// all of them, each once (the index looks up every copy of a term again:
// "a a a ..." 128 times took seconds). It is "" when query has nothing to
// look for.
func matchTerms(query string) string {
	var parts []string
	seen := make(map[string]bool)
	add := func(t string, prefix bool) {
		q := `terms : "` + t + `"` // t holds no '"': only letters, digits, marks
		if prefix {
			q += "*"
		}
		if !seen[q] {
			seen[q] = true
			parts = append(parts, q)
		}
	}
	for _, p := range model.SearchTerms(query) {
		rs := []rune(p.Text)
		switch {
		case !p.CJK:
			// A word of one letter as a start would read every word
			// of the index that starts with it (model.MinPrefix).
			add(p.Text, len(rs) >= model.MinPrefix)
		case len(rs) == 1:
			add(p.Text, false)
		default:
			for i := 0; i+1 < len(rs); i++ {
				add(string(rs[i:i+2]), false)
			}
		}
	}
	return strings.Join(parts, " AND ")
}

// convToken is the index's word for a conversation: its talks carry it in
// the index's conv column, so a search looks only at that conversation's.
func convToken(conv string) string {
	sum := sha256.Sum256([]byte(conv))
	return "c" + hex.EncodeToString(sum[:8])
}
