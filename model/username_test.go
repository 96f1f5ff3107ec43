package model

import (
	"strings"
	"testing"
)

// normalizeCases are NormalizeUsername's inputs, with the name it returns
// or a part of its error.
var normalizeCases = []struct{ in, want, err string }{
	{"alice", "alice", ""},
	{"  张三 ", "张三", ""},
	{"Bob  Smith", "Bob Smith", ""},
	{"Bob\u00a0Smith", "Bob Smith", ""},
	{"ａｌｉｃｅ", "alice", ""},
	{"Jose\u0301", "Jos\u00e9", ""},
	{"Ali-123_x", "Ali-123_x", ""},
	{"محمد", "محمد", ""},
	{strings.Repeat("名", 32), strings.Repeat("名", 32), ""},
	{strings.Repeat("名", 33), "", "longer than 32"},
	{"", "", "empty"},
	{" \t ", "", "empty"},
	{"a\nb", "", "control"},
	{"a\u0000b", "", "control"},
	{"a\u2028b", "", "control"},
	{"\xff", "", "UTF-8"},
	{"\u202eecila", "", "bidirectional control character (U+202E)"},
	{"alice\u200f", "", "bidirectional control character (U+200F)"},
	{"a\u2066b\u2069", "", "bidirectional control"},
	{"alice\u200b", "", "invisible character (U+200B)"},
	{"al\u200dice", "", "invisible character (U+200D)"},
	{"al\u00adice", "", "invisible character (U+00AD)"},
	{"alice\ufe0f", "", "invisible character (U+FE0F)"},
	{"a\u034fb", "", "invisible character (U+034F)"},
	{"\u3164", "", "invisible character (U+3164)"},
	{"\u115f", "", "invisible character (U+115F)"},
	{"\u200b", "", "invisible"},
	{"\u2800", "", "no visible characters"},
	{"\u2800 \u2800", "", "no visible characters"},
	{"\u0301", "", "no visible characters"},
	{"\u3000", "", "empty"},
	{"a\U000E0001", "", "invisible character (U+E0001)"},
	{"a\U0010FFFD", "", "not allowed in names (U+10FFFD)"},
	{"\ufdfa\ufdfa", "", "longer than 32"}, // NFKC makes each 18 characters
	// Issue 15's second review: blanks inside a name, invisibles that
	// are not default-ignorable, and UTS #39's mark checks.
	{"alice\u2800", "", "invisible character (U+2800)"},
	{"\u2800alice", "", "invisible character (U+2800)"},
	{"al\uffa0ice", "", "invisible character (U+FFA0)"},
	{"alice\U0001D159", "", "invisible character (U+1D159)"},
	{"alice\U00016FE4", "", "invisible character (U+16FE4)"},
	{"ali\u0307ce", "", "dot above (U+0307) on U+0069"},
	{"adm\u0131\u0307n", "", "dot above (U+0307) on U+0131"},
	{"j\u0307ohn", "", "dot above (U+0307) on U+006A"},
	{"ali\u0301\u0301ce", "", "repeats the combining mark U+0301"},
	{"a\u0300\u0301\u0302\u0303\u0304", "", "more than 4 combining marks"},
	{"a" + strings.Repeat("\u0489", 31), "", "more than 4 combining marks"},
	{"alice\u1a60", "", "combining mark of one script (U+1A60) on a character of another (U+0065)"},
	{"alic\u17d2e", "", "combining mark of one script (U+17D2)"},
	{"1\u0e3a", "", "combining mark of one script (U+0E3A)"},
	{"\u2764\ufe0f\ufe0f", "", "invisible character (U+FE0F)"},
	{"\u2764\u200d", "", "invisible character (U+200D)"},
	{"a\u200d\u2764", "", "invisible character (U+200D)"},
	{"\u2764\u200da", "", "invisible character (U+200D)"},
	{"\U0001F468\u200c\U0001F469", "", "invisible character (U+200C)"},
	{"\u2764\ufe0f\U0010FFFD", "", "not allowed in names (U+10FFFD)"},
	// Legitimate names with joiners, variation selectors and marks.
	{"\u2764\ufe0f", "\u2764\ufe0f", ""},   // ❤️ from a phone keyboard
	{"1\ufe0f\u20e3", "1\ufe0f\u20e3", ""}, // keycap 1️⃣
	{"\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F468\u200d\U0001F469\u200d\U0001F467", ""}, // family
	{"\U0001F3F3\ufe0f\u200d\U0001F308", "\U0001F3F3\ufe0f\u200d\U0001F308", ""},                     // rainbow flag
	{"\U0001F469\U0001F3FD\u200d\U0001F4BB", "\U0001F469\U0001F3FD\u200d\U0001F4BB", ""},             // with a skin tone
	{"\u2764\ufe0f  bob", "\u2764\ufe0f bob", ""},
	{"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", ""}, // Persian, ZWNJ
	{"\u0915\u094d\u200d\u0937", "\u0915\u094d\u200d\u0937", ""},                                                 // Devanagari, ZWJ after a virama
	{"\u0130stanbul", "\u0130stanbul", ""},                                                                       // Turkish dotted capital I
	{"Vi\u1ec7t", "Vi\u1ec7t", ""},                                                                               // two marks on one letter
	{"\u0e2a\u0e21\u0e0a\u0e32\u0e22", "\u0e2a\u0e21\u0e0a\u0e32\u0e22", ""},                                     // Thai
	{"\u0928\u092e\u0938\u094d\u0924\u0947", "\u0928\u092e\u0938\u094d\u0924\u0947", ""},                         // Hindi
	{"\u179f\u17bb\u1781\u17b6", "\u179f\u17bb\u1781\u17b6", ""},                                                 // Khmer
	{"\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd", "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd", ""},             // Hebrew, pointed
	{"\u0645\u064f\u062d\u064e\u0645\u064e\u0651\u062f", "\u0645\u064f\u062d\u064e\u0645\u064e\u0651\u062f", ""}, // Arabic, vowelled
	{"\u304b\u3099", "\u304c", ""},                                                                               // Japanese: the voiced mark composes
}

func TestNormalizeUsername(t *testing.T) {
	for _, tc := range normalizeCases {
		got, err := NormalizeUsername(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestUsernameKeys: the look-alikes of "alice" have its key or its
// skeleton; different names have neither.
func TestUsernameKeys(t *testing.T) {
	same := func(a, b string) bool {
		na, err := NormalizeUsername(a)
		if err != nil {
			t.Fatalf("%q: %v", a, err)
		}
		nb, err := NormalizeUsername(b)
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		return UsernameKey(na) == UsernameKey(nb) || UsernameSkeleton(na) == UsernameSkeleton(nb)
	}
	for _, pair := range [][2]string{
		{"alice", "Alice"},
		{"alice", "ALICE"},
		{"alice", "ａｌｉｃｅ"},
		{"alice", "\u0430lice"}, // Cyrillic а
		{"alice", "\u0410LICE"}, // Cyrillic А
		{"alice", "aIice"},      // capital I
		{"alice", "a1ice"},
		{"ian", "Ian"},
		{"Jos\u00e9", "Jose\u0301"},
		{"JOS\u00c9", "jose\u0301"},
		{"bob", "b0b"},
		{"modern", "rnodern"},
		{"Bob Smith", "bob  smith"},
		{"straße", "STRASSE"},
		{"\u2764", "\u2764\ufe0f"},
		{"1\u20e3", "1\ufe0f\u20e3"},
		{"\U0001F468\U0001F469\U0001F467", "\U0001F468\u200d\U0001F469\u200d\U0001F467"},
		{"\u0915\u094d\u0937", "\u0915\u094d\u200d\u0937"},
		{"\u0645\u06cc\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"},
	} {
		if !same(pair[0], pair[1]) {
			t.Errorf("%q and %q: keys %q, %q; skeletons %q, %q", pair[0], pair[1],
				UsernameKey(pair[0]), UsernameKey(pair[1]), UsernameSkeleton(pair[0]), UsernameSkeleton(pair[1]))
		}
	}
	for _, pair := range [][2]string{
		{"alice", "alicia"},
		{"alice", "alice2"},
		{"Bob Smith", "Bob Smyth"},
		{"张三", "张四"},
		{"bob", "rob"},
		{"Jose", "José"},
		{"\u2764\ufe0f", "\U0001F499"},
		{"1\ufe0f\u20e3", "1"},
		{"\U0001F468\u200d\U0001F469", "\U0001F468"},
	} {
		if same(pair[0], pair[1]) {
			t.Errorf("%q and %q are taken for one name", pair[0], pair[1])
		}
	}
}

// A name's keys are those of its normalized form: the server compares
// what it shows.
func TestUsernameKeyStable(t *testing.T) {
	for _, s := range []string{"alice", "ALICE", "张三", "Bob Smith", "José", "\u2764\ufe0f", "1\ufe0f\u20e3",
		"\U0001F3F3\ufe0f\u200d\U0001F308", "\u0915\u094d\u200d\u0937", "\u0130stanbul"} {
		n, err := NormalizeUsername(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := NormalizeUsername(n)
		if again != n || err != nil {
			t.Errorf("%+q: normalized %+q, then %+q, %v", s, n, again, err)
		}
		if UsernameKey(again) != UsernameKey(n) || UsernameSkeleton(again) != UsernameSkeleton(n) {
			t.Errorf("%q: keys change on normalizing again", s)
		}
	}
}

// Hidden is what NormalizeUsername refuses as invisible, bidi control or
// blank, and nothing a name may hold.
func TestHidden(t *testing.T) {
	for _, r := range "\u200b\u200d\u00ad\u202e\u2066\u061c\ufe0f\u034f\u3164\u2800\U000E0001\U0001D159\U00016FE4\uffa0" {
		if !Hidden(r) {
			t.Errorf("%U is not hidden", r)
		}
	}
	for _, r := range "aZ9 -_张éа!" {
		if Hidden(r) {
			t.Errorf("%U is hidden", r)
		}
	}
}

// BenchmarkUsernameKeys is what a claim adds to a handshake: the name
// normalized, its key and its skeleton.
func BenchmarkUsernameKeys(b *testing.B) {
	for _, name := range []string{"alice", "Bob Smith", "张三李四王五", "user-2000-abcdef12"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				n, _ := NormalizeUsername(name)
				_, _ = UsernameKey(n), UsernameSkeleton(n)
			}
		})
	}
}
