package store

// This file owns what the search index holds of a talk and what a query
// looks for: text is compared in NFKC after Unicode case folding (as room
// names are); words of letters and digits are indexed as they are and a
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
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// fold is s in the form text is compared in: NFKC, case folded, NFKC again
// (folding can undo NFKC's composition).
func fold(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}

// isCJK says whether r is written in runs without spaces: Han, Hiragana,
// Katakana (and its long vowel mark), Hangul.
func isCJK(r rune) bool {
	return r == 'ー' || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// isWordRune says whether r belongs to a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r)
}

// A piece of folded text: a word, or a run of CJK characters.
type piece struct {
	text string
	cjk  bool
}

// pieces splits s (folded) into words and CJK runs; anything else
// separates them.
func pieces(s string) []piece {
	var out []piece
	var cur []rune
	curCJK := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, piece{string(cur), curCJK})
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case isCJK(r):
			if !curCJK {
				flush()
			}
			curCJK = true
			cur = append(cur, r)
		case isWordRune(r):
			if curCJK {
				flush()
			}
			curCJK = false
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// terms is what the index holds of content: its words, and each CJK
// character and pair of neighbours, separated by spaces (the index's ascii
// tokenizer splits there and nowhere inside them).
func terms(content string) string {
	var b strings.Builder
	for _, p := range pieces(fold(content)) {
		if !p.cjk {
			b.WriteString(p.text)
			b.WriteByte(' ')
			continue
		}
		rs := []rune(p.text)
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
// all of them. It is "" when query has nothing to look for.
func matchTerms(query string) string {
	var parts []string
	add := func(t string, prefix bool) {
		q := `terms : "` + t + `"` // t holds no '"': only letters, digits, marks
		if prefix {
			q += "*"
		}
		parts = append(parts, q)
	}
	for _, p := range pieces(fold(query)) {
		rs := []rune(p.text)
		switch {
		case !p.cjk:
			add(p.text, true)
		case len(rs) == 1:
			add(p.text, false)
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
