package model

// This file owns what a search query matches, for a store that scans talks
// (the NATS stream) and one that indexes them: the text is folded (NFKC,
// then case folding, then NFKC again), and split into words of letters and
// digits and into runs of Chinese, Japanese and Korean characters, which
// have no spaces between words.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// A SearchTerm is a word of a folded text, or a run of its CJK characters.
type SearchTerm struct {
	Text string
	CJK  bool // a run of Han, Hiragana, Katakana or Hangul characters
}

// FoldSearch is the form text is compared in: NFKC and case-folded, so
// "ＨＥＬＬＯ" and "hello" are the same.
func FoldSearch(text string) string {
	if isASCII(text) { // the common case, many times faster (usernameplain.go)
		return strings.ToLower(text)
	}
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(text)))
}

// IsCJK says whether r is written without spaces between words: Han,
// Hiragana, Katakana (and its long vowel mark) or Hangul, as
// service/store's index has it.
func IsCJK(r rune) bool {
	return r == 'ー' || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// SearchTerms splits text, folded, into its words (runs of letters, numbers
// and marks) and its CJK runs, in order. Everything else separates them.
func SearchTerms(text string) []SearchTerm { return splitTerms(FoldSearch(text)) }

// splitTerms splits folded text into its words and CJK runs.
func splitTerms(folded string) []SearchTerm {
	var terms []SearchTerm
	var cur strings.Builder
	curCJK := false
	flush := func() {
		if cur.Len() > 0 {
			terms = append(terms, SearchTerm{Text: cur.String(), CJK: curCJK})
			cur.Reset()
		}
	}
	for _, r := range folded {
		cjk := IsCJK(r)
		word := !cjk && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
		if (!cjk && !word) || (cur.Len() > 0 && cjk != curCJK) {
			flush()
		}
		if cjk || word {
			cur.WriteRune(r)
			curCJK = cjk
		}
	}
	flush()
	return terms
}

// A Query is a parsed search query: a text matches it when every one of
// its terms is found in the text.
type Query struct{ terms []SearchTerm }

// ParseQuery parses a search query. A query of no words (empty, or only
// spaces and punctuation) is Empty and matches nothing.
func ParseQuery(query string) Query { return Query{terms: SearchTerms(query)} }

// Empty says whether q has no terms.
func (q Query) Empty() bool { return len(q.terms) == 0 }

// Match says whether text has every term of q: a word of q as the start of
// a word of text ("hel" finds "hello"; a word of one letter only as a word,
// since as a start it would find most of the texts), a CJK run of q inside a CJK run of
// text ("你好" finds "大家你好啊").
func (q Query) Match(text string) bool {
	if q.Empty() {
		return false
	}
	folded := FoldSearch(text)
	for _, want := range q.terms { // most texts fail here, cheaply
		if !strings.Contains(folded, want.Text) {
			return false
		}
	}
	have := splitTerms(folded)
	for _, want := range q.terms {
		if !hasTerm(have, want) {
			return false
		}
	}
	return true
}

func hasTerm(have []SearchTerm, want SearchTerm) bool {
	for _, h := range have {
		switch {
		case h.CJK != want.CJK:
		case want.CJK && strings.Contains(h.Text, want.Text):
			return true
		case !want.CJK && want.prefix() && strings.HasPrefix(h.Text, want.Text):
			return true
		case !want.CJK && h.Text == want.Text:
			return true
		}
	}
	return false
}

// MinPrefix is the shortest query word, in characters, that matches as the
// start of longer words; a shorter one matches only itself.
const MinPrefix = 2

// prefix says whether a query word matches as the start of words.
func (t SearchTerm) prefix() bool { return utf8.RuneCountInString(t.Text) >= MinPrefix }
